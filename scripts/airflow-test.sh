#!/usr/bin/env bash
# `make airflow-test`: deploy/airflow/backstop_nightly.py under `airflow dags test` (Airflow 3 from PyPI in
# .backstop/venv/airflow, about 40 s the first time; a SQLite metadata database in a scratch AIRFLOW_HOME).
#   1. the contract, with a stand-in `backstop` that records its arguments and exits with the code a test
#      gives each partition: N mapped tasks with --partition 1/N … N/N; exit 2 (drift) and 3 (partial) are
#      successes; 75 fails its task without a retry, the fleet step still runs and the DAG run fails;
#   2. the real binary on the tiny world in the local PostgreSQL: every partition succeeds (exit 2: drift
#      found), the fleet page is written, and the run succeeds. Needs `--partition` and `backstop fleet`
#      (issue 18); until the binary has them this step prints SKIPPED loudly.
# The last line is `airflow-test: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
airflow_version=3.3.2
venv=.backstop/venv/airflow
say() { echo "airflow-test: $*" >&2; }
passed=0
failed=0
pass() { passed=$((passed + 1)); say "ok   $*"; }
fail() { failed=$((failed + 1)); say "FAIL $*"; }

if ! "$venv/bin/python" -c "import airflow, sys; sys.exit(airflow.__version__ != '$airflow_version')" 2>/dev/null; then
    say "installing apache-airflow $airflow_version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "apache-airflow==$airflow_version"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backstop-airflow.XXXXXX")
db=backstop_airflow_test
admin=${BACKSTOP_TEST_PG:-"$(scripts/localpg.sh conninfo) dbname=postgres"}
trap 'rm -rf "$tmp"; psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

# One Airflow home per scenario: `dags test` with a fresh SQLite database.
dags_test() {
    local home=$1
    shift
    mkdir -p "$home"
    env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER -u DATABASE_URL \
        AIRFLOW_HOME="$home" AIRFLOW__CORE__DAGS_FOLDER="$PWD/deploy/airflow" AIRFLOW__CORE__LOAD_EXAMPLES=False \
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$home/airflow.db" AIRFLOW__LOGGING__BASE_LOG_FOLDER="$home/logs" \
        "$@" bash -c '"$0/bin/airflow" db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1 || { cat "$AIRFLOW_HOME/migrate.log"; exit 99; }
                      exec "$0/bin/airflow" dags test backstop_nightly 2026-12-07' "$PWD/$venv" >"$home/dags-test.log" 2>&1
}
# task_id[map_index]=state of the one DAG run in a home's database, one per line, sorted.
states() {
    "$venv/bin/python" - "$1/airflow.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for task, index, state in sorted(db.execute("SELECT task_id, map_index, state FROM task_instance")):
    print(f"{task}[{index}]={state}" if index >= 0 else f"{task}={state}")
print("run=" + db.execute("SELECT state FROM dag_run").fetchone()[0])
PY
}

# 1. The contract, with a stand-in binary.
fake=$tmp/fake-backstop
cat >"$fake" <<'SH'
#!/bin/sh
# Records its arguments; `nightly … --partition K/N` exits with the K-th code of $FAKE_CODES (K from 1).
echo "$*" >>"$FAKE_LOG"
case $1 in
    nightly) k=$(echo "$*" | sed -n 's|.*--partition \([0-9]*\)/.*|\1|p'); set -- $FAKE_CODES; shift "$((k - 1))"; exit "$1" ;;
    fleet) exit 0 ;;
esac
exit 64
SH
chmod +x "$fake"
status=0
dags_test "$tmp/contract-ok" BACKSTOP_BIN="$fake" BACKSTOP_PARTITIONS=3 FAKE_CODES="2 0 3" FAKE_LOG="$tmp/ok.calls" || status=$?
got=$(states "$tmp/contract-ok" 2>/dev/null | tr '\n' ' ')
expected="fleet_report=success reconcile[0]=success reconcile[1]=success reconcile[2]=success verdict=success run=success "
if [ "$status" = 0 ] && [ "$got" = "$expected" ]; then pass "exit codes 2, 0, 3: every task succeeds ($got)"; else
    fail "exit codes 2, 0, 3: dags test $status, states: $got"; tail -n 30 "$tmp/contract-ok/dags-test.log" >&2; fi
