#!/usr/bin/env python3
"""The perceptual hashes people use, on the near-duplicate evaluation set (make_evalset.py's truth.json):
imagehash's phash and dhash (64 bits) and Facebook's PDQ (pdqhash, 256 bits), each at its usual threshold.

For every method: recall on the planted copies, false pairs (every pair of the set within the threshold
that is not the same picture: all pairs, not only the hard negatives), and the margin between the hardest
planted copy and the nearest false pair (bits, and as a fraction of the threshold). One JSON object on stdout.
Usage: hashes.py FOLDER
"""
import itertools, json, sys, time

import imagehash
import numpy as np
import pdqhash
from PIL import Image

THRESHOLDS = {"phash": 12, "dhash": 12, "pdq": 31}


def main():
    folder = sys.argv[1]
    truth = json.load(open(f"{folder}/truth.json"))
    images = truth["images"]
    group = {i["id"]: i["group"] for i in images}
    required = {(min(a, b), max(a, b)): label for a, b, label in truth["required"]}
    ambiguous = {(min(a, b), max(a, b)) for a, b, _ in truth.get("ambiguous", [])}
    hashes = {"phash": {}, "dhash": {}, "pdq": {}}
    seconds = {}
    for method in hashes:
        start = time.perf_counter()
        for image in images:
            with Image.open(f"{folder}/{image['path']}") as img:
                if method == "pdq":
                    vector, _quality = pdqhash.compute(np.asarray(img.convert("RGB")))
                    hashes[method][image["id"]] = np.asarray(vector, dtype=bool)
                else:
                    h = imagehash.phash(img) if method == "phash" else imagehash.dhash(img)
                    hashes[method][image["id"]] = h.hash.flatten()
        seconds[method] = time.perf_counter() - start
    ids = sorted(group)
    result = {}
    for method, table in hashes.items():
        threshold = THRESHOLDS[method]
        matrix = np.stack([table[i] for i in ids]).astype(np.uint8)
        # Hamming distances of all pairs: bits differ where one has 1 and the other 0.
        distance = matrix @ (1 - matrix).T
        distance = distance + distance.T
        hardest, nearest, found, false = (-1, None), (10 ** 6, None), 0, []
        for x, y in itertools.combinations(range(len(ids)), 2):
            a, b = ids[x], ids[y]
            d = int(distance[x, y])
            if (a, b) in required:
                found += d <= threshold
                if d > hardest[0]:
                    hardest = (d, f"{a}|{b} {required[(a, b)]}")
            elif group[a] != group[b] and (a, b) not in ambiguous:
                if d <= threshold:
                    false.append(f"{a}|{b}")
                if d < nearest[0]:
                    nearest = (d, f"{a}|{b}")
        result[method] = {
            "threshold": threshold, "bits": int(matrix.shape[1]), "required": len(required), "found": found,
            "recall": found / len(required), "false_pairs": len(false), "false": false[:20],
            "hardest_true": {"distance": hardest[0], "pair": hardest[1]},
            "nearest_false": {"distance": nearest[0], "pair": nearest[1]},
            "margin_bits": nearest[0] - hardest[0], "margin": (nearest[0] - hardest[0]) / threshold,
            "seconds": seconds[method],
        }
    result["versions"] = {"imagehash": imagehash.__version__, "pdqhash": getattr(pdqhash, "__version__", "?")}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
