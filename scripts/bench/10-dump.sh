#!/usr/bin/env bash
# Dump reader throughput (release build; run.sh builds it), measured with the DumpBench driver
# (Sources/DumpBench). Writes bench-results/dump.json with, for each mode, the best of 3 runs:
#   cat_mb_per_s                 the machine's own `cat FILE > /dev/null` rate (warm cache)
#   scan_*                       reading the whole dump with no table materialised (target >= 1000 MB/s per core)
#   materialise_*                materialising the pipeline's tables as packed rows, read the way the
#                                pipeline reads them (target >= 400 MB/s)
#   materialise_values_*         the same, also building every DumpValue (`row.values`; the slowest consumer)
# Each rate is given per wall-clock second and per CPU second (user + sys of the reader process): on a
# shared machine the wall-clock rate is noisy, the CPU rate much less so. The 1-minute load average
# before each figure is recorded too (load_average_before).
# The dump is the `m` world's (written by 05-worldgen.sh to .backstop/worlds/bench-m); without it, a
# generated ~1 GB file in .backstop/bench (git-ignored). BACKSTOP_BENCH_DUMP=path uses another dump;
# BACKSTOP_BENCH_DUMP_MB sets the generated size.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/DumpBench
[ -x "$bin" ] || swift build -c release --product DumpBench >&2
dump=${BACKSTOP_BENCH_DUMP:-}
if [ -z "$dump" ] && [ -s .backstop/worlds/bench-m/bitrix/dump.sql ]; then dump=.backstop/worlds/bench-m/bitrix/dump.sql; fi
if [ -z "$dump" ]; then
    mb=${BACKSTOP_BENCH_DUMP_MB:-1000}
    dump=.backstop/bench/bitrix-${mb}mb.sql
    if [ ! -s "$dump" ]; then
        mkdir -p .backstop/bench
        echo "bench: generating $dump" >&2
        python3 scripts/bench/gen-dump.py "$dump.tmp" "$mb" && mv "$dump.tmp" "$dump"
    fi
fi
mkdir -p bench-results
bytes=$(stat -c %s "$dump")
load=$(cut -d' ' -f1 /proc/loadavg)
cat "$dump" > /dev/null  # warm the page cache
t0=$(date +%s.%N); cat "$dump" > /dev/null; t1=$(date +%s.%N)
cat_rate=$(python3 -c "print(round($bytes / ($t1 - $t0) / 1e6, 1))")
tables=b_iblock_element,b_iblock_element_property,b_catalog_price,b_file,b_sale_order,b_sale_basket
runs() {  # 3 runs of the reader; prints one JSON object per line
    for _ in 1 2 3; do "$bin" "$dump" "$1" "$2"; done
}
loads=()
loads+=("$(cut -d' ' -f1 /proc/loadavg)"); scan=$(runs "" count)
loads+=("$(cut -d' ' -f1 /proc/loadavg)"); mat=$(runs "$tables" count)
loads+=("$(cut -d' ' -f1 /proc/loadavg)"); values=$(runs "$tables" values)
python3 - "$dump" "$bytes" "$cat_rate" "$load" "$scan" "$mat" "$values" "${loads[*]}" <<'PY' > bench-results/dump.json
import json, sys
dump, size, cat_rate, load = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
def best(text, prefix):
    runs = [json.loads(line) for line in text.splitlines() if line.strip()]
    wall = max(runs, key=lambda r: r["mb_per_s"])
    cpu = max(runs, key=lambda r: r["mb_per_cpu_s"])
    return {
        f"{prefix}_mb_per_s": round(wall["mb_per_s"], 1),
        f"{prefix}_mb_per_cpu_s": round(cpu["mb_per_cpu_s"], 1),
        f"{prefix}_seconds": round(wall["seconds"], 3),
        f"{prefix}_cpu_seconds": round(cpu["cpu_seconds"], 3),
        f"{prefix}_rows": wall["rows"],
        f"{prefix}_values": wall["values"],
    }
doc = {"dump": dump, "bytes": size, "load_average_1m": load, "cat_mb_per_s": cat_rate,
       "scan_target_mb_per_s": 1000, "materialise_target_mb_per_s": 400}
doc.update(best(sys.argv[5], "scan"))
doc.update(best(sys.argv[6], "materialise"))
doc.update(best(sys.argv[7], "materialise_values"))
doc["load_average_before"] = dict(zip(["cat", "scan", "materialise", "materialise_values"],
                                      [load] + [float(x) for x in sys.argv[8].split()]))
print(json.dumps(doc, indent=2))
PY
cat bench-results/dump.json >&2
