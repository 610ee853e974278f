#!/usr/bin/env bash
# The index stage beside its anchors (anchors.md §3-4), in one run:
#  - all-pairs top-10 on 50 000 × 512 random unit vectors: Backstop's symmetric sgemm self-join vs FAISS
#    IndexFlatIP (faiss-cpu from PyPI, in a venv this script creates under .build/bench-venv); goal ratio <= 0.6;
#  - cblas_sgemm 4096×4096×512 rate against the measured OpenBLAS anchor (180 GFLOPS on 2 threads);
#  - images embedded per second including fetch-from-mirror and DCT-scaled decode (435×545 JPEGs of the s
#    world; goal >= 400/s on 2 cores);
#  - `backstop reindex --full` wall time on the s world (catalog loaded into a scratch database), beside
#    `cat` of every image file of the mirror (the machine's own limit for reading them), then an
#    incremental `backstop reindex` with nothing changed (the findings differ by the orphans the first removed).
# Writes bench-results/index.json. Environment: BACKSTOP_WORLD_S (default .backstop/worlds/s-1),
# BENCH_N (default 50000), BACKSTOP_BENCH_PG (a server conninfo; default: the local cluster).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p bench-results
world=${BACKSTOP_WORLD_S:-.backstop/worlds/s-1}
n=${BENCH_N:-50000}
swift build -c release --product IndexBench >&2
swift build -c release --product backstop >&2
swift build -c release --product worldgen >&2
bin=.build/release

venv=.build/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q faiss-cpu numpy >&2
fi
faiss_script=$(mktemp --suffix=.py)
trap 'rm -f "$faiss_script"' EXIT
cat > "$faiss_script" <<'PY'
import json, os, sys, time
import numpy as np, faiss
n, d, k = int(sys.argv[1]), 512, 10
faiss.omp_set_num_threads(2)
x = np.random.default_rng(42).standard_normal((n, d), dtype=np.float32)
x /= np.linalg.norm(x, axis=1, keepdims=True)
index = faiss.IndexFlatIP(d)
index.add(x)
t0 = time.perf_counter(); D, I = index.search(x, k + 1); t = time.perf_counter() - t0
print(json.dumps({"n": n, "k": k, "seconds": t, "effective_gflops": 2.0 * n * n * d / t / 1e9,
                  "faiss": faiss.__version__, "threads": faiss.omp_get_max_threads()}))
PY
echo "bench 50-index: faiss all-pairs n=$n" >&2
faiss_json=$(OMP_WAIT_POLICY=PASSIVE "$venv/bin/python" "$faiss_script" "$n")
echo "bench 50-index: backstop all-pairs n=$n" >&2
ours_json=$("$bin/IndexBench" allpairs "$n")
sgemm_json=$("$bin/IndexBench" sgemm)
images_json='null'
reindex_json='null'
if [ -d "$world/images/upload" ]; then
    echo "bench 50-index: images from the mirror" >&2
    images_json=$("$bin/IndexBench" images "$(cd "$world/images" && pwd)")
    if [ -n "${BACKSTOP_BENCH_PG:-}" ]; then server=$BACKSTOP_BENCH_PG; else
        scripts/localpg.sh status >/dev/null 2>&1 || scripts/localpg.sh up >&2
        server=$(scripts/localpg.sh conninfo)
    fi
    db=backstop_bench_index_$$
    psql -X -q "$server" -c "CREATE DATABASE $db"
    trap 'rm -f "$faiss_script"; psql -X -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    "$bin/worldgen" load-catalog --world "$world" --conninfo "$server dbname=$db" >/dev/null
    "$bin/backstop" db migrate --catalog "$server dbname=$db" >/dev/null
    out=$(mktemp -d)
    # The machine's own limit for the images: reading every file of the mirror (warm cache), beside the
    # whole command.
    cat_start=$(date +%s.%N)
    find "$world/images/upload" -type f -print0 | xargs -0 cat > /dev/null
    cat_end=$(date +%s.%N)
    start=$(date +%s.%N)
    "$bin/backstop" reindex --full --catalog "$server dbname=$db" --shop 17008 \
        --mirror "https://cvety.kz/=$(cd "$world/images" && pwd)/" --out "$out" >/dev/null || [ $? -eq 2 ]
    end=$(date +%s.%N)
    found=$(wc -l < "$out/discrepancies.ndjson")
    # Then an incremental run with nothing changed: every image fetched and hashed, none decoded, no search.
    "$bin/backstop" reindex --catalog "$server dbname=$db" --shop 17008 \
        --mirror "https://cvety.kz/=$(cd "$world/images" && pwd)/" --out "$out-incremental" >/dev/null || [ $? -eq 2 ]
    end2=$(date +%s.%N)
    found2=$(wc -l < "$out-incremental/discrepancies.ndjson")
    rm -rf "$out" "$out-incremental"
    reindex_json=$(python3 -c 'import json, sys
start, end, end2, cat_start, cat_end = (float(a) for a in sys.argv[1:6])
print(json.dumps({"seconds": end - start, "discrepancies": int(sys.argv[6]),
                  "incremental_unchanged_seconds": end2 - end, "incremental_discrepancies": int(sys.argv[7]),
                  "cat_images_seconds": cat_end - cat_start}))' "$start" "$end" "$end2" "$cat_start" "$cat_end" "$found" "$found2")
fi
python3 - "$faiss_json" "$ours_json" "$sgemm_json" "$images_json" "$reindex_json" <<'PY'
import json, sys
faiss, ours, sgemm, images, reindex = (json.loads(a) for a in sys.argv[1:])
result = {
    "name": "index",
    "allpairs_top10": {"backstop": ours, "faiss": faiss, "ratio": ours["seconds"] / faiss["seconds"], "goal_ratio": 0.6},
    "sgemm": dict(sgemm, anchor_gflops=180.0, efficiency=sgemm["gflops"] / 180.0),
    "allpairs_sgemm_efficiency": ours["performed_gflops"] / sgemm["gflops"],
    "images": images, "images_goal_per_second": 400,
    "reindex_full_s_world": reindex,
}
json.dump(result, open("bench-results/index.json", "w"), indent=2)
print(json.dumps(result, indent=2))
PY