partitions=$(grep '^nightly' "$tmp/ok.calls" 2>/dev/null | sed -n 's|.*--partition \([0-9/]*\).*|\1|p' | sort | tr '\n' ' ')
if [ "$partitions" = "1/3 2/3 3/3 " ]; then pass "one task per partition: $partitions"; else fail "partitions run: '$partitions'"; fi
if grep -q '^nightly --shop all --partition 1/3' "$tmp/ok.calls" && grep -qE '^fleet --since 20[0-9-]+T[0-9:]+Z$' "$tmp/ok.calls"; then
    pass "the partitions run nightly --shop all, then fleet --since <the run's start>"
else fail "the commands run: $(cat "$tmp/ok.calls" 2>/dev/null)"; fi

status=0
dags_test "$tmp/contract-lock" BACKSTOP_BIN="$fake" BACKSTOP_PARTITIONS=2 FAKE_CODES="2 75" FAKE_LOG="$tmp/lock.calls" || status=$?
got=$(states "$tmp/contract-lock" 2>/dev/null | tr '\n' ' ')
expected="fleet_report=success reconcile[0]=success reconcile[1]=failed verdict=upstream_failed run=failed "
tries=$(grep -c -- '--partition 2/2' "$tmp/lock.calls" 2>/dev/null || true)
if [ "$got" = "$expected" ] && [ "$tries" = 1 ]; then pass "exit code 75 fails its task once (no retry), the fleet report still runs, the run fails"; else
    fail "exit code 75: dags test $status, states: $got, partition 1 ran $tries time(s)"; tail -n 30 "$tmp/contract-lock/dags-test.log" >&2; fi

# 2. The real binary on the tiny world.
bindir=${BACKSTOP_TEST_BIN_DIR:-$PWD/.build/debug}  # where backstop and worldgen are
bin=$bindir/backstop
worldgen=$bindir/worldgen
[ -x "$bin" ] || swift build --product backstop >&2
[ -x "$worldgen" ] || swift build --product worldgen >&2
if ! "$bin" nightly --help 2>&1 | grep -q -- '--partition' || ! "$bin" --help | grep -qE '^  fleet '; then
    say "################################################################################################"
    say "2. SKIPPED: the tiny world through the DAG needs nightly --partition and backstop fleet (issue 18)"
    say "################################################################################################"
else
    world=data/tiny
    catalog="${admin/dbname=postgres/} dbname=$db"
    psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    [ -d "$world/images/upload" ] || "$worldgen" render-images --world "$world" >&2
    "$worldgen" load-catalog --world "$world" --conninfo "$catalog" >/dev/null
    "$bin" db migrate --catalog "$catalog" >/dev/null
    status=0
    started=$(date +%s)
    dags_test "$tmp/tiny" BACKSTOP_BIN="$bin" BACKSTOP_PARTITIONS=2 BACKSTOP_CATALOG="$catalog" \
        BACKSTOP_DUMP="$PWD/$world/bitrix/dump.sql" BACKSTOP_REPORT_DIR="$tmp/reports" \
        BACKSTOP_IMAGE_MIRROR="https://cvety.kz/=$PWD/$world/images/" || status=$?
    got=$(states "$tmp/tiny" 2>/dev/null | tr '\n' ' ')
    expected="fleet_report=success reconcile[0]=success reconcile[1]=success verdict=success run=success "
    if [ "$status" = 0 ] && [ "$got" = "$expected" ]; then pass "the tiny world: $got($(( $(date +%s) - started )) s)"; else
        fail "the tiny world: dags test $status, states: $got"; tail -n 40 "$tmp/tiny/dags-test.log" >&2; fi
    if grep -q 'exit code 2 (discrepancies found)' "$tmp/tiny/dags-test.log"; then pass "drift (exit 2) found and not a failure"; else
        fail "no partition reported exit code 2 on the tiny world"; fi
    if [ -f "$tmp/reports/fleet/index.html" ]; then pass "the fleet page was written"; else fail "no fleet page in $tmp/reports/fleet"; fi
fi

echo "airflow-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
