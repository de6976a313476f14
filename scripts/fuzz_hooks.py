"""schemathesis hooks for scripts/fuzz (SCHEMATHESIS_HOOKS=fuzz_hooks).

Every valid Idempotency-Key the fuzzer generates is made unique. It can draw
the same key twice, and the API replays the first response for a repeated key
and body, as documented: in one run the stateful phase deleted the calendar a
key had first created, the replay's 201 named a calendar that was gone, and the
"created resource not found" check (ST302) failed on correct behaviour. Replays are
tested in IdempotencyTests; keys the API must refuse (empty, over 255 bytes) are
left as generated, so that refusal is still fuzzed.

Path ids are drawn half the time from the tenant scripts/fuzz_seed.py seeded
(HANDOFF_FUZZ_SEED names its JSON), so deletes meet rows still referenced.
"""
import json
import os
import random
import uuid

import schemathesis


@schemathesis.hook
def map_headers(context, headers):
    # At generation, not in before_call: an edit there makes schemathesis
    # re-derive the case, and its "missing Authorization" cases were sent with it.
    if not headers:
        return headers
    for name in list(headers):
        key = headers[name]
        if name.lower() == "idempotency-key" and isinstance(key, str) and 1 <= len(key.encode("utf-8", "surrogatepass")) <= 255:
            headers[name] = uuid.uuid4().hex
    return headers


# The ids scripts/fuzz_seed.py made, by collection ("owners": [...]).
_SEEDED = {}
if os.environ.get("HANDOFF_FUZZ_SEED"):
    with open(os.environ["HANDOFF_FUZZ_SEED"]) as seed:
        _SEEDED = json.load(seed)


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    # Half the generated ids become a seeded resource of the path's collection,
    # so that reads, writes and deletes meet real rows with real references
    # (random UUIDs only ever reach the 404 path).
    if not path_parameters or "id" not in path_parameters or not _SEEDED:
        return path_parameters
    collection = context.operation.path.split("/")[2] if context.operation.path.count("/") >= 2 else ""
    ids = _SEEDED.get(collection)
    if ids and random.random() < 0.5:
        path_parameters["id"] = random.choice(ids)
    return path_parameters
