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
python3 - <<'PY'
import json, glob, os, platform, subprocess, datetime
def sh(cmd):
    try: return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return ""
results = {}
for path in sorted(glob.glob("bench-results/*.json")):
    name = os.path.basename(path)[:-5]
    if name == "results": continue
    with open(path) as f: results[name] = json.load(f)
doc = {
    "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    "machine": {
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "swift": sh("swift --version 2>&1 | head -n 1"),
        "git_commit": sh("git rev-parse HEAD"),
    },
    "results": results,
}
with open("bench-results/results.json", "w") as f: json.dump(doc, f, indent=2)
print(json.dumps(doc, indent=2))
PY
