#!/usr/bin/env bash
# A checkout inside a private folder (mode 0700, as a home directory is), used as root, as containers and
# CI do: the embedded PostgreSQL runs as `postgres`, which cannot enter such a folder. Checks, in a copy of
# what `make demo` runs (scripts/localpg.sh, scripts/demo.sh, data/tiny) placed under a fresh 0700 folder:
#   - scripts/demo.sh works end to end (the cluster placed in /var/tmp/backstop-pg/<name>-<checksum>, linked
#     from .backstop/pg), and `localpg.sh destroy` removes that folder and the link;
#   - a BACKSTOP_PG_DIR that postgres cannot reach stops `localpg.sh up` with one line saying what to do;
#   - scripts/localmariadb.sh (make test's other server) starts and answers there: it runs as the caller,
#     so it can stay in the checkout.
# About 15 s. Nothing to check when not run as root (the server then runs as the caller).
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { echo "30-private-checkout: $*" >&2; }
if [ "$(id -u)" != 0 ]; then
    say "skipped: not root (the embedded server runs as $(id -un), who can reach this checkout)"
    exit 0
fi
bin=$PWD/.build/debug/backstop
worldgen=$PWD/.build/debug/worldgen
[ -x "$bin" ] || swift build --product backstop >&2
[ -x "$worldgen" ] || swift build --product worldgen >&2

private=$(mktemp -d "${TMPDIR:-/tmp}/backstop-private.XXXXXX")  # mktemp -d makes it 0700
checkout=$private/home/backstop
cleanup() {
    [ -x "$checkout/scripts/localpg.sh" ] && "$checkout/scripts/localpg.sh" destroy >/dev/null 2>&1 || true
    [ -x "$checkout/scripts/localmariadb.sh" ] && "$checkout/scripts/localmariadb.sh" destroy >/dev/null 2>&1 || true
    rm -rf "$private"
}
trap cleanup EXIT
chmod 0700 "$private"
mkdir -p "$checkout/scripts" "$checkout/data"
cp scripts/localpg.sh scripts/demo.sh scripts/localmariadb.sh "$checkout/scripts/"
cp -a data/tiny "$checkout/data/tiny"

fail() { say "FAIL: $*"; exit 1; }
runuser -u postgres -- test -x "$checkout" 2>/dev/null && fail "postgres can enter $checkout: the test's folder is not private"

out=$(cd "$checkout" && env -u BACKSTOP_PG_DIR -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER -u BACKSTOP_CATALOG \
    -u DATABASE_URL BACKSTOP_REPORT_DIR="$checkout/reports" scripts/demo.sh "$bin" "$worldgen" 2>&1) \
    || { printf '%s\n' "$out" | tail -n 20 >&2; fail "demo.sh failed in a private checkout"; }
last=$(printf '%s\n' "$out" | tail -n 1)
report=${last#demo: open file://}
[ -f "$(printf '%b' "${report//%/\\x}")" ] || fail "the demo's last line names no report: $last"
link=$(readlink "$checkout/.backstop/pg") || fail ".backstop/pg is not a link to the relocated cluster"
case $link in /var/tmp/backstop-pg/backstop-*) ;; *) fail "the cluster is in $link" ;; esac
[ -f "$link/data/PG_VERSION" ] || fail "no cluster in $link"
"$checkout/scripts/localpg.sh" status >/dev/null || fail "localpg.sh status does not find the running cluster"
"$checkout/scripts/localpg.sh" destroy 2>/dev/null
[ ! -e "$link" ] && [ ! -L "$checkout/.backstop/pg" ] || fail "destroy left $link or the link behind"
say "demo.sh worked in a 0700 folder as root (cluster in $link, removed by destroy)"

set +e
message=$(cd "$checkout" && BACKSTOP_PG_DIR="$private/pg" scripts/localpg.sh up 2>&1)
status=$?
set -e
[ "$status" = 1 ] || fail "an unreachable BACKSTOP_PG_DIR: exit $status, not 1"
[ "$(printf '%s\n' "$message" | wc -l)" = 1 ] && grep -q "set BACKSTOP_PG_DIR to a folder it can reach" <<<"$message" \
    || fail "an unreachable BACKSTOP_PG_DIR: the message is not one line saying what to do: $message"
say "an unreachable BACKSTOP_PG_DIR stops with: $message"

(cd "$checkout" && env -u BACKSTOP_MARIADB_DIR scripts/localmariadb.sh up 2>/dev/null) || fail "localmariadb.sh up failed in a private checkout"
socket=$(cd "$checkout" && env -u BACKSTOP_MARIADB_DIR scripts/localmariadb.sh socket)
[ "$(mariadb --no-defaults -S "$socket" -uroot -N -e 'SELECT 1')" = 1 ] || fail "the private checkout's MariaDB does not answer"
"$checkout/scripts/localmariadb.sh" destroy 2>/dev/null
say "localmariadb.sh worked in the same folder"
