#!/usr/bin/env python3
"""Compares a run's discrepancies.ndjson with a world's manifest.jsonl on (kind, key, field, item), both
ways. Prints one JSON object: planted, found, missing, extra, recall, precision, per-kind counts and the
first few misses. Kinds of the index stage (embedding.*, image.*) are left out of the manifest side, and
so are entries of shops the run did not cover (SHOPS: a comma-separated list or `all`; default 17008, the
shop a run without --shop reports; entries without `shop` belong to 17008).

    manifest_check.py WORLD/manifest.jsonl OUT/discrepancies.ndjson [SHOPS]
"""
import collections, json, sys

shops = None if len(sys.argv) > 3 and sys.argv[3] == "all" else \
    {int(s) for s in (sys.argv[3] if len(sys.argv) > 3 else "17008").split(",")}

def identities(path, skip_index):
    out = collections.Counter()
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        e = json.loads(line)
        if skip_index and e["kind"].split(".")[0] in ("embedding", "image"):
            continue
        if skip_index and shops is not None and e.get("shop", 17008) not in shops:
            continue
        out[(e["kind"], e["key"], e.get("field"), e.get("item"))] += 1
    return out

planted = identities(sys.argv[1], True)
found = identities(sys.argv[2], False)
missing = planted - found
extra = found - planted
kinds = sorted({k[0] for k in planted} | {k[0] for k in found})
per_kind = {kind: {"planted": sum(v for k, v in planted.items() if k[0] == kind),
                   "found": sum(v for k, v in found.items() if k[0] == kind),
                   "missing": sum(v for k, v in missing.items() if k[0] == kind),
                   "extra": sum(v for k, v in extra.items() if k[0] == kind)} for kind in kinds}
n_planted, n_found = sum(planted.values()), sum(found.values())
print(json.dumps({
    "planted": n_planted, "found": n_found, "missing": sum(missing.values()), "extra": sum(extra.values()),
    "recall": round((n_planted - sum(missing.values())) / n_planted, 6) if n_planted else 1.0,
    "precision": round((n_found - sum(extra.values())) / n_found, 6) if n_found else 1.0,
    "exact": not missing and not extra, "per_kind": per_kind,
    "first_missing": [list(k) for k in list(missing)[:5]], "first_extra": [list(k) for k in list(extra)[:5]],
}))
sys.exit(0 if not missing and not extra else 1)
