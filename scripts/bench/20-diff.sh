#!/usr/bin/env bash
# End-to-end `backstop diff` (the command a user runs) on the m world of 05-worldgen.sh
# (.backstop/worlds/bench-m, seed 7: not the tests' seed), against its catalog loaded into the local
# PostgreSQL. Writes bench-results/diff.json with, per world:
#   diff_*       wall seconds, CPU seconds (user + sys) and peak RSS of `backstop diff` with the default
#                settings (the dump parsed on its own thread, ahead of the Bitrix model); goals at m (issue 21):
#                wall <= 1.0x the single-thread reader alone, CPU <= 1.5x the reader's, RSS <= 1 GiB
#   serial_*     the same diff with BACKSTOP_READ_THREADS=1 (one thread end to end), and whether its
#                findings are byte-identical to the default run's
#   reader_*     the dump reader alone on the same dump with the same tables (DumpBench, one thread), best
#                of 2: the ratio diff/reader is the cost of the Bitrix model, the catalog read and the comparison
#   cat_seconds  `cat DUMP > /dev/null` (warm cache): the machine's own limit for reading the file
#   load_*       the 1-minute load average just before each figure (the machine is shared: ratios are
#                measured in the same run, one right after the other)
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
    loadavg() { cut -d' ' -f1 /proc/loadavg; }
    cat "$dump" > /dev/null
    load_cat=$(loadavg)
    t0=$(date +%s.%N); cat "$dump" > /dev/null; t1=$(date +%s.%N)
    load_reader=$(loadavg)
    reader=$(for _ in 1 2; do "$dumpbench" "$dump" "$tables" count; done)
    # diff DIR THREADS: one `backstop diff`, timed into DIR.time; it must exit 2 (drift found).
    diff_run() {
        local status=0
        rm -rf "$1"
        BACKSTOP_READ_THREADS=$2 /usr/bin/time -f '%e %U %S %M' -o "$1.time" \
            "$backstop" diff --catalog "$pg dbname=$db" --dump "$dump" --out "$1" --log-level error >&2 || status=$?
        [ "$status" = 2 ] || { echo "20-diff: backstop diff exited $status (expected 2: drift)" >&2; exit 1; }
    }
    load_diff=$(loadavg)
    diff_run "$out" "$(nproc)"
    load_serial=$(loadavg)
    diff_run "$out-serial" 1
    identical=false
    cmp -s "$out/discrepancies.ndjson" "$out-serial/discrepancies.ndjson" && identical=true
    check=$(python3 scripts/bench/manifest_check.py "$world/manifest.jsonl" "$out/discrepancies.ndjson") || {
        echo "20-diff: the findings are not exact: $check" >&2; exit 1; }
    results+=("$(python3 - "$world" "$out.time" "$reader" "$check" "$t0" "$t1" "$(stat -c %s "$dump")" \
        "$out-serial.time" "$identical" "$load_cat" "$load_reader" "$load_diff" "$load_serial" <<'PY'
import json, sys
world, timing, reader, check, t0, t1, size, serial_timing, identical = sys.argv[1:10]
load_cat, load_reader, load_diff, load_serial = map(float, sys.argv[10:14])
def timed(path):
    wall, user, system, rss_kb = open(path).read().split()[-4:]
    return float(wall), round(float(user) + float(system), 2), round(int(rss_kb) / 1024, 1)
wall, cpu, rss = timed(timing)
serial_wall, serial_cpu, serial_rss = timed(serial_timing)
runs = [json.loads(l) for l in reader.splitlines() if l.strip()]
best = min(runs, key=lambda r: r["seconds"])
w = json.load(open(world + "/world.json"))
print(json.dumps({
    "world": w["scale"], "seed": w["seed"], "dump_bytes": int(size),
    "cat_seconds": round(float(t1) - float(t0), 2), "load_before_cat": load_cat,
    "reader_seconds": round(best["seconds"], 2), "reader_cpu_seconds": round(best["cpu_seconds"], 2),
    "load_before_reader": load_reader,
    "diff_seconds": wall, "diff_cpu_seconds": cpu, "diff_max_rss_mib": rss, "load_before_diff": load_diff,
    "serial_diff_seconds": serial_wall, "serial_diff_cpu_seconds": serial_cpu, "serial_diff_max_rss_mib": serial_rss,
    "load_before_serial_diff": load_serial, "serial_findings_identical": identical == "true",
    "diff_over_reader": round(wall / best["seconds"], 2),
    "diff_cpu_over_reader_cpu": round(cpu / best["cpu_seconds"], 2),
    "serial_diff_over_reader": round(serial_wall / best["seconds"], 2),
    "goal": {"diff_over_reader": 1.0, "diff_cpu_over_reader_cpu": 1.5, "max_rss_mib": 1024} if w["scale"] == "m" else None,
    "check": json.loads(check),
}))
PY
)")
    [ "$identical" = true ] || { echo "20-diff: the single-thread diff's findings differ from the default's" >&2; exit 1; }
    rm -rf "$out.time" "$out-serial" "$out-serial.time"
    psql -X -q "$pg dbname=postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    case "$world" in *bench-l) [ "${BACKSTOP_BENCH_KEEP:-0}" = 1 ] || rm -rf "$world" ;; esac
done
mkdir -p bench-results
printf '%s\n' "${results[@]}" | python3 -c 'import json,sys; print(json.dumps({"diff": [json.loads(l) for l in sys.stdin]}, indent=2))' > bench-results/diff.json
cat bench-results/diff.json
