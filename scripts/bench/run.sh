#!/usr/bin/env bash
# Runs every benchmark script in scripts/bench/ (NN-name.sh, in order). Each writes one JSON object to
# bench-results/<name>.json; this script merges them with the machine's description into
# bench-results/results.json. Performance targets live here, never in timed unit tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p bench-results
swift build -c release >&2
for script in scripts/bench/[0-9]*.sh; do
    [ -e "$script" ] || continue
    echo "bench: $script" >&2
    "$script"
done
python3 scripts/bench/merge.py
