#!/usr/bin/env bash
# End-to-end `backstop diff` (the command a user runs) on the m world of 05-worldgen.sh
# (.backstop/worlds/bench-m, seed 7: not the tests' seed), against its catalog loaded into the local
# PostgreSQL. Writes bench-results/diff.json with, per world:
#   diff_*       wall seconds, CPU seconds (user + sys) and peak RSS of `backstop diff` (goal at m: <= 15 s
#                wall and <= 1 GiB peak RSS on 2 cores)
#   reader_*     the dump reader alone on the same dump with the same tables (DumpBench), best of 2: the
#                ratio diff/reader is the cost of the Bitrix model, the catalog read and the comparison
#   cat_seconds  `cat DUMP > /dev/null` (warm cache): the machine's own limit for reading the file
#   check        the manifest check both ways (recall and precision per kind; must be exact)
# With BACKSTOP_BENCH_L=1 the l world (kept by 05-worldgen.sh) is measured too, then deleted unless
# BACKSTOP_BENCH_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
backstop=.build/release/backstop
worldgen=.build/release/worldgen
dumpbench=.build/release/DumpBench
for b in "$backstop" "$worldgen" "$dumpbench"; do [ -x "$b" ] || swift build -c release >&2; done
pg=$(scripts/localpg.sh conninfo)
tables=b_iblock_element,b_iblock_element_property,b_iblock_property,b_catalog_price,b_catalog_group,b_file,b_sale_order,b_sale_basket,b_sale_order_props_value,b_sale_order_props,b_user
worlds=".backstop/worlds/bench-m"
[ "${BACKSTOP_BENCH_L:-0}" = 1 ] && worlds="$worlds .backstop/worlds/bench-l"
results=()
for world in $worlds; do
    if [ ! -s "$world/manifest.jsonl" ]; then echo "20-diff: no world at $world (05-worldgen.sh makes it)" >&2; exit 1; fi
    db=bench_diff
    psql -X -q "$pg dbname=postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    "$worldgen" load-catalog --world "$world" --conninfo "$pg dbname=$db" >/dev/null
    "$backstop" db migrate --catalog "$pg dbname=$db" >/dev/null
    dump="$world/bitrix/dump.sql"
    out=.backstop/bench/diff-$(basename "$world")
    rm -rf "$out"; mkdir -p .backstop/bench
    cat "$dump" > /dev/null
    t0=$(date +%s.%N); cat "$dump" > /dev/null; t1=$(date +%s.%N)
    load=$(cut -d' ' -f1 /proc/loadavg)
    status=0
    /usr/bin/time -f '%e %U %S %M' -o "$out.time" \
        "$backstop" diff --catalog "$pg dbname=$db" --dump "$dump" --out "$out" --log-level error >&2 || status=$?
    [ "$status" = 2 ] || { echo "20-diff: backstop diff exited $status (expected 2: drift)" >&2; exit 1; }
    reader=$(for _ in 1 2; do "$dumpbench" "$dump" "$tables" count; done)
    check=$(python3 scripts/bench/manifest_check.py "$world/manifest.jsonl" "$out/discrepancies.ndjson") || {
        echo "20-diff: the findings are not exact: $check" >&2; exit 1; }
    results+=("$(python3 - "$world" "$out.time" "$reader" "$check" "$t0" "$t1" "$load" "$(stat -c %s "$dump")" <<'PY'
import json, sys
world, timing, reader, check, t0, t1, load, size = sys.argv[1:9]
wall, user, system, rss_kb = open(timing).read().split()[-4:]
runs = [json.loads(l) for l in reader.splitlines() if l.strip()]
best = min(runs, key=lambda r: r["seconds"])
w = json.load(open(world + "/world.json"))
print(json.dumps({
    "world": w["scale"], "seed": w["seed"], "dump_bytes": int(size),
    "diff_seconds": float(wall), "diff_cpu_seconds": round(float(user) + float(system), 2),
    "diff_max_rss_mib": round(int(rss_kb) / 1024, 1),
    "reader_seconds": round(best["seconds"], 2), "reader_cpu_seconds": round(best["cpu_seconds"], 2),
    "diff_over_reader": round(float(wall) / best["seconds"], 2),
    "cat_seconds": round(float(t1) - float(t0), 2), "loadavg_before": float(load),
    "goal": {"wall_seconds": 15, "max_rss_mib": 1024} if w["scale"] == "m" else None,
    "check": json.loads(check),
}))
PY
)")
    rm -f "$out.time"
    psql -X -q "$pg dbname=postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    case "$world" in *bench-l) [ "${BACKSTOP_BENCH_KEEP:-0}" = 1 ] || rm -rf "$world" ;; esac
done
mkdir -p bench-results
printf '%s\n' "${results[@]}" | python3 -c 'import json,sys; print(json.dumps({"diff": [json.loads(l) for l in sys.stdin]}, indent=2))' > bench-results/diff.json
cat bench-results/diff.json
