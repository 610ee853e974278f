#!/usr/bin/env bash
# Near-duplicates on real photographs (issue 16), beside the perceptual hashes people use, in one run on the
# same files:
#  - the evaluation set is built from photographs Debian's mate-backgrounds and matplotlib ship
#    (scripts/bench/eval/make_evalset.py, Pillow in a venv this script creates under .build/eval-venv):
#    planted copies (recompressed q50-95, resized 0.4-2x with five filters, cropped up to 10 % on one to
#    four edges kept small or resized back, grayscale, PNG<->JPEG, combinations) and hard negatives
#    (15-30 %-overlapping regions of one photograph, other regions of it: repetitive textures, the same
#    region with its colours shifted);
#  - Backstop: the whole index stage (IndexBench neardup: full reindex, candidates by cosine, then
#    DuplicateVerifier) on those files;
#  - imagehash phash and dhash (64 bits, Hamming <= 12) and pdqhash (256 bits, <= 31) on the same files.
# Per method: recall, false pairs, and the margin between the hardest planted copy and the nearest false pair.
# Writes bench-results/neardup.json. Environment: EVAL_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p bench-results
seed=${EVAL_SEED:-1}
swift build -c release --product IndexBench >&2
venv=.build/eval-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PIL, imagehash, pdqhash, matplotlib" 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q pillow imagehash pdqhash matplotlib numpy >&2
fi
set_dir=.build/evalset-$seed
rm -rf "$set_dir"
"$venv/bin/python" scripts/bench/eval/make_evalset.py "$set_dir" "$seed" >&2
echo "bench 55-neardup: backstop" >&2
ours=$(.build/release/IndexBench neardup "$(cd "$set_dir" && pwd)")
echo "bench 55-neardup: imagehash phash, dhash, pdqhash" >&2
peers=$("$venv/bin/python" scripts/bench/eval/hashes.py "$set_dir")
python3 - "$ours" "$peers" "$set_dir/truth.json" <<'PY'
import json, sys
ours, peers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
truth = json.load(open(sys.argv[3]))
result = {
    "name": "neardup",
    "set": {"images": len(truth["images"]), "planted_copies": len(truth["required"]),
            "hard_negatives": len(truth["negatives"]), "sources": truth["sources"]},
    "backstop": ours,
    "phash": peers["phash"], "dhash": peers["dhash"], "pdq": peers["pdq"], "peer_versions": peers["versions"],
    "goal": "backstop recall 1.0 incl. 10 % crops, 0 false pairs, margin wider than phash's",
    "summary": {m: {"recall": r["recall"], "false_pairs": r["false_pairs"], "margin": r["margin"]}
                for m, r in [("backstop", ours), ("phash", peers["phash"]), ("dhash", peers["dhash"]),
                             ("pdq", peers["pdq"])]},
}
json.dump(result, open("bench-results/neardup.json", "w"), indent=2)
print(json.dumps(result["summary"], indent=2))
PY
