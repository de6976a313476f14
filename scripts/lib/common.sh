# Shared by scripts/run and scripts/test: install what a fresh Debian machine
# lacks, and run a private PostgreSQL cluster owned by the unprivileged
# `postgres` user (initdb refuses to run as root).

set -euo pipefail

HANDOFF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages the service, its tests and benchmarks need.
ensure_packages() {
    ensure_debian_packages postgresql libpq-dev libssl-dev python3-aiosmtpd
}

# ensure_debian_packages PKG...: installs those not installed yet.
ensure_debian_packages() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$dir" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
    echo "$dir"
}

# Runs a PostgreSQL binary as the cluster's owner, in the moved clock of
# HANDOFF_CLOCK_OFFSET_DAYS when one is set (see with_clock_offset).
pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- env "${CLOCK_OFFSET_ENV[@]}" "$@"
    else
        env "${CLOCK_OFFSET_ENV[@]}" "$@"
    fi
}

# HANDOFF_CLOCK_OFFSET_DAYS=N moves the wall clock that PostgreSQL and the
# tests read N days ahead, through scripts/lib/clock_offset.c (an LD_PRELOAD
# shim built here); monotonic clocks and timers are left alone.
CLOCK_OFFSET_ENV=()
if [ -n "${HANDOFF_CLOCK_OFFSET_DAYS:-}" ]; then
    CLOCK_OFFSET_LIB="$(mktemp -d /tmp/handoff-clock.XXXXXX)/clock_offset.so"
    chmod 755 "$(dirname "$CLOCK_OFFSET_LIB")"   # PostgreSQL's user loads it too
    "${CC:-cc}" -shared -fPIC -O2 -o "$CLOCK_OFFSET_LIB" "$HANDOFF_ROOT/scripts/lib/clock_offset.c" -ldl
    CLOCK_OFFSET_ENV=(
        LD_PRELOAD="$CLOCK_OFFSET_LIB"
        HANDOFF_CLOCK_OFFSET_SECONDS="$((HANDOFF_CLOCK_OFFSET_DAYS * 86400))"
    )
fi
with_clock_offset() { env "${CLOCK_OFFSET_ENV[@]}" "$@"; }

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# start_cluster DIR PORT [extra postgres -c options...]
# Creates the cluster on first use, then starts it on loopback only.
start_cluster() {
    local dir="$1" port="$2"
    shift 2
    local bin
    bin="$(pg_bin)"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        pg_as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    local opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=500"
    local extra
    for extra in "$@"; do opts="$opts -c $extra"; done
    pg_as_owner "$bin/pg_ctl" -D "$dir" -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null
}

stop_cluster() {
    local dir="$1"
    [ -f "$dir/postmaster.pid" ] || return 0
    pg_as_owner "$(pg_bin)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}
