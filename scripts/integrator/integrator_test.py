"""What an integrator does with Handoff (issue #19), as they would do it.

A Python client generated with openapi-python-client from the served
`GET /openapi.yaml`, and nothing else, drives a running `handoff serve`:
  1. the README's first funnel, end to end (tenant, calendar, owners, teams,
     policy, funnel, routing rule, channels, a qualifying lead, a response),
     plus a funnel on a two-second clock so that every event type fires;
  2. a PATCH of one field, checked by GET to have moved nothing else;
  3. the leads, paged with a small limit to the last `next_cursor`;
  4. a webhook receiver on loopback, subscribed to every event type: each body
     it got is verified with `standardwebhooks` against the channel's `whsec_`
     secret and parsed with the generated event model;
  5. each body, and each item of `GET /v1/events`, validated with jsonschema
     (Draft 2020-12 with format checks) against the spec's `webhooks:` entry
     named by its `type`.
Besides: the generated models type every timestamp as a datetime and no field
as Any; `POST /v1/channels/{id}/test` sends a signed `ping`; `rotate-secret`
keeps the old secret signing beside the new one.

The spec is the one source of the wire shapes: this file holds no schema of
its own. Operations are found by method and path (PRODUCT.md's contract), the
generated function by the operationId the served spec gives them, and request
models by the generated functions' own annotations, so a renamed schema or
operationId does not break the test, only a broken contract does.

A generated client that raises on a real response, or answers `parsed is None`
for a 2xx, fails the test. Every check runs even when an earlier one failed,
where it can; the summary at the end names each failure precisely.

usage: integrator_test.py --base-url URL --spec FILE --client-dir DIR
       (HANDOFF_OPERATOR_KEY in the environment; scripts/integrator/run does all this)
"""

import argparse
import ast
import datetime as dt
import importlib
import inspect
import json
import os
import re
import sys
import threading
import time
import traceback
import types
import typing
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import httpx
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# PRODUCT.md, "Events and deliveries": the event types every receiver gets.
PRODUCT_EVENT_TYPES = ["lead.assigned", "lead.unassigned", "sla.warning", "sla.breached",
                       "lead.escalated", "lead.responded"]
PING = "ping"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# An RFC 3339 timestamp, as a string: what a generated client must not hand out.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
WAIT_FOR_EVENTS_SECONDS = 45


def say(message):
    print(f"  · {message}", flush=True)


def excerpt(raw, limit=400):
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    raw = str(raw)
    return raw if len(raw) <= limit else raw[:limit] + f"… ({len(raw)} chars)"


class Failure(Exception):
    """A check failed; the message says which operation, field or event."""

    def __init__(self, message, raw=None):
        super().__init__(message)
        self.raw = raw  # the real response body, when there was one


def fail_with(problems, what, limit=25):
    """One Failure listing every problem (the first `limit` of them)."""
    problems = list(problems)
    if problems:
        lines = problems[:limit] + ([f"… and {len(problems) - limit} more"] if len(problems) > limit else [])
        raise Failure(f"{what}: {len(problems)}\n" + "\n".join(lines))


# ---------------------------------------------------------------------------
# The spec, read as JSON reads it

class JSONLikeLoader(yaml.SafeLoader):
    """YAML as JSON sees it: no YAML 1.1 dates or yes/no booleans, so that
    `"2026-12-25"` and `on` stay strings, as the JSON on the wire has them."""


JSONLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
JSONLikeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def pointer_escape(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def resolve_pointer(doc, pointer):
    node = doc
    for part in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def locate(doc, keys):
    """Follows `keys` from the document's root, through any `$ref` met on the
    way (a webhook may be a `$ref` to a path item, a request body to
    `components/requestBodies`). Returns the JSON pointer reached."""
    pointer, node = "", doc
    for key in keys:
        while isinstance(node, dict) and "$ref" in node and key not in node:
            ref = node["$ref"]
            if not ref.startswith("#"):
                raise Failure(f"`{pointer or '/'}` is an external `$ref` ({ref}); the served spec must stand alone")
            pointer, node = ref[1:], resolve_pointer(doc, ref[1:])
        if not isinstance(node, dict) or key not in node:
            raise Failure(f"the served spec has no `{key}` under `#{pointer or '/'}`")
        pointer, node = f"{pointer}/{pointer_escape(key)}", node[key]
    return pointer, node


class Spec:
    DOC = "urn:handoff:openapi.yaml"

    def __init__(self, path):
        self.doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=JSONLikeLoader)
        self.registry = Registry().with_resource(self.DOC, DRAFT202012.create_resource(self.doc))
        self.format_checker = Draft202012Validator.FORMAT_CHECKER
        self._validators = {}

    def operations(self):
        for path, item in self.doc.get("paths", {}).items():
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    yield method.upper(), path, operation

    def operation(self, method, path):
        """By method and path; path parameters may have any name."""
        shape = re.sub(r"\{[^}]*\}", "{}", path)
        for m, p, operation in self.operations():
            if m == method and re.sub(r"\{[^}]*\}", "{}", p) == shape:
                return p, operation
        raise Failure(f"the served spec has no {method} {path}")

    def webhook_types(self):
        return sorted(self.doc.get("webhooks") or {})

    def event_type_enum(self):
        schema = self.doc.get("components", {}).get("schemas", {}).get("EventType", {})
        return list(schema.get("enum", []))

    def webhook_schema(self, event_type):
        """The pointer and schema of the payload of the webhook named `event_type`."""
        if "webhooks" not in self.doc:
            raise Failure("the served spec has no `webhooks:` section")
        if event_type not in self.doc["webhooks"]:
            raise Failure(f"the served spec's `webhooks:` has no entry `{event_type}` "
                          f"(it has: {', '.join(self.webhook_types()) or 'none'})")
        return locate(self.doc, ["webhooks", event_type, "post", "requestBody", "content",
                                 "application/json", "schema"])

    def webhook_validator(self, event_type):
        if event_type not in self._validators:
            pointer, _ = self.webhook_schema(event_type)
            self._validators[event_type] = Draft202012Validator(
                {"$ref": f"{self.DOC}#{pointer}"}, registry=self.registry, format_checker=self.format_checker)
        return self._validators[event_type]

    def date_time_property_names(self):
        """Property names the spec declares `format: date-time` somewhere and
        never with another type: `away_until` is a timestamp wherever it is
        (a `$ref` to an untyped schema included), `to` is one in a report and
        an address list in a channel's config."""
        kinds = defaultdict(set)

        def walk(node):
            if isinstance(node, dict):
                for name, schema in (node.get("properties") or {}).items():
                    if isinstance(schema, dict):
                        if schema.get("format") == "date-time":
                            kinds[name].add("date-time")
                        elif "type" in schema:
                            kinds[name].add("other")
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.doc)
        return {name for name, found in kinds.items() if found == {"date-time"}}


