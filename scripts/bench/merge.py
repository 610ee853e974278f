#!/usr/bin/env python3
"""Merges bench-results/<name>.json files with a description of the machine into bench-results/results.json."""
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
