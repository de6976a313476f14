#!/usr/bin/env python3
"""Helpers for bench/deliveries (see bench/README.md).

  deliveries.py receive PORT OUT       the webhook receiver: answers every POST with 204
                                       and appends one line per request to OUT:
                                       arrival_ns path webhook-id lead-id
  deliveries.py probe BASE KEY FUNNEL COUNT RATE RECEIVED PHASE [WAIT]
                                       the probe client: COUNT qualified leads, one at a
                                       time, at RATE per second; for each, the time its
                                       201 was read; then waits (at most WAIT seconds,
                                       default 300) for every one to arrive in RECEIVED
                                       and prints the latencies

Arrival and 201 times are both time.time_ns() on this machine.
"""

import asyncio
import http.client
import json
import os
import signal
import sys
import time


# --- receiver ------------------------------------------------------------

class Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 server: keep-alive, Content-Length or chunked bodies."""

    def __init__(self, sink):
        self.sink = sink
        self.buffer = bytearray()

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while True:
            request = self.parse()
            if request is None:
                return
            self.handle(*request)

    def parse(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, at = bytearray(), start
            while True:
                line_end = self.buffer.find(b"\r\n", at)
                if line_end < 0:
                    return None
                size = int(bytes(self.buffer[at:line_end]).split(b";")[0], 16)
                if len(self.buffer) < line_end + 2 + size + 2:
                    return None
                body += self.buffer[line_end + 2:line_end + 2 + size]
                at = line_end + 2 + size + 2
                if size == 0:
                    break
            del self.buffer[:at]
        else:
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < start + length:
                return None
            body = bytes(self.buffer[start:start + length])
            del self.buffer[:start + length]
        return head[0], headers, body

    def handle(self, request_line, headers, body):
        arrived = time.time_ns()
        self.transport.write(b"HTTP/1.1 204 No Content\r\nServer: bench\r\n\r\n")
        parts = request_line.split(" ")
        path = parts[1] if len(parts) > 1 else "?"
        lead = "-"
        if path == "/probe":
            try:
                lead = json.loads(body)["data"]["lead"]["id"]
            except Exception:
                lead = "unparsable"
        self.sink.record(arrived, path, headers.get("webhook-id", "-"), lead)


class Sink:
    """Probe arrivals are flushed at once (the probe client polls the file);
    the load's are flushed every 200 ms."""

    def __init__(self, path):
        self.file = open(path, "a", buffering=1 << 20)

    def record(self, arrived, path, webhook_id, lead):
        self.file.write(f"{arrived} {path} {webhook_id} {lead}\n")
        if path == "/probe":
            self.file.flush()

    async def flush_periodically(self):
        while True:
            await asyncio.sleep(0.2)
            self.file.flush()


async def receive(port, out):
    loop = asyncio.get_running_loop()
    sink = Sink(out)
    server = await loop.create_server(lambda: Receiver(sink), "127.0.0.1", port, backlog=1024)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    flusher = asyncio.ensure_future(sink.flush_periodically())
    print("listening", flush=True)
    await stop
    flusher.cancel()
    server.close()
    sink.file.flush()


# --- probe client --------------------------------------------------------

def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def probe(base, key, funnel, count, rate, received, phase, wait=300.0):
    host, _, port = base.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    sent = {}          # lead id → ns when its 201 had been read
    failures = []
    interval = 1.0 / rate
    started = time.monotonic()
    for n in range(count):
        # A fixed schedule, not "sleep after each": a slow answer does not
        # lower the rate, the next lead simply goes at once.
        delay = started + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        body = json.dumps({
            "funnel_id": funnel, "email": f"probe-{phase}-{n}@example.com", "score": 90,
            "answers": {"team_size": "50-200", "timeline": "this quarter"}, "attributes": {"country": "DE"},
        })
        try:
            connection.request("POST", "/v1/leads", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            done = time.time_ns()
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"lead {n}: {error!r}")
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        if response.status != 201:
            failures.append(f"lead {n}: {response.status} {answer[:300]!r}")
            continue
        sent[json.loads(answer)["id"]] = done
    send_seconds = time.monotonic() - started

    # Wait for every probe lead's webhook (at most `wait` s after the last send).
    arrivals, extra = {}, 0
    deadline = time.monotonic() + wait
    offset = 0
    while True:
        with open(received, "rb") as f:
            f.seek(offset)
            chunk = f.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        offset += len(complete)
        for line in complete.decode().splitlines():
            fields = line.split(" ")
            if len(fields) != 4 or fields[1] != "/probe":
                continue
            arrived, _, webhook_id, lead = fields
            if lead not in sent:
                continue
            if lead in arrivals:
                extra += 1   # a second send of one delivery (e.g. a lease ran out)
                continue
            arrivals[lead] = int(arrived)
        if len(arrivals) == len(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.05)

    latencies = sorted((arrivals[lead] - sent[lead]) / 1e6 for lead in arrivals)
    missing = len(sent) - len(arrivals)
    result = {
        "phase": phase, "sent": count, "created": len(sent), "failed_posts": len(failures),
        "arrived": len(arrivals), "missing": missing, "duplicates": extra,
        "send_seconds": round(send_seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 2), "p90_ms": round(percentile(latencies, 90), 2),
        "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(latencies[-1], 2) if latencies else float("nan"),
        "min_ms": round(latencies[0], 2) if latencies else float("nan"),
        "over_1s": sum(1 for v in latencies if v > 1000),
    }
    for failure in failures[:5]:
        print(f"# {phase}: POST failed: {failure}", file=sys.stderr)
    print(json.dumps(result))
    return 0 if missing == 0 and not failures else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "receive":
        asyncio.run(receive(int(argv[1]), argv[2]))
        return 0
    if len(argv) in (8, 9) and argv[0] == "probe":
        _, base, key, funnel, count, rate, received, phase = argv[:8]
        wait = float(argv[8]) if len(argv) == 9 else 300.0
        return probe(base, key, funnel, int(count), float(rate), received, phase, wait)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
