#!/usr/bin/env bash
# Benchmarks world generation at scale m (always) and l (BACKSTOP_BENCH_L=1): the direct dump writer, the
# catalog COPY files and the manifest, no MariaDB, no images (m has ~250k image specs). Image rendering is
# measured separately on the first BACKSTOP_BENCH_IMAGES (default 2000) specs of the m world with
# `worldgen render-images`. Writes bench-results/worldgen.json with wall and CPU times, peak memory and the
# sizes of every world. Worlds go to .backstop/worlds/bench-<scale>; m is kept for the benchmarks that
# follow (10-dump reads its dump, 15-mariadb-reload reloads it); l is kept for 20-diff.sh, which deletes it afterwards unless
# BACKSTOP_BENCH_KEEP=1 (l needs ~21 GB free while it is written); 20-diff.sh reconciles it first.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/worldgen
[ -x "$bin" ] || swift build -c release --product worldgen >&2
scales="m"
[ "${BACKSTOP_BENCH_L:-0}" = 1 ] && scales="m l"
images=${BACKSTOP_BENCH_IMAGES:-2000}
# Not the tests' seed (the s world is seed 1): the bench checks exactness on another world.
seed=${BACKSTOP_BENCH_SEED:-7}
results=()
for scale in $scales; do
    out=.backstop/worlds/bench-$scale
    rm -rf "$out"
    mkdir -p "$(dirname "$out")"
    start=$(date +%s.%N)
    /usr/bin/time -f '%e %U %S %M' -o "$out.time" \
        "$bin" generate --scale "$scale" --seed "$seed" --out "$out" --no-images >&2
    end=$(date +%s.%N)
    rendered=""
    if [ "$scale" = m ] && [ "$images" -gt 0 ]; then
        rendered=$("$bin" render-images --world "$out" --first "$images" --out "$out/images")
        rendered="$rendered; $(du -sb "$out/images/upload" | cut -f1) bytes"
    fi
    results+=("$(python3 - "$out/world.json" "$start" "$end" "$scale" "$out.time" "$rendered" "$(nproc)" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
wall, user, system, rss_kb = open(sys.argv[5]).read().split()[-4:]
doc = {"scale": sys.argv[4], "seconds": round(float(sys.argv[3]) - float(sys.argv[2]), 2),
       "cpu_seconds": round(float(user) + float(system), 2), "max_rss_mib": round(int(rss_kb) / 1024, 1),
       "bytes_total": sum(w["files"].values()), "dump_bytes": w["files"].get("bitrix/dump.sql", 0),
       "catalog_bytes": sum(v for k, v in w["files"].items() if k.startswith("catalog/")),
       "image_specs": w["images"]["specs"], "rows": w["counts"], "planted": sum(w["planted"].values()),
       "cores": int(sys.argv[7]), "loadavg_after": sys.argv[8]}
if sys.argv[6]:
    doc["render_images"] = sys.argv[6]
print(json.dumps(doc))
PY
)")
    rm -f "$out.time"
done
mkdir -p bench-results
printf '%s\n' "${results[@]}" | python3 -c 'import json,sys; print(json.dumps({"worlds": [json.loads(l) for l in sys.stdin]}, indent=2))' > bench-results/worldgen.json
cat bench-results/worldgen.json