# ---------------------------------------------------------------------------
# The generated client

def normalized(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_union(annotation):
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def model_classes(annotation):
    """The generated model classes an annotation names (a Union's members too)."""
    members = typing.get_args(annotation) if is_union(annotation) else (annotation,)
    return [m for m in members if inspect.isclass(m) and hasattr(m, "from_dict")]


class Client:
    """The generated package, called by method and path."""

    def __init__(self, spec, client_dir, package, base_url):
        sys.path.insert(0, str(client_dir))
        self.spec = spec
        self.package = package
        self.pkg = importlib.import_module(package)
        self.errors = importlib.import_module(f"{package}.errors")
        self.models = importlib.import_module(f"{package}.models")
        self.types = importlib.import_module(f"{package}.types")
        self.base_url = base_url
        self.modules = {}
        for file in sorted((Path(client_dir) / package / "api").glob("*/*.py")):
            if file.stem != "__init__":
                self.modules.setdefault(normalized(file.stem), f"{package}.api.{file.parent.name}.{file.stem}")
        self.last_response = None
        self.untyped_timestamps = {}   # "Model.field" -> where first seen
        self.calls = Counter()

    def connect(self, token):
        return self.pkg.AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=True,
            timeout=httpx.Timeout(20.0),
            httpx_args={"event_hooks": {"response": [self._keep]}},
        )

    def _keep(self, response):
        response.read()
        self.last_response = response

    def function(self, method, path):
        spec_path, operation = self.spec.operation(method, path)
        operation_id = operation.get("operationId")
        if not operation_id:
            raise Failure(f"{method} {spec_path} has no operationId")
        what = f"{method} {spec_path} ({operation_id})"
        module = self.modules.get(normalized(operation_id))
        if module is None:
            raise Failure(f"the generated client has no function for {what}")
        try:
            return what, importlib.import_module(module).sync_detailed
        except Exception as error:
            raise Failure(f"{what}: the generated module {module} does not import: "
                          f"{type(error).__name__}: {error}") from None

    def body_model(self, method, path):
        """The model class the generated function takes as `body`."""
        what, fn = self.function(method, path)
        parameter = inspect.signature(fn, eval_str=True).parameters.get("body")
        if parameter is None:
            raise Failure(f"{what}: the generated function takes no body")
        annotation = parameter.annotation
        classes = model_classes(annotation)
        if not classes:
            raise Failure(f"{what}: the generated body type {annotation!r} is not a model")
        return classes[0]

    def call(self, token_client, method, path, *path_args, body=None, expect=(200,), **query):
        what, fn = self.function(method, path)
        kwargs = dict(query)
        if body is not None:
            kwargs["body"] = self.body_model(method, path).from_dict(body) if isinstance(body, dict) else body
        if "idempotency_key" in inspect.signature(fn).parameters:
            kwargs["idempotency_key"] = str(uuid.uuid4())
        self.last_response = None
        self.calls[what] += 1
        try:
            response = fn(*path_args, client=token_client, **kwargs)
        except self.errors.UnexpectedStatus as error:
            raise Failure(f"{what}: answered {error.status_code}, a status the spec does not declare: "
                          f"{excerpt(error.content)}", raw=error.content) from None
        except Exception as error:  # the generated parser met a real response it cannot read
            raw = self.last_response
            status = raw.status_code if raw is not None else "no response"
            raise Failure(
                f"{what}: the generated client raised {type(error).__name__}: {error}\n"
                f"    on the real response {status}: {excerpt(raw.content if raw is not None else '')}\n"
                f"    at {self.where(error)}",
                raw=raw.content if raw is not None else None) from None
        status = int(response.status_code)
        if status not in expect:
            raise Failure(f"{what}: expected {' or '.join(map(str, expect))}, got {status}: "
                          f"{excerpt(response.content)}", raw=response.content)
        if 200 <= status < 300 and status != 204:
            if response.parsed is None:
                raise Failure(f"{what}: {status}, but the generated client could not parse it "
                              f"(parsed is None): {excerpt(response.content)}", raw=response.content)
            if type(response.parsed).__name__ == "Problem":
                raise Failure(f"{what}: {status} parsed as a Problem: {excerpt(response.content)}",
                              raw=response.content)
            self.note_untyped_timestamps(response.parsed, what)
        return response

    def where(self, error):
        """The generated file and line an exception came from."""
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return f"{frame.filename.split(self.package + '/')[-1]}:{frame.lineno}"

    def note_untyped_timestamps(self, parsed, where):
        for field, value in untyped_timestamps(parsed):
            self.untyped_timestamps.setdefault(field, f"{where}: {value!r}")


def untyped_timestamps(value, owner=None, field=None):
    """(Model.field, value) for every str holding an RFC 3339 timestamp in a
    parsed model. `additional_properties` (free-form answers and attributes)
    are left alone: a quiz answer may well be a date."""
    if attrs.has(type(value)):
        for f in attrs.fields(type(value)):
            if f.name != "additional_properties":
                yield from untyped_timestamps(getattr(value, f.name), type(value).__name__, f.name)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from untyped_timestamps(item, owner, field)
    elif isinstance(value, str) and TIMESTAMP.match(value) and owner:
        yield f"{owner}.{field}", value


