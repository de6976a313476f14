"""Seeds the fuzzed tenant with everything a real one has, for scripts/fuzz.

An empty tenant hides the faults that only references cause: a DELETE of an
owner who recorded a response was a 500 (a foreign key) that no fuzz of an
empty tenant could reach. This makes, through the API as a customer would:
calendars, owners, teams, a one-second SLA policy with escalations, funnels,
rules, webhook/Slack/e-mail channels, qualified and unqualified leads,
responses (one by an owner in no team, whom nothing else names), and waits until
breaches, escalations and deliveries (one of them delivered, to a receiver
this script serves on loopback) exist. It prints the ids as JSON, which
fuzz_hooks.py puts into path parameters so operations meet real resources.

usage: fuzz_seed.py BASE_URL ADMIN_KEY RECEIVER_PORT > ids.json
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

BASE, KEY, RECEIVER_PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, expect=(200, 201, 204)):
    request = urllib.request.Request(
        BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status not in expect:
        sys.exit(f"seed: {method} {path} answered {status}: {text}")
    return json.loads(text) if text else None


def wait_for(what, check, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    sys.exit(f"seed: no {what} within {seconds} s")


def main():
    server = HTTPServer(("127.0.0.1", RECEIVER_PORT), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    every_day = [{"day": d, "start": "00:00", "end": "24:00"} for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    calendar = call("POST", "/v1/calendars", {"name": "Always", "timezone": "UTC", "hours": every_day})["id"]
    spare_calendar = call("POST", "/v1/calendars", {"name": "Office", "timezone": "Europe/Berlin",
                                                    "hours": [{"day": "mon", "start": "09:00", "end": "17:00"}]})["id"]
    ana = call("POST", "/v1/owners", {"name": "Ana", "email": "ana@example.com", "timezone": "UTC", "territories": ["DE"]})["id"]
    bob = call("POST", "/v1/owners", {"name": "Bob", "email": "bob@example.com", "timezone": "UTC", "territories": ["US"],
                                      "calendar_id": spare_calendar})["id"]
    carla = call("POST", "/v1/owners", {"name": "Carla", "email": "carla@example.com", "timezone": "UTC"})["id"]
    dana = call("POST", "/v1/owners", {"name": "Dana", "email": "dana@example.com", "timezone": "UTC"})["id"]
    team = call("POST", "/v1/teams", {"name": "SDRs", "member_ids": [ana, bob]})["id"]
    managers = call("POST", "/v1/teams", {"name": "Managers", "member_ids": [carla]})["id"]
    policy = call("POST", "/v1/sla-policies", {
        "name": "One second", "target_seconds": 1, "calendar_id": calendar,
        "escalations": [{"after_seconds": 0, "action": "notify", "team_id": managers},
                        {"after_seconds": 1, "action": "reassign", "team_id": managers}],
    })["id"]
    funnel = call("POST", "/v1/funnels", {"name": "Demo", "qualify_min_score": 80, "sla_policy_id": policy,
                                          "fallback_owner_id": carla})["id"]
    rule = call("POST", "/v1/routing-rules", {
        "name": "Territory", "funnel_id": funnel, "position": 1,
        "conditions": [{"field": "attributes.country", "op": "in", "value": ["DE", "US"]}],
        "assign": {"strategy": "territory", "team_id": team, "attribute": "country"},
    })["id"]
    events = ["lead.assigned", "lead.unassigned", "sla.warning", "sla.breached", "lead.escalated", "lead.responded"]
    webhook = call("POST", "/v1/channels", {"name": "Receiver", "type": "webhook", "events": events,
                                            "config": {"url": f"http://127.0.0.1:{RECEIVER_PORT}/hook"}})["id"]
    slack = call("POST", "/v1/channels", {"name": "Slack", "type": "slack", "events": events,
                                          "config": {"webhook_url": f"http://127.0.0.1:{RECEIVER_PORT}/slack"}})["id"]
    email = call("POST", "/v1/channels", {"name": "Mail", "type": "email", "events": ["sla.breached"],
                                          "config": {"to_owner": True}})["id"]

    leads = []
    for n, country in enumerate(["DE", "US", "DE", "FR", "DE"]):
        leads.append(call("POST", "/v1/leads", {
            "funnel_id": funnel, "external_id": f"seed-{n}", "email": f"lead{n}@example.com", "name": f"Lead {n}",
            "score": 90, "answers": {"budget": "yes", "team_size": n}, "attributes": {"country": country},
        })["id"])
    unqualified = call("POST", "/v1/leads", {"funnel_id": funnel, "email": "cold@example.com", "score": 10,
                                             "answers": {}, "attributes": {}})["id"]
    # Dana, in no team, answers Ana's lead: a recorded response is all that refers to her.
    call("POST", f"/v1/leads/{leads[0]}/responses", {"channel": "call", "owner_id": dana})
    call("POST", f"/v1/leads/{leads[1]}/responses", {"channel": "email"})
    call("POST", f"/v1/leads/{leads[2]}/assignment", {"owner_id": carla})

    def has(path, predicate):
        return lambda: any(predicate(item) for item in call("GET", path)["data"])

    wait_for("breach", has("/v1/events?type=sla.breached", lambda e: True))
    wait_for("escalation", has("/v1/events?type=lead.escalated", lambda e: True))
    wait_for("delivered delivery", has("/v1/deliveries?status=delivered", lambda d: True))
    wait_for("failed e-mail attempt", has(f"/v1/deliveries?channel_id={email}", lambda d: d["attempt_count"] > 0))
    deliveries = [d["id"] for d in call("GET", "/v1/deliveries?limit=20")["data"]]
    api_key = call("POST", "/v1/api-keys", {"name": "Reader", "scopes": ["read"]})["id"]

    json.dump({
        "calendars": [calendar, spare_calendar], "owners": [ana, bob, carla, dana], "teams": [team, managers],
        "sla-policies": [policy], "funnels": [funnel], "routing-rules": [rule], "channels": [webhook, slack, email],
        "leads": leads + [unqualified], "deliveries": deliveries, "api-keys": [api_key],
    }, sys.stdout)
    server.shutdown()


if __name__ == "__main__":
    main()
