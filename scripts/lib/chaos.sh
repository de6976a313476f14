# Shared by the chaos scripts (source after common.sh): a private cluster with
# a migrated database, the handoff binary, the API started and awaited, and
# processes stopped with a deadline, never waited on forever.

# chaos_setup NAME — a work directory, a cluster on a free port with a database
# `handoff`, and the environment every handoff process of the run reads.
# Sets WORK, PGDIR, PGPORT, PG_BIN, BASE (the API's URL); exports what the
# Python part of a script needs.
chaos_setup() {
    WORK="$(mktemp -d "/tmp/handoff-$1.XXXXXX")"
    chmod 755 "$WORK"  # the cluster runs as the postgres user
    PGDIR="$WORK/pg"
    PGPORT="$(free_port)"
    PG_BIN="$(pg_bin)"
    start_cluster "$PGDIR" "$PGPORT"
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres handoff
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/handoff"
    export HANDOFF_OPERATOR_KEY="op_chaos_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    export HANDOFF_HTTP_PORT="$(free_port)" HANDOFF_RATE_LIMIT_PER_SECOND=100000 LOG_LEVEL=error
    BASE="http://127.0.0.1:$HANDOFF_HTTP_PORT"
    export WORK PGDIR PGPORT PG_BIN BASE
    # chaos.py, for the scripts' Python parts.
    export PYTHONPATH="$HANDOFF_ROOT/scripts/lib${PYTHONPATH:+:$PYTHONPATH}"
}

# chaos_binary — BIN: $HANDOFF_BIN, or a debug build of the working tree.
chaos_binary() {
    BIN="${HANDOFF_BIN:-}"
    if [ -z "$BIN" ]; then swift build --product handoff; BIN="$(swift build --show-bin-path)/handoff"; fi
    export BIN
}

# wait_ready — until the API's /readyz answers 200 (10 s at most).
wait_ready() {
    local _
    for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && return 0; sleep 0.1; done
    echo "the API did not become ready within 10 s" >&2
    return 1
}

# stop_within PID SECONDS NAME — SIGTERM, then wait up to SECONDS; a process
# still running then is reported, killed, and the call fails.
stop_within() {
    local pid="$1" seconds="$2" name="$3" _
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "the $name did not stop within $seconds s of SIGTERM; killing it" >&2
    kill -9 "$pid" 2>/dev/null
    return 1
}

# chaos_cleanup PID... — stops the given processes (10 s each at most), the
# cluster, and removes the work directory. Meant for `trap … EXIT`: a process
# that ignored SIGTERM turns a passing run into a failure.
chaos_cleanup() {
    local status=$? pid
    set +e
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        stop_within "$pid" 10 "process $pid" || status=1
    done
    stop_cluster "$PGDIR"
    rm -rf "$WORK"
    exit "$status"
}