def annotation_mentions(annotation, name):
    """Whether a generated field's annotation names `name` (e.g. Any), read as
    the source text it is: the models use `from __future__ import annotations`,
    so attrs holds strings, and forward references may nest more strings."""
    if isinstance(annotation, str):
        try:
            tree = ast.parse(annotation, mode="eval")
        except SyntaxError:
            return re.search(rf"\b{name}\b", annotation) is not None
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == name:
                return True
            if isinstance(node, ast.Attribute) and node.attr == name:
                return True
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and annotation_mentions(node.value, name):
                return True
        return False
    if annotation is typing.Any:
        return name == "Any"
    if getattr(annotation, "__name__", None) == name:
        return True
    return any(annotation_mentions(a, name) for a in typing.get_args(annotation))


# ---------------------------------------------------------------------------
# The receiver

class Receiver:
    """A webhook receiver on loopback: records every POST it gets, by path."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = []  # dicts: path, headers, body (bytes), at
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {}
                for key, value in self.headers.items():
                    key = key.lower()
                    headers[key] = f"{headers[key]} {value}" if key in headers else value
                with receiver.lock:
                    receiver.deliveries.append({"path": self.path, "headers": headers, "body": body,
                                                "at": time.time()})
                reply = b"ok" if self.path == "/slack" else b""
                self.send_response(200 if reply else 204)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def at(self, path):
        with self.lock:
            return [d for d in self.deliveries if d["path"] == path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def event_of(delivery):
    try:
        return json.loads(delivery["body"])
    except ValueError:
        return None


def wait_until(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure(f"{what} within {seconds} s")
        time.sleep(0.25)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_diff(a, b, path="$"):
    """Where two JSON values differ, as `path: left vs right` lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a:
                yield f"{path}.{key}: absent vs {json.dumps(b[key])[:80]}"
            elif key not in b:
                yield f"{path}.{key}: {json.dumps(a[key])[:80]} vs absent"
            else:
                yield from json_diff(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from json_diff(x, y, f"{path}[{i}]")
    elif is_number(a) and is_number(b):
        if a != b:  # JSON has one number type: 86 and 86.0 are the same
            yield f"{path}: {a} vs {b}"
    elif a != b or type(a) is not type(b):
        yield f"{path}: {json.dumps(a)[:80]} vs {json.dumps(b)[:80]}"


# ---------------------------------------------------------------------------
# The test

class IntegratorTest:
    def __init__(self, args):
        self.spec = Spec(args.spec)
        self.api = Client(self.spec, Path(args.client_dir), args.package, args.base_url)
        self.operator = self.api.connect(os.environ["HANDOFF_OPERATOR_KEY"])
        self.tenant = None  # the tenant's admin key, once the walkthrough made it
        self.timers_settled_at = 0.0
        self.receiver = Receiver()
        self.results = []  # (name, status, detail): status in PASS FAIL SKIP
        self.ids = {}
        self.secrets = defaultdict(list)  # receiver path -> every whsec_ secret its channel had
        self.lead_ids = []
        self.event_models = {}

    # -- bookkeeping ---------------------------------------------------------

    def check(self, name, fn, needs=()):
        missing = [n for n in needs if n not in self.ids]
        if missing:
            self.results.append((name, "SKIP", f"needs {', '.join(missing)} from an earlier check"))
            print(f"SKIP  {name}", flush=True)
            return
        print(f"----  {name}", flush=True)
        try:
            detail = fn()
            self.results.append((name, "PASS", detail or ""))
            print(f"PASS  {name}" + (f": {detail}" if detail else ""), flush=True)
        except Failure as failure:
            self.results.append((name, "FAIL", str(failure)))
            print(f"FAIL  {name}\n{indent(str(failure))}", flush=True)
        except Exception:
            self.results.append((name, "FAIL", "the test itself raised:\n" + traceback.format_exc()))
            print(f"FAIL  {name}\n{indent(traceback.format_exc())}", flush=True)

    def call(self, method, path, *path_args, **kwargs):
        client = kwargs.pop("client", None) or self.tenant
        return self.api.call(client, method, path, *path_args, **kwargs).parsed

    def post(self, path, body, *path_args, expect=(201,)):
        return self.call("POST", path, *path_args, body=body, expect=expect)

    # -- 0. the generated client itself -------------------------------------

    def generated_models(self):
        for name in getattr(self.api.models, "__all__", dir(self.api.models)):
            cls = getattr(self.api.models, name, None)
            if inspect.isclass(cls) and attrs.has(cls):
                yield cls

    def check_no_any(self):
        models = list(self.generated_models())
        offenders = [f"{cls.__name__}.{f.name}: {f.type}"
                     for cls in models for f in attrs.fields(cls)
                     if f.name != "additional_properties" and annotation_mentions(f.type, "Any")]
        fail_with(offenders, "generated model fields typed Any (their schema has no type)", limit=100)
        return f"{sum(len(attrs.fields(c)) for c in models)} fields in {len(models)} models, none Any"

    def check_timestamp_fields(self):
        names = self.spec.date_time_property_names()
        models = list(self.generated_models())
        offenders, checked = [], 0
        for cls in models:
            for f in attrs.fields(cls):
                if f.name in names or f.name.endswith("_at"):
                    checked += 1
                    if not annotation_mentions(f.type, "datetime"):
                        offenders.append(f"{cls.__name__}.{f.name}: {f.type}")
        fail_with(offenders, "generated timestamp fields not typed datetime", limit=100)
        return f"{checked} timestamp fields, all datetime"

    def check_patch_models(self):
        """A PATCH body model built with nothing sends nothing (no defaults)."""
        offenders, checked = [], 0
        for method, path, _ in self.spec.operations():
            if method != "PATCH":
                continue
            checked += 1
            try:
                model = self.api.body_model(method, path)
            except Failure as failure:
                offenders.append(str(failure))
                continue
            try:
                sent = model().to_dict()
            except TypeError as error:  # a required field: a PATCH cannot change one field alone
                offenders.append(f"PATCH {path}: {model.__name__}() cannot be built empty: {error}")
                continue
            if sent:
                offenders.append(f"PATCH {path}: {model.__name__}() sends {json.dumps(sent)}")
        fail_with(offenders, "PATCH bodies built empty that send fields nobody set (schema defaults), "
                             "or PATCH functions that are missing")
        return f"{checked} PATCH body models send nothing unless told"

    # -- 1. the README's first funnel ---------------------------------------

    def walkthrough(self):
        created = self.call("POST", "/v1/tenants", body={"name": "Acme GmbH"}, expect=(201,), client=self.operator)
        secret = created.api_key.secret
        if not str(secret).startswith("hk_"):
            raise Failure(f"POST /v1/tenants: api_key.secret is {secret!r}, not an hk_ key")
        self.tenant = self.api.connect(secret)
        self.ids["tenant"] = str(created.tenant.id)
        say(f"tenant {created.tenant.id} and its admin key")

        weekdays = [{"day": d, "start": "09:00", "end": "17:00"} for d in ["mon", "tue", "wed", "thu", "fri"]]
        cal = self.post("/v1/calendars", {"name": "Berlin office", "timezone": "Europe/Berlin",
                                          "hours": weekdays, "holidays": ["2026-12-25"]}).id
        ana = self.post("/v1/owners", {"name": "Ana Schmidt", "email": "ana@example.com",
                                       "timezone": "Europe/Berlin", "territories": ["DE", "AT"]}).id
        bob = self.post("/v1/owners", {"name": "Bob Miller", "email": "bob@example.com",
                                       "timezone": "America/New_York", "territories": ["US"]}).id
        carla = self.post("/v1/owners", {"name": "Carla Meyer", "email": "carla@example.com",
                                         "timezone": "Europe/Berlin"}).id
        sdrs = self.post("/v1/teams", {"name": "SDRs", "member_ids": [str(ana), str(bob)]}).id
        managers = self.post("/v1/teams", {"name": "Managers", "member_ids": [str(carla)]}).id
        policy = self.post("/v1/sla-policies", {
            "name": "Call within 5 minutes", "target_seconds": 300, "calendar_id": str(cal),
            "warn_before_seconds": 60,
            "escalations": [{"after_seconds": 600, "action": "reassign", "team_id": str(managers)}]}).id
        funnel = self.post("/v1/funnels", {"name": "Demo readiness", "qualify_min_score": 80,
                                           "sla_policy_id": str(policy), "fallback_owner_id": str(carla)}).id
        rule = self.post("/v1/routing-rules", {
            "name": "Territory SDRs", "funnel_id": str(funnel), "position": 10,
            "conditions": [{"field": "attributes.country", "op": "in", "value": ["DE", "AT", "US"]}],
            "assign": {"strategy": "territory", "team_id": str(sdrs), "attribute": "country"}}).id
        self.ids.update(ana=str(ana), bob=str(bob), carla=str(carla), managers=str(managers),
                        funnel=str(funnel), rule=str(rule))
        say("calendar, 3 owners, 2 teams, policy, funnel, routing rule")

        # The README's channels, with this receiver for Slack and the CRM so that
        # nothing leaves the machine; plus one webhook on every event type.
        self.post("/v1/channels", {"name": "Sales Slack", "type": "slack",
                                   "config": {"webhook_url": f"{self.receiver.url}/slack"},
                                   "events": ["lead.assigned", "sla.warning", "sla.breached", "lead.escalated"]})
        crm = self.post("/v1/channels", {"name": "CRM webhook", "type": "webhook",
                                         "config": {"url": f"{self.receiver.url}/crm"},
                                         "events": ["lead.assigned", "sla.breached", "lead.responded"]})
        self.post("/v1/channels", {"name": "Owner e-mail", "type": "email", "config": {"to_owner": True},
                                   "events": ["lead.assigned", "sla.breached"]})
        subscribed = sorted(set(PRODUCT_EVENT_TYPES) | set(self.spec.event_type_enum()) - {PING})
        every = self.post("/v1/channels", {"name": "Every event", "type": "webhook",
                                           "config": {"url": f"{self.receiver.url}/all"}, "events": subscribed})
        for path, channel in (("/crm", crm), ("/all", every)):
            secret = getattr(channel, "secret", None)
            if not isinstance(secret, str) or not secret.startswith("whsec_"):
                raise Failure(f"POST /v1/channels (webhook): the answer's secret is {secret!r}, not whsec_…")
            self.secrets[path].append(secret)
        self.ids.update(crm=str(crm.id), every=str(every.id))
        say(f"channels: Slack, CRM webhook, owner e-mail, and a webhook on {', '.join(subscribed)}")

        # A wrong field is noted and the walk goes on (the receiver needs every
        # step's events); a call that fails stops it.
        problems = []
        lead = self.post("/v1/leads", {
            "funnel_id": str(funnel), "email": "max@example.de", "name": "Max Mustermann", "score": 86,
            "answers": {"team_size": "50-200", "timeline": "this quarter"}, "attributes": {"country": "DE"}})
        self.lead_ids.append(str(lead.id))
        self.ids["lead"] = str(lead.id)
        if wire_field(lead, "status") != "assigned":
            problems.append(f"POST /v1/leads: status is {wire_field(lead, 'status')!r}, not assigned")
        if str(lead.owner_id) != str(ana):
            problems.append(f"POST /v1/leads: owner_id is {lead.owner_id!r}, not Ana ({ana}), the DE territory SDR")
        problems += datetime_problems("POST /v1/leads: lead", lead, "created_at", "sla.started_at", "sla.due_at")
        say(f"qualifying lead {lead.id}: owner {lead.owner_id}, due {lead.sla.due_at!r}")

        try:  # nothing later needs it: a failure here is noted, and the walk goes on
            detail = self.call("GET", "/v1/leads/{id}", lead.id)
            timeline = [wire_field(e, "type") for e in detail.timeline]
            if "lead.assigned" not in timeline:
                problems.append(f"GET /v1/leads/{{id}}: the timeline {timeline} has no lead.assigned")
            if str(detail.routing.rule_id) != str(rule):
                problems.append(f"GET /v1/leads/{{id}}: routing.rule_id is {detail.routing.rule_id!r}, not {rule}")
            say(f"GET /v1/leads/{{id}}: timeline {timeline}, routing.rule_id {detail.routing.rule_id}")
        except Failure as failure:
            problems.append(str(failure))

        responded = self.post("/v1/leads/{id}/responses", {"channel": "call"}, lead.id)
        if wire_field(responded, "status") != "responded" or wire_field(responded.sla, "state") != "met":
            problems.append(f"POST /v1/leads/{{id}}/responses: status {wire_field(responded, 'status')!r}, "
                            f"sla.state {wire_field(responded.sla, 'state')!r}; expected responded, met")
        problems += datetime_problems("POST /v1/leads/{id}/responses: lead", responded, "sla.responded_at")
        say(f"first response (a call): status {wire_field(responded, 'status')}, "
            f"SLA {wire_field(responded.sla, 'state')}")
        fail_with(problems, "the walkthrough's lead, as the generated client parsed it")
        return "tenant, calendar, owners, teams, policy, funnel, rule, channels, lead, response"

    def fast_clock(self):
        """A funnel on a two-second clock: warning, breach, both escalation
        kinds, and a lead no rule takes, so the receiver sees every event type."""
        policy = self.post("/v1/sla-policies", {
            "name": "Two seconds", "target_seconds": 2, "warn_before_seconds": 1,
            "escalations": [{"after_seconds": 0, "action": "notify", "team_id": self.ids["managers"]},
                            {"after_seconds": 1, "action": "reassign", "team_id": self.ids["managers"]}]}).id
        funnel = self.post("/v1/funnels", {"name": "Instant demo", "qualify_min_score": 50,
                                           "sla_policy_id": str(policy)}).id
        self.post("/v1/routing-rules", {
            "name": "US to Bob", "funnel_id": str(funnel), "position": 20,
            "conditions": [{"field": "attributes.country", "op": "eq", "value": "US"}],
            "assign": {"strategy": "owner", "owner_id": self.ids["bob"]}})
        to_bob = self.post("/v1/leads", {"funnel_id": str(funnel), "email": "jane@example.com", "score": 90,
                                         "external_id": "crm-4711", "answers": {"budget": "yes"},
                                         "attributes": {"country": "US"}})
        nobody = self.post("/v1/leads", {"funnel_id": str(funnel), "email": "remy@example.fr", "score": 70,
                                         "answers": {"budget": "maybe"}, "attributes": {"country": "FR"}})
        self.lead_ids += [str(to_bob.id), str(nobody.id)]
        # The last timer fires 3 s after intake (breach at 2 s, the reassign step
        # 1 s after it); PRODUCT.md: within a second of its instant. One more
        # second for the deliveries: by then the log holds every event there is.
        self.timers_settled_at = time.monotonic() + 3 + 1 + 1
        status = wire_field(nobody, "status")
        if status != "unassigned" or nobody.owner_id is not None:
            raise Failure(f"a lead no rule takes, in a funnel without fallback: status {status!r}, "
                          f"owner_id {nobody.owner_id!r}; expected unassigned, null")
        say(f"two-second clock: lead {to_bob.id} to Bob, lead {nobody.id} unassigned")

    # -- 2. PATCH one field -------------------------------------------------

    def patch_one_field(self):
        kenji = self.post("/v1/owners", {"name": "Kenji Watanabe", "email": "kenji@example.jp",
                                         "timezone": "Asia/Tokyo", "territories": ["JP"], "active": False,
                                         "max_open_leads": 5, "phone": "+81 3 1234 5678"})
        before_parsed = self.call("GET", "/v1/owners/{id}", kenji.id)
        before = json.loads(self.api.last_response.content)
        if before.get("timezone") != "Asia/Tokyo" or before.get("active") is not False:
            raise Failure(f"GET /v1/owners/{{id}} after create: timezone {before.get('timezone')!r}, active "
                          f"{before.get('active')!r}; expected Asia/Tokyo, false")
        model = self.api.body_model("PATCH", "/v1/owners/{id}")
        body = model(name="Kenji Sato")          # as an integrator writes it
        sent = body.to_dict()
        after_patch = self.call("PATCH", "/v1/owners/{id}", kenji.id, body=body)
        self.call("GET", "/v1/owners/{id}", kenji.id)
        after = json.loads(self.api.last_response.content)
        problems = [f"{key}: {json.dumps(before.get(key))} -> {json.dumps(after.get(key))}"
                    for key in sorted(set(before) | set(after))
                    if key not in ("name", "updated_at") and before.get(key) != after.get(key)]
        if after.get("name") != "Kenji Sato":
            problems.append(f"name: {json.dumps(after.get('name'))}, not \"Kenji Sato\"")
        if after_patch.name != "Kenji Sato":
            problems.append(f"the PATCH answer's name is {after_patch.name!r}")
        if before_parsed.timezone != "Asia/Tokyo":
            problems.append(f"the parsed owner's timezone is {before_parsed.timezone!r}")
        if problems:
            problems.append(f"(the generated {model.__name__}(name=\"Kenji Sato\") sent {json.dumps(sent)})")
        fail_with(problems, "PATCH /v1/owners/{id} with only a new name changed other fields")
        return f"{model.__name__}(name=…) sent {json.dumps(sent)}; timezone, active and the rest unchanged"

    # -- secrets: rotation and ping -----------------------------------------

    def rotate_secret(self):
        """After rotate-secret, deliveries carry both signatures for 24 h."""
        old = self.secrets["/crm"][0]
        rotated = self.call("POST", "/v1/channels/{id}/rotate-secret", self.ids["crm"], expect=(200, 201))
        new = getattr(rotated, "secret", None)
        if not isinstance(new, str) or not new.startswith("whsec_") or new == old:
            raise Failure(f"POST /v1/channels/{{id}}/rotate-secret: secret {new!r}, not a new whsec_ secret")
        self.secrets["/crm"].append(new)
        lead = self.post("/v1/leads", {"funnel_id": self.ids["funnel"], "email": "eva@example.at", "score": 95,
                                       "answers": {"team_size": "10-50"}, "attributes": {"country": "AT"}})
        self.lead_ids.append(str(lead.id))

        def delivered():
            for d in self.receiver.at("/crm"):
                body = event_of(d)
                if body and body.get("type") == "lead.assigned" and \
                        body.get("data", {}).get("lead", {}).get("id") == str(lead.id):
                    return d
            return None

        delivery = wait_until(f"no lead.assigned for lead {lead.id} at the CRM webhook", delivered, 20)
        signatures = delivery["headers"].get("webhook-signature", "").split()
        problems = []
        for name, secret in (("new", new), ("old", old)):
            try:
                Webhook(secret).verify(delivery["body"], delivery["headers"])
            except WebhookVerificationError as error:
                problems.append(f"the delivery after rotate-secret does not verify with the {name} secret: "
                                f"{error} (webhook-signature carries {len(signatures)} signature(s))")
        fail_with(problems, "rotate-secret: the old secret must keep signing beside the new one for 24 h")
        return f"both secrets verify ({len(signatures)} v1 signatures)"

    def ping(self):
        self.call("POST", "/v1/channels/{id}/test", self.ids["every"], expect=(200, 201, 202, 204))

        def pinged():
            return [d for d in self.receiver.at("/all") if (event_of(d) or {}).get("type") == PING]

        got = wait_until("no ping arrived at the receiver", pinged, 20)
        return f"{len(got)} ping delivery(ies); verified with the rest below"

    # -- 3. paging ----------------------------------------------------------

    def paging(self):
        for n in range(9):  # unqualified: stored, nothing fires
            lead = self.post("/v1/leads", {"funnel_id": self.ids["funnel"], "email": f"page{n}@example.com",
                                           "score": 10 + n, "attributes": {"country": "DE"}})
            self.lead_ids.append(str(lead.id))
        limit, seen, pages, cursor = 4, [], 0, None
        problems = []
        while True:
            query = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            page = self.call("GET", "/v1/leads", **query)
            pages += 1
            if len(page.data) > limit:
                problems.append(f"page {pages} has {len(page.data)} leads, over limit={limit}")
            seen += [str(lead.id) for lead in page.data]
            cursor = page.next_cursor
            if cursor is None or isinstance(cursor, self.api.types.Unset):
                break
            if not isinstance(cursor, str) or not cursor:
                problems.append(f"page {pages}: next_cursor is {cursor!r}")
                break
            if pages > 100:
                problems.append("more than 100 pages: the cursor does not advance")
                break
        duplicates = [i for i, c in Counter(seen).items() if c > 1]
        missing = sorted(set(self.lead_ids) - set(seen))
        if duplicates:
            problems.append(f"seen twice: {duplicates}")
        if missing:
            problems.append(f"never seen: {missing}")
        if len(set(seen)) != len(self.lead_ids):
            problems.append(f"{len(set(seen))} distinct leads listed, {len(self.lead_ids)} created")
        fail_with(problems, f"paging GET /v1/leads with limit={limit}")
        return f"{len(seen)} leads in {pages} pages of ≤ {limit}, none twice, none missing"

    # -- 4/5. events --------------------------------------------------------

    def logged_events(self):
        """Every item of GET /v1/events, raw, paged through the generated client.
        A page the generated client cannot parse is a failure; the raw page is
        still read, to check what can be checked."""
        items, cursor, failures = [], None, []
        for _ in range(100):
            query = {"limit": 200} | ({"cursor": cursor} if cursor else {})
            try:
                self.call("GET", "/v1/events", **query)
                raw = self.api.last_response.content
            except Failure as failure:
                if failure.raw is None:
                    raise
                failures.append(str(failure))
                raw = failure.raw
            page = json.loads(raw)
            items += page["data"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items, failures
        raise Failure("GET /v1/events: more than 100 pages")

    def wait_for_events(self):
        """Once every timer has fired: until every PRODUCT.md event type, and
        every event the log holds, has reached the webhook subscribed to all."""

        def outstanding():
            bodies = [event_of(d) or {} for d in self.receiver.at("/all")]
            received, types = {b.get("id") for b in bodies}, {b.get("type") for b in bodies}
            logged, _ = self.logged_events()
            problems = [f"event type {t} never arrived" for t in PRODUCT_EVENT_TYPES if t not in types]
            problems += [f"{e['type']} {e['id']} is in GET /v1/events but never arrived"
                         for e in logged if e["id"] not in received and e["type"] != PING]
            return problems, logged

        time.sleep(max(0.0, self.timers_settled_at - time.monotonic()))
        deadline = time.monotonic() + WAIT_FOR_EVENTS_SECONDS
        while True:
            problems, logged = outstanding()
            if not problems:
                break
            if time.monotonic() > deadline:
                fail_with(problems, f"the webhook on every event type, after {WAIT_FOR_EVENTS_SECONDS} s")
            time.sleep(0.5)
        counts = Counter((event_of(d) or {}).get("type") for d in self.receiver.at("/all"))
        return (f"{len(self.receiver.at('/all'))} deliveries of {len(logged)} logged events: "
                + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))

    def webhook_deliveries(self):
        return [d for path in ("/all", "/crm") for d in self.receiver.at(path)]

    def check_signatures(self):
        problems, verified = [], 0
        for d in self.webhook_deliveries():
            body = event_of(d) or {}
            label = f"{d['path']} {body.get('type', '?')} {body.get('id', '?')}"
            errors = []
            for secret in self.secrets[d["path"]]:
                try:
                    Webhook(secret).verify(d["body"], d["headers"])
                    break
                except WebhookVerificationError as error:
                    errors.append(str(error))
            else:
                problems.append(f"{label}: does not verify: {'; '.join(errors)} "
                                f"(headers: {sorted(k for k in d['headers'] if k.startswith('webhook-'))})")
                continue
            if d["headers"].get("webhook-id") != body.get("id"):
                problems.append(f"{label}: webhook-id {d['headers'].get('webhook-id')!r} is not the event id")
                continue
            verified += 1
        crm_types = {(event_of(d) or {}).get("type") for d in self.receiver.at("/crm")}
        extra = crm_types - {"lead.assigned", "sla.breached", "lead.responded", PING}
        if extra:
            problems.append(f"/crm got event types it is not subscribed to: {sorted(extra)}")
        fail_with(problems, "webhook deliveries that a Standard Webhooks receiver refuses")
        return f"{verified} deliveries verified (webhook-id, webhook-timestamp, webhook-signature)"

    def event_model(self, event_type):
        """The generated model for a webhook's payload: the component its
        `webhooks:` entry references, else the generated `Event`."""
        if event_type not in self.event_models:
            model, reason = None, ""
            try:
                _, schema = self.spec.webhook_schema(event_type)
                ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
                if ref.startswith("#/components/schemas/"):
                    wanted = normalized(ref.rsplit("/", 1)[1])
                    model = next((c for c in self.generated_models() if normalized(c.__name__) == wanted), None)
                    reason = f"no generated model for {ref}" if model is None else ""
            except Failure as failure:
                reason = str(failure)
            if model is None:
                model = getattr(self.api.models, "Event", None)
            self.event_models[event_type] = (model, reason)
        return self.event_models[event_type][0]

    def check_parse(self, bodies, where):
        problems, parsed = [], Counter()
        for label, body in bodies:
            model = self.event_model(body.get("type"))
            if model is None:
                problems.append(f"{label}: the generated client has no event model")
                continue
            try:
                event = model.from_dict(body)
            except Exception as error:
                problems.append(f"{label}: {model.__name__}.from_dict raised {type(error).__name__}: {error} "
                                f"(at {self.api.where(error)})")
                continue
            kind = wire_field(event, "type")
            if kind != body.get("type"):
                problems.append(f"{label}: parsed type {kind!r}, body type {body.get('type')!r}")
            # Timestamps left as str are reported once per field, by the last check.
            self.api.note_untyped_timestamps(event, f"{model.__name__}.from_dict({label})")
            parsed[model.__name__] += 1
        fail_with(problems, f"{where} the generated client cannot parse")
        return f"{sum(parsed.values())} parsed ({', '.join(f'{m} {n}' for m, n in sorted(parsed.items()))})"

    def check_schemas(self, bodies, where):
        missing_format = {"date-time", "uuid", "email", "uri"} - set(self.spec.format_checker.checkers)
        if missing_format:
            raise Failure(f"jsonschema cannot check formats {sorted(missing_format)} (a dependency is missing)")
        if "webhooks" not in self.spec.doc:
            kinds = Counter(body.get("type") for _, body in bodies)
            raise Failure(f"the served spec has no `webhooks:` section: {len(bodies)} {where} "
                          f"({', '.join(f'{t} {n}' for t, n in sorted(kinds.items()))}) have no schema to meet")
        grouped, valid, total = defaultdict(list), 0, 0
        for label, body in bodies:
            total += 1
            event_type = body.get("type")
            try:
                validator = self.spec.webhook_validator(event_type)
            except Failure as failure:
                grouped[(event_type, str(failure))].append(label)
                continue
            errors = sorted(validator.iter_errors(body), key=lambda e: e.json_path)
            for error in errors:
                grouped[(event_type, f"{error.json_path}: {excerpt(error.message, 200)}")].append(label)
            valid += not errors
        problems = [f"{event_type} ×{len(labels)}: {message}  (e.g. {labels[0]})"
                    for (event_type, message), labels in sorted(grouped.items(), key=lambda kv: str(kv[0]))]
        fail_with(problems, f"{where}: {total - valid} of {total} bodies fail the spec's `webhooks:` schemas")
        return f"{valid} of {total} valid against webhooks.<type> (Draft 2020-12, formats checked)"

    def received_bodies(self):
        out = []
        for d in self.webhook_deliveries():
            body = event_of(d)
            if body is None:
                raise Failure(f"{d['path']}: a delivery is not JSON: {excerpt(d['body'])}")
            out.append((f"{d['path']} {body.get('type')} {body.get('id')}", body))
        return out

    def logged_bodies(self):
        logged, _ = self.logged_events()
        return [(f"GET /v1/events {e.get('type')} {e.get('id')}", e) for e in logged]

    def check_list_events_parses(self):
        _, failures = self.logged_events()
        fail_with(failures, "GET /v1/events pages the generated client raised on")
        return "every page parsed"

    def check_same_payloads(self):
        """PRODUCT.md: GET /v1/events carries the same payloads webhooks carry."""
        logged = {e["id"]: e for e in self.logged_events()[0]}
        problems, compared = [], 0
        for d in self.receiver.at("/all"):
            body = event_of(d) or {}
            if body.get("type") == PING:
                continue
            item = logged.get(body.get("id"))
            if item is None:
                problems.append(f"{body.get('type')} {body.get('id')}: delivered but not in GET /v1/events")
                continue
            compared += 1
            diff = list(json_diff(body, item))
            if diff:
                problems.append(f"{body.get('type')} {body.get('id')}: webhook vs GET /v1/events differ at "
                                + "; ".join(diff[:5]))
        fail_with(problems, "events whose webhook body and GET /v1/events item differ")
        return f"{compared} events identical in both"

    # -- run ----------------------------------------------------------------

    def check_examples(self):
        """Every example the spec gives, in a response or a webhook body, is
        what its schema says: a generated client fed the example would parse
        it, and a reader can trust it."""
        problems, checked = [], 0
        examples = self.spec.doc.get("components", {}).get("examples", {})

        def media_of(where, content):
            for media_type, media in (content or {}).items():
                if "schema" not in media:
                    continue
                values = [(name, e) for name, e in (media.get("examples") or {}).items()]
                if "example" in media:
                    values.append(("example", {"value": media["example"]}))
                for name, example in values:
                    if "$ref" in example:
                        example = examples.get(example["$ref"].rsplit("/", 1)[-1], {})
                    yield f"{where} {media_type} example {name}", media["schema"], example.get("value")

        places = []
        for method, path, operation in self.spec.operations():
            for status, response in (operation.get("responses") or {}).items():
                if "$ref" in response:
                    response = self.spec.doc["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
                places += media_of(f"{method} {path} {status}", response.get("content"))
        for name, hook in (self.spec.doc.get("webhooks") or {}).items():
            places += media_of(f"webhook {name}", hook["post"]["requestBody"].get("content"))
        for where, schema, value in places:
            checked += 1
            validator = Draft202012Validator(schema if "$ref" not in schema else
                                             {"$ref": f"{self.spec.DOC}#{schema['$ref'][1:]}"},
                                             registry=self.spec.registry, format_checker=self.spec.format_checker)
            for error in validator.iter_errors(value):
                problems.append(f"{where}: {error.json_path}: {excerpt(error.message, 200)}")
        if checked < 40:
            problems.append(f"only {checked} examples in the spec: responses are expected to carry examples")
        fail_with(problems, "spec examples that their own schema refuses")
        return f"{checked} examples valid against their schemas"

    def run(self):
        print(f"integrator test against {self.api.base_url} "
              f"(client {self.api.package}: {len(list(self.generated_models()))} models, "
              f"{len(self.api.modules)} operations)", flush=True)
        self.check("generated models: no field typed Any", self.check_no_any)
        self.check("generated models: every timestamp field typed datetime", self.check_timestamp_fields)
        self.check("generated PATCH models send only what they were given", self.check_patch_models)
        self.check("spec: every response and webhook example meets its schema", self.check_examples)
        self.check("1. README first funnel, end to end, through the generated client", self.walkthrough)
        self.check("   a two-second clock: warning, breach, escalations, an unassigned lead",
                   self.fast_clock, needs=("funnel", "managers"))
        self.check("2. PATCH one field (an inactive Asia/Tokyo owner renamed), nothing else moves",
                   self.patch_one_field, needs=("tenant",))
        self.check("   rotate-secret: old and new secret both verify for 24 h", self.rotate_secret,
                   needs=("crm", "funnel"))
        self.check("   POST /v1/channels/{id}/test sends a signed ping", self.ping, needs=("every",))
        self.check("3. page through leads (limit 4, follow next_cursor)", self.paging, needs=("funnel",))
        self.check("4. the webhook on every event type receives every logged event", self.wait_for_events,
                   needs=("every",))
        self.check("4. every delivery verifies with standardwebhooks", self.check_signatures, needs=("every",))
        self.check("4. every delivery parses with the generated event model",
                   lambda: self.check_parse(self.received_bodies(), "deliveries"), needs=("every",))
        self.check("5. every delivery validates against webhooks.<type>",
                   lambda: self.check_schemas(self.received_bodies(), "deliveries"), needs=("every",))
        self.check("5. GET /v1/events pages parse with the generated client", self.check_list_events_parses,
                   needs=("every",))
        self.check("5. every GET /v1/events item parses with the generated event model",
                   lambda: self.check_parse(self.logged_bodies(), "GET /v1/events items"), needs=("every",))
        self.check("5. every GET /v1/events item validates against webhooks.<type>",
                   lambda: self.check_schemas(self.logged_bodies(), "GET /v1/events items"), needs=("every",))
        self.check("   GET /v1/events items equal the webhook bodies", self.check_same_payloads,
                   needs=("every",))
        self.check("every timestamp in every parsed response is a datetime", self.check_runtime_timestamps)
        self.receiver.stop()
        return self.summary()

    def check_runtime_timestamps(self):
        found = self.api.untyped_timestamps
        fail_with([f"{field}: a str, e.g. {where}" for field, where in sorted(found.items())],
                  "response fields the generated client hands out as str although they hold timestamps")
        return f"{sum(self.api.calls.values())} calls to {len(self.api.calls)} operations"

    def summary(self):
        counts = Counter(status for _, status, _ in self.results)
        print("\n" + "=" * 78)
        print(f"integrator test: {len(self.results)} checks, {counts['PASS']} passed, {counts['FAIL']} failed"
              + (f", {counts['SKIP']} skipped" if counts["SKIP"] else ""))
        for name, status, detail in self.results:
            first = detail.splitlines()[0] if detail else ""
            print(f"  {status}  {name.strip()}" + (f" — {first}" if first else ""))
        models = {t: m for t, (m, _) in self.event_models.items()}
        if models:
            print("  event models used: " + ", ".join(f"{t} → {getattr(m, '__name__', None)}"
                                                    for t, m in sorted(models.items(), key=str)))
        for path in ("/all", "/crm", "/slack"):
            print(f"  receiver {path}: {len(self.receiver.at(path))} deliveries")
        print("=" * 78, flush=True)
        return 0 if counts["FAIL"] == 0 and counts["SKIP"] == 0 else 1


def datetime_problems(label, model, *paths):
    """A problem for each dotted path whose parsed value is not an aware datetime."""
    problems = []
    for path in paths:
        value = model
        for part in path.split("."):
            value = getattr(value, part)
        if not isinstance(value, dt.datetime):
            problems.append(f"{label}.{path} is a {type(value).__name__} ({value!r}), not a datetime")
        elif value.tzinfo is None:
            problems.append(f"{label}.{path} is a naive datetime ({value!r})")
    return problems


def wire_field(model, name):
    """A parsed model's field by its wire name; the generator renames fields
    that shadow Python builtins (`type` becomes `type_`)."""
    for attr in (name, name + "_"):
        if hasattr(model, attr):
            value = getattr(model, attr)
            return str(getattr(value, "value", value)) if value is not None else None
    raise Failure(f"{type(model).__name__} has no field for `{name}`")


def indent(text, prefix="      "):
    return "\n".join(prefix + line for line in text.splitlines())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--spec", required=True, help="the served openapi.yaml, as fetched")
    parser.add_argument("--client-dir", required=True, help="the directory holding the generated package")
    parser.add_argument("--package", default="handoff_client")
    args = parser.parse_args()
    try:
        test = IntegratorTest(args)
    except Exception:
        print("FAIL  the generated client does not import, or the served spec does not load:\n"
              + indent(traceback.format_exc()), flush=True)
        sys.exit(1)
    sys.exit(test.run())


if __name__ == "__main__":
    main()
