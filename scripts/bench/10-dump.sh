#!/usr/bin/env bash
# Dump reader throughput (release build; run.sh builds it). Writes bench-results/dump.json with:
#   cat_mb_per_s        the machine's own `cat FILE > /dev/null` rate (warm cache)
#   scan_mb_per_s       reading the whole dump with no table materialised (target >= 1000 MB/s per core)
#   materialise_mb_per_s  materialising the pipeline's tables (target >= 400 MB/s)
# BACKSTOP_BENCH_DUMP=path uses an existing dump (e.g. a worldgen one) instead of the generated ~1 GB file
# in .backstop/bench (git-ignored). BACKSTOP_BENCH_DUMP_MB sets the generated size.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/backstop
[ -x "$bin" ] || swift build -c release --product backstop >&2
dump=${BACKSTOP_BENCH_DUMP:-}
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
cat "$dump" > /dev/null  # warm the page cache
t0=$(date +%s.%N); cat "$dump" > /dev/null; t1=$(date +%s.%N)
cat_rate=$(python3 -c "print(round($bytes / ($t1 - $t0) / 1e6, 1))")
tables=b_iblock_element,b_iblock_element_property,b_catalog_price,b_file,b_sale_order,b_sale_basket
best() {  # best of 3 runs of the reader; prints the JSON of the fastest
    local out best_out="" best_rate=0
    for _ in 1 2 3; do
        out=$("$bin" extract --dump "$dump" --table unused --bench-tables "$1")
        rate=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['mb_per_s'])" "$out")
        if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$rate" "$best_rate"; then
            best_rate=$rate; best_out=$out
        fi
    done
    echo "$best_out"
}
scan=$(best "")
mat=$(best "$tables")
python3 - "$dump" "$bytes" "$cat_rate" "$scan" "$mat" <<'PY' > bench-results/dump.json
import json, sys
dump, size, cat_rate, scan, mat = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(json.dumps({
    "dump": dump, "bytes": size, "cat_mb_per_s": cat_rate,
    "scan_mb_per_s": round(scan["mb_per_s"], 1), "scan_target_mb_per_s": 1000,
    "materialise_mb_per_s": round(mat["mb_per_s"], 1), "materialise_target_mb_per_s": 400,
    "materialise_rows": mat["rows"], "materialise_values": mat["values"],
}, indent=2))
PY
cat bench-results/dump.json >&2
