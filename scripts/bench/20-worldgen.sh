#!/usr/bin/env bash
# Benchmarks world generation at scale m (always) and l (BACKSTOP_BENCH_L=1): the direct dump writer, the
# catalog COPY files and the manifest, no MariaDB. Writes bench-results/worldgen.json with the wall time
# and the sizes of every world. Worlds go to .backstop/worlds/bench-<scale> and are deleted afterwards
# unless BACKSTOP_BENCH_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/worldgen
[ -x "$bin" ] || swift build -c release --product worldgen >&2
scales="m"
[ "${BACKSTOP_BENCH_L:-0}" = 1 ] && scales="m l"
results=()
for scale in $scales; do
    out=.backstop/worlds/bench-$scale
    rm -rf "$out"
    start=$(date +%s.%N)
    "$bin" generate --scale "$scale" --seed 1 --out "$out" --no-images >&2
    end=$(date +%s.%N)
    results+=("$(python3 - "$out/world.json" "$start" "$end" "$scale" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
print(json.dumps({"scale": sys.argv[4], "seconds": round(float(sys.argv[3]) - float(sys.argv[2]), 2),
                  "bytes_total": sum(w["files"].values()), "dump_bytes": w["files"].get("bitrix/dump.sql", 0),
                  "rows": w["counts"], "planted": sum(w["planted"].values())}))
PY
)")
    [ "${BACKSTOP_BENCH_KEEP:-0}" = 1 ] || rm -rf "$out"
done
mkdir -p bench-results
printf '%s\n' "${results[@]}" | python3 -c 'import json,sys; print(json.dumps({"worlds": [json.loads(l) for l in sys.stdin]}, indent=2))' > bench-results/worldgen.json
cat bench-results/worldgen.json
