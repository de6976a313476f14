"""Shared by the chaos scripts' Python parts (scripts/lib/chaos.sh puts this
directory on PYTHONPATH): calls to the API and SQL on the run's database."""
import json
import os
import subprocess
import urllib.error
import urllib.request

BASE = os.environ.get("BASE", "")
OPERATOR_KEY = os.environ.get("HANDOFF_OPERATOR_KEY", "")


def call(method, path, key, body=None, timeout=10):
    """(status, content type, parsed JSON body); (None, "", reason) when no answer came."""
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), json.loads(e.read() or b"null")
    except Exception as e:
        return None, "", str(e)


def created(path, key, body):
    """POST that must answer 201; its body."""
    status, _, answer = call("POST", path, key, body)
    if status != 201:
        raise SystemExit(f"setup: POST {path} answered {status}: {answer}")
    return answer


def sql(query):
    """Rows of `query` on the run's database, as the superuser (no RLS), as lists of strings."""
    out = subprocess.run(
        [os.environ["PG_BIN"] + "/psql", "-h", "127.0.0.1", "-p", os.environ["PGPORT"], "-U", "postgres", "-d", "handoff",
         "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]
