#!/usr/bin/env bash
# `make demo`: the nightly job end to end on the bundled tiny world (data/tiny) against an embedded local
# PostgreSQL it starts itself (or the catalog you configured: BACKSTOP_CATALOG, DATABASE_URL or PG*).
# Running it again reuses the cluster and the loaded catalog and records another run, whose report marks
# each finding new or persisting. BACKSTOP_REPORT_DIR moves the reports (default: reports/); BACKSTOP_PG_DIR
# the embedded cluster. The last line is the file:// URL of report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/backstop}
worldgen=${2:-.build/debug/worldgen}
world=data/tiny
reports=${BACKSTOP_REPORT_DIR:-reports}

if [ -n "${BACKSTOP_CATALOG:-}${DATABASE_URL:-}${PGHOST:-}${PGDATABASE:-}" ]; then
    catalog=${BACKSTOP_CATALOG:-${DATABASE_URL:-}}
    echo "demo: using the configured catalog (${catalog:-PG* environment})" >&2
else
    scripts/localpg.sh up
    catalog="$(scripts/localpg.sh conninfo) dbname=cvety_demo"
    if ! psql -X -q "$(scripts/localpg.sh conninfo) dbname=postgres" -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'cvety_demo'" | grep -q 1; then
        psql -X -q "$(scripts/localpg.sh conninfo) dbname=postgres" -c "CREATE DATABASE cvety_demo"
    fi
fi

# The tiny world's product images are rendered on demand (deterministic, git-ignored): the index stage
# and the image checks read them from data/tiny/images.
if [ ! -d "$world/images/upload" ]; then
    echo "demo: rendering the tiny world's product images" >&2
    "$worldgen" render-images --world "$world"
fi

# The index stage reads the product images from that folder (a mirror of https://cvety.kz/).
export BACKSTOP_IMAGE_MIRROR=${BACKSTOP_IMAGE_MIRROR:-"https://cvety.kz/=$PWD/$world/images/"}

has_catalog=$(psql -X -q "$catalog" -tAc "SELECT to_regclass('public.product') IS NOT NULL")
if [ "$has_catalog" != "t" ]; then
    echo "demo: loading the tiny world's catalog into the database" >&2
    "$worldgen" load-catalog --world "$world" --conninfo "$catalog"
fi

"$bin" db migrate --catalog "$catalog"
set +e
summary=$("$bin" nightly --catalog "$catalog" --dump "$world/bitrix/dump.sql" --report-dir "$reports")
status=$?
set -e
[ -n "$summary" ] && printf '%s\n' "$summary"
case $status in
    0|2|3) ;;  # clean, drift found, partial input: the job worked
    *) echo "demo: nightly failed with exit code $status" >&2; exit "$status" ;;
esac
echo
"$bin" runs --catalog "$catalog" --limit 5
latest=$(cd "$(ls -d "$reports"/*-nightly 2>/dev/null | sort | tail -n 1)" && pwd)
echo
echo "demo: nightly exit code $status (0 clean, 2 discrepancies found, 3 partial input)"
echo "demo: reports in $latest/ (report.html, report.md, report.json, discrepancies.ndjson, csv/, metrics.prom, junit.xml)"
# Last line: the page to open, as the file:// URL backstop printed (percent-encoded like an address bar).
url=$(printf '%s\n' "$summary" | sed -n 's/.*report: \(file:.*\)$/\1/p' | tail -n 1)
echo "demo: open ${url:-$latest/report.html}"
