"""schemathesis hooks for scripts/fuzz (SCHEMATHESIS_HOOKS=fuzz_hooks).

Every valid Idempotency-Key the fuzzer generates is made unique. It can draw
the same key twice, and the API replays the first response for a repeated key
and body, as documented: in one run the stateful phase deleted the calendar a
key had first created, the replay's 201 named a calendar that was gone, and the
"created resource not found" check (ST302) failed on correct behaviour. Replays are
tested in IdempotencyTests; keys the API must refuse (empty, over 255 bytes) are
left as generated, so that refusal is still fuzzed.
"""
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
