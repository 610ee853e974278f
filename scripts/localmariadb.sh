#!/usr/bin/env bash
# A private MariaDB server for tests and world generation (real `mariadb-dump` output needs a real
# server): its own data folder (default .backstop/mariadb), socket and loopback port. Never touches the
# system's /var/lib/mysql or another server.
#
#   scripts/localmariadb.sh up       initialise (first time) and start; idempotent
#   scripts/localmariadb.sh down     stop it by its own pid file
#   scripts/localmariadb.sh status   print state, socket and port; exit 0 if running, 3 if not
#   scripts/localmariadb.sh socket   print the socket path (clients: mariadb --no-defaults -S SOCK -uroot)
#   scripts/localmariadb.sh destroy  stop and delete the folder
#
# Environment: BACKSTOP_MARIADB_DIR (folder), BACKSTOP_MARIADB_PORT (default: first free from 33406).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${BACKSTOP_MARIADB_DIR:-$here/.backstop/mariadb}
data=$dir/data
run=$dir/run
sock=$run/mysqld.sock
if [ $(( ${#sock} )) -gt 100 ]; then
    run=/tmp/backstop-mdb-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
    sock=$run/mysqld.sock
fi
pidfile=$run/mysqld.pid

die() { echo "localmariadb: $*" >&2; exit 1; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

cmd_up() {
    command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || die "mariadbd not found (make setup installs mariadb-server)"
    mkdir -p "$dir" "$run"
    if [ ! -d "$data/mysql" ]; then
        rm -rf "$data"
        mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$data" \
            --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 \
            || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    if running; then echo "localmariadb: already running ($sock)" >&2; return; fi
    local port=${BACKSTOP_MARIADB_PORT:-}
    if [ -z "$port" ]; then
        for p in $(seq 33406 33505); do if port_free "$p"; then port=$p; break; fi; done
    fi
    [ -n "$port" ] || die "no free port"
    echo "$port" > "$dir/port"
    setsid /usr/sbin/mariadbd --no-defaults --user="$(id -un)" --datadir="$data" --socket="$sock" \
        --pid-file="$pidfile" --port="$port" --bind-address=127.0.0.1 --skip-networking=0 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
        --max-allowed-packet=256M --secure-file-priv="" \
        --log-error="$dir/error.log" </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
        if mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
            echo "localmariadb: started on 127.0.0.1:$port, socket $sock" >&2
            return
        fi
        sleep 0.1
    done
    tail -n 20 "$dir/error.log" >&2 || true
    die "the server did not start"
}

cmd_down() {
    if running; then
        local pid; pid=$(cat "$pidfile")
        kill -TERM "$pid"
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "localmariadb: stopped" >&2
    else
        echo "localmariadb: not running" >&2
    fi
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status)
        if running; then echo "state: running"; else echo "state: stopped"; fi
        echo "folder: $dir"; echo "socket: $sock"; [ -f "$dir/port" ] && echo "port: $(cat "$dir/port")"
        running || exit 3 ;;
    socket) echo "$sock" ;;
    destroy) cmd_down; rm -rf "$dir" "$run"; echo "localmariadb: removed $dir" >&2 ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 64 ;;
esac
