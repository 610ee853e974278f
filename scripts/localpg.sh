#!/usr/bin/env bash
# The embedded local PostgreSQL for demos, tests and benchmarks: a private cluster in a git-ignored
# folder of this project (default .backstop/pg), with its own port and socket directory, listening on
# loopback only. It is started and stopped through its own data directory (pg_ctl reads its own
# postmaster.pid) and never touches another cluster on the machine.
#
#   scripts/localpg.sh up       create (first time) and start; idempotent: a running cluster is reused
#   scripts/localpg.sh down     stop it (fast shutdown)
#   scripts/localpg.sh status   print state, port, socket and conninfo; exit 0 if running, 3 if not
#   scripts/localpg.sh env      print shell exports (PGHOST, PGPORT, PGUSER, PGDATABASE) for `eval`
#   scripts/localpg.sh destroy  stop and delete the folder
#
# Environment: BACKSTOP_PG_DIR (folder), BACKSTOP_PG_PORT (port; default: first free from 55432),
# BACKSTOP_PG_DB (database created on first start; default backstop).
#
# As root the server runs as `postgres`, which must be able to reach the folder. A checkout inside a
# private folder (a home directory is 0700) cannot be reached: the cluster then lives in
# /var/tmp/backstop-pg/<checkout name>-<checksum of the checkout's path> (one per checkout, kept across
# runs) and .backstop/pg is a symbolic link to it. An unreachable BACKSTOP_PG_DIR stops with a message.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${BACKSTOP_PG_DIR:-$here/.backstop/pg}

die() { echo "localpg: $*" >&2; exit 1; }

# Whether the postgres user can reach (search) folder $1, which need not exist yet: its nearest existing
# ancestor decides.
postgres_reaches() {
    local d=$1
    while [ ! -e "$d" ]; do d=$(dirname "$d"); done
    runuser -u postgres -- test -x "$d" 2>/dev/null
}

if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! postgres_reaches "$(dirname "$dir")"; then
    if [ -n "${BACKSTOP_PG_DIR:-}" ]; then
        die "the postgres user cannot reach $dir (a folder above it is private to root); set BACKSTOP_PG_DIR to a folder it can reach, e.g. /var/tmp/backstop-pg/$(basename "$here")"
    fi
    link=$dir
    dir=/var/tmp/backstop-pg/$(basename "$here")-$(printf '%s' "$here" | cksum | cut -d' ' -f1)
    if [ "${1:-}" = up ] && [ ! -e "$link" ] || [ -L "$link" ]; then
        mkdir -p "$(dirname "$link")" /var/tmp/backstop-pg
        chmod 0755 /var/tmp/backstop-pg
        [ "$(readlink "$link" 2>/dev/null)" = "$dir" ] || {
            ln -sfn "$dir" "$link"
            echo "localpg: $here is private to root, so the cluster lives in $dir (linked from .backstop/pg)" >&2
        }
    fi
fi
data=$dir/data
sock=$dir/sock
# A Unix socket path must fit in 107 bytes: deep checkouts use a short folder under /tmp instead.
if [ $(( ${#sock} + 16 )) -gt 100 ]; then
    sock=/tmp/backstop-pg-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
fi
dbname=${BACKSTOP_PG_DB:-backstop}

bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir)
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    fi
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
    die "no PostgreSQL server binaries found (install the 'postgresql' package: make setup)"
}

# Run a server binary as the cluster owner: postgres refuses to run as root.
as_owner() {
    # From /: the working folder may be one postgres cannot enter (every path here is absolute).
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

choose_port() {
    if [ -n "${BACKSTOP_PG_PORT:-}" ]; then echo "$BACKSTOP_PG_PORT"; return; fi
    local p
    for p in $(seq 55432 55531); do
        if port_free "$p" && [ ! -e "/tmp/.s.PGSQL.$p" ]; then echo "$p"; return; fi
    done
    die "no free port in 55432-55531"
}

running() { [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1; }

port() { cat "$dir/port"; }

conninfo() { echo "host=$sock port=$(port) user=postgres dbname=$dbname"; }

cmd_up() {
    local bin; bin=$(bindir)
    mkdir -p "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        mkdir -p "$data" "$sock"
        choose_port > "$dir/port"
        if [ "$(id -u)" = 0 ]; then
            id postgres >/dev/null 2>&1 || die "the 'postgres' OS user is missing (install the 'postgresql' package)"
            chown postgres: "$data" "$sock"
            # postgres must be able to reach its folders.
            chmod o+x "$dir"
        fi
        chmod 700 "$data"
        echo "localpg: initdb in $data" >&2
        as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
        cat >> "$data/postgresql.conf" <<CONF
# backstop local cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_wal_size = 2GB
timezone = 'UTC'
CONF
    fi
    [ -f "$dir/port" ] || choose_port > "$dir/port"
    mkdir -p "$sock"
    [ "$(id -u)" = 0 ] && chown postgres: "$sock"
    if running; then
        echo "localpg: already running on port $(port) ($dir)" >&2
    else
        # One start at a time on this machine (tests start private clusters in parallel): two starting
        # together could both find the same port free. The server never inherits the lock (9>&-).
        exec 9>"${TMPDIR:-/tmp}/backstop-localpg.lock"
        flock 9
        # The port may have been taken by something else since the last start.
        if ! port_free "$(port)"; then choose_port > "$dir/port"; fi
        as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o "-p $(port)" start >/dev/null 9>&- \
            || { exec 9>&-; tail -n 20 "$data/server.log" >&2; die "the server did not start"; }
        exec 9>&-
        echo "localpg: started on 127.0.0.1:$(port), socket $sock" >&2
    fi
    if ! "$bin/psql" -X -q -h "$sock" -p "$(port)" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
        "$bin/createdb" -h "$sock" -p "$(port)" -U postgres "$dbname"
    fi
    cmd_env > "$dir/env"
}

cmd_down() {
    if [ -f "$data/PG_VERSION" ] && running; then
        as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        echo "localpg: stopped ($dir)" >&2
    else
        echo "localpg: not running ($dir)" >&2
    fi
}

cmd_status() {
    if [ ! -f "$data/PG_VERSION" ]; then echo "state: absent"; echo "folder: $dir"; exit 3; fi
    if running; then echo "state: running"; else echo "state: stopped"; fi
    echo "folder: $dir"
    echo "port: $(port)"
    echo "socket: $sock"
    echo "conninfo: $(conninfo)"
    running || exit 3
}

cmd_env() {
    echo "export PGHOST='$sock' PGPORT='$(port)' PGUSER=postgres PGDATABASE='$dbname'"
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) [ -f "$dir/port" ] || die "no cluster in $dir (run: scripts/localpg.sh up)"; cmd_env ;;
    conninfo) conninfo ;;
    destroy)
        cmd_down; rm -rf "$dir"
        [ -L "$here/.backstop/pg" ] && [ -z "${BACKSTOP_PG_DIR:-}" ] && rm -f "$here/.backstop/pg"
        echo "localpg: removed $dir" >&2 ;;
    *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 64 ;;
esac
