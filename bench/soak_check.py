#!/usr/bin/env python3
"""Helpers for bench/soak (see bench/README.md).

  soak_check.py receive PORT COUNTS   the webhook receiver: http.server, HTTP/1.1
                                      keep-alive, 204 to every request; writes the
                                      number of requests per path to COUNTS (JSON)
                                      every 2 s and when stopped (SIGTERM)
  soak_check.py samples FILE          summarises the sampler's lines
                                      (elapsed_s phase rss_kb due_deliveries
                                      overdue_timers oldest_overdue_s): prints them,
                                      then key=value lines for the script
"""

import http.server
import json
import os
import signal
import socketserver
import sys
import threading


# --- receiver ------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as a customer's endpoint would be
    counts = {}
    lock = threading.Lock()

    def do_POST(self):
        self.read_body()
        with Handler.lock:
            Handler.counts[self.path] = Handler.counts.get(self.path, 0) + 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                self.rfile.read(size + 2)   # the chunk and its CRLF
                if size == 0:
                    break
        else:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def log_message(self, *args):   # one line per request would be most of the run's I/O
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128


def receive(port, out):
    def dump():
        with Handler.lock:
            text = json.dumps(Handler.counts, sort_keys=True)
        with open(out + ".tmp", "w") as f:
            f.write(text)
        os.replace(out + ".tmp", out)

    def periodically():
        while True:
            dump()
            threading.Event().wait(2)

    def stop(*_):
        dump()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=periodically, daemon=True).start()
    print("listening on 127.0.0.1:%d" % port, flush=True)
    server.serve_forever()


# --- samples -------------------------------------------------------------

def least_squares_slope(points):
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mr = sum(r for _, r in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (r - mr) for t, r in points) / var if var else 0.0


def samples(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 7:
                continue
            t, phase, rss, due, overdue, oldest, limit = parts
            rows.append((float(t), phase, int(rss), due, overdue, oldest, limit))
    print("   t/s  phase    RSS MiB  deliveries due  timers overdue  oldest overdue/s  intake limit")
    for t, phase, rss, due, overdue, oldest, limit in rows:
        print("%6.0f  %-7s %8.1f  %14s  %14s  %16s  %12s" % (t, phase, rss / 1024, due, overdue, oldest, limit))

    soak = [(t, rss) for t, phase, rss, *_ in rows if phase == "soak"]
    if len(soak) >= 2:
        # Least-squares slope of RSS over the soak, and the mean of its first
        # and last quarter: one high sample at either end does not decide it.
        n = len(soak)
        slope = least_squares_slope(soak)
        # The heap grows to its working set in the first minutes (pools,
        # caches, buffers); a leak keeps growing after that. The second half's
        # slope tells them apart.
        second = soak[n // 2:]
        print("rss_second_half_slope_mib_per_min=%.2f" % (least_squares_slope(second) * 60 / 1024 if len(second) >= 2 else 0.0))
        print("rss_half_time_mib=%.1f" % (second[0][1] / 1024))
        q = max(1, n // 4)
        first = sum(r for _, r in soak[:q]) / q
        last = sum(r for _, r in soak[-q:]) / q
        print("rss_slope_mib_per_min=%.2f" % (slope * 60 / 1024))
        print("rss_first_quarter_mib=%.1f" % (first / 1024))
        print("rss_last_quarter_mib=%.1f" % (last / 1024))
        print("rss_soak_min_mib=%.1f" % (min(r for _, r in soak) / 1024))
        print("rss_soak_max_mib=%.1f" % (max(r for _, r in soak) / 1024))
    else:
        print("rss_slope_mib_per_min=?")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "receive":
        receive(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "samples":
        samples(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
