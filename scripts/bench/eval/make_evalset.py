#!/usr/bin/env python3
"""Builds the near-duplicate evaluation set from photographs that packages ship (never downloaded).

Sources: the photographs of Debian's mate-backgrounds (/usr/share/backgrounds/mate/nature/*.jpg and
abstract/Elephants.jpg) and matplotlib's sample photograph (grace_hopper.jpg, from the venv's matplotlib).
From each photograph, three non-overlapping 4:5 regions become "originals" (435x545, JPEG q90 or PNG, as a
product photo). Ground truth, written to OUT/truth.json:

- required pairs (every method should find them): an original and a planted copy of it:
  recompressed (JPEG q50-95), resized 0.4-2x (BILINEAR, BICUBIC, LANCZOS, BOX, HAMMING), cropped 3-10 % on
  one to four edges (kept small or resized back), grayscale, PNG<->JPEG, and combinations;
- hard negatives (must not be reported): regions of the same photograph that overlap it by 15-30 % (shifted
  right or down), the other regions of the same photograph (repetitive textures: blinds, dunes, rain drops,
  water, grass), and the same region with its colours shifted (hue rotated 30-60 degrees);
- two copies of one original are the same picture too, but not required (their combined crop can exceed
  10 %): a method reporting them is neither rewarded nor penalised; nor is a grayscale copy beside the
  colour-shifted region (`ambiguous`: without colour, the two are the same grayscale picture).

Usage: make_evalset.py OUT [SEED]. Deterministic for a seed and the same package versions.
"""
import glob, io, json, os, random, sys

import numpy as np
from PIL import Image

W, H = 435, 545
FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS, "box": Image.BOX,
           "hamming": Image.HAMMING}


def sources():
    paths = sorted(glob.glob("/usr/share/backgrounds/mate/nature/*.jpg"))
    paths += sorted(glob.glob("/usr/share/backgrounds/mate/abstract/Elephants.jpg"))
    try:
        import matplotlib.cbook as cbook
        paths.append(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    except Exception:  # matplotlib missing: the mate photographs alone
        pass
    if len(paths) < 8:
        sys.exit("make_evalset: the mate-backgrounds photographs are missing (make setup installs mate-backgrounds)")
    return paths


def hue_rotate(img, degrees):
    hsv = np.asarray(img.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(int) + int(degrees / 360 * 255)) % 256
    hsv[..., 1] = np.clip(hsv[..., 1].astype(int) * 1.15 + 10, 0, 255)
    return Image.fromarray(hsv, "HSV").convert("RGB")


def main():
    out = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    folder = os.path.join(out, "upload", "eval")
    os.makedirs(folder, exist_ok=True)
    images, required, negatives, ambiguous = [], [], [], []

    def save(img, fmt, role, group, source, transform, quality=90):
        index = len(images) + 1
        path = f"upload/eval/{index:04d}.{'png' if fmt == 'png' else 'jpg'}"
        full = os.path.join(out, path)
        if fmt == "png":
            img.save(full, "PNG")
        else:
            img.save(full, "JPEG", quality=quality)
        images.append({"id": index, "path": path, "role": role, "group": group, "source": os.path.basename(source),
                       "transform": transform, "width": img.width, "height": img.height})
        return index

    kinds = ["recompress", "resize", "crop", "grayscale", "combo", "format", "crop4", "resize_crop"]
    turn = 0
    group = 0
    for source in sources():
        photo = Image.open(source).convert("RGB")
        scale = 1100 / min(photo.size)
        photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.LANCZOS)
        # Three regions in columns 0, 2 and 4 of five, so that a neighbour shifted right lands in a free column.
        rw = min(photo.width // 5, round(photo.height * 0.55 * W / H))
        rh = round(rw * H / W)
        region_ids, boxes = [], []

        def shared(a, b):
            w = max(0, min(a[0] + rw, b[0] + rw) - max(a[0], b[0]))
            h = max(0, min(a[1] + rh, b[1] + rh) - max(a[1], b[1]))
            return w * h / (rw * rh)

        for r in range(3):
            group += 1
            x = 2 * r * rw + rng.randint(0, max(0, photo.width - 5 * rw - 2) // 3)
            y = rng.randint(0, photo.height - rh)
            boxes.append((x, y))
            region = photo.crop((x, y, x + rw, y + rh)).resize((W, H), Image.LANCZOS)
            fmt = "png" if rng.random() < 0.25 else "jpeg"
            original = save(region, fmt, "original", group, source, f"region {x},{y} {rw}x{rh} as {fmt}")
            region_ids.append(original)
            # Planted copies.
            for _ in range(4):
                kind = kinds[turn % len(kinds)]
                turn += 1
                img, vfmt, q, desc = region, "jpeg", 90, kind
                if kind == "recompress":
                    q = rng.randint(50, 95)
                    desc = f"recompressed q{q}"
                elif kind == "resize" or kind == "resize_crop":
                    f = rng.choice([0.4, 0.5, 0.6, 0.75, 1.25, 1.5, 2.0])
                    name = rng.choice(sorted(FILTERS))
                    img = img.resize((round(W * f), round(H * f)), FILTERS[name])
                    desc = f"resized {f}x {name}"
                if kind in ("crop", "crop4", "combo", "resize_crop"):
                    edges = 4 if kind == "crop4" else rng.randint(1, 4)
                    chosen = rng.sample(["left", "top", "right", "bottom"], edges)
                    cut = {e: (0.10 if kind == "crop4" else rng.uniform(0.03, 0.10)) for e in chosen}
                    box = (round(img.width * cut.get("left", 0)), round(img.height * cut.get("top", 0)),
                           img.width - round(img.width * cut.get("right", 0)),
                           img.height - round(img.height * cut.get("bottom", 0)))
                    img = img.crop(box)
                    back = rng.random() < 0.5 and kind != "resize_crop"
                    if back:
                        img = img.resize((W, H), Image.BICUBIC)
                    desc += " cropped " + ",".join(f"{e} {cut[e]:.0%}" for e in chosen) + (
                        " resized back" if back else " kept small")
                if kind == "combo":
                    f = rng.choice([0.5, 0.7, 1.4])
                    img = img.resize((round(img.width * f), round(img.height * f)), Image.BICUBIC)
                    q = rng.randint(50, 80)
                    desc += f", resized {f}x, q{q}"
                if kind == "grayscale":
                    img = img.convert("L")
                    vfmt = "png" if rng.random() < 0.5 else "jpeg"
                    desc = f"grayscale {vfmt}"
                if kind == "format":
                    vfmt = "jpeg" if fmt == "png" else "png"
                    desc = f"{fmt} to {vfmt}"
                copy = save(img, vfmt, "copy", group, source, desc, quality=q)
                required.append([original, copy, desc])
            # Hard negatives: an overlapping region (15-30 % shared), the same region in other colours.
            overlap = rng.uniform(0.15, 0.30)
            dx, dy = round(rw * (1 - overlap)), round(rh * (1 - overlap))
            options = [(x + dx, y), (x - dx, y), (x, y + dy), (x, y - dy)]
            if r % 2 == 1:
                options = options[2:] + options[:2]
            # Inside the photograph, and sharing at most 30 % with every region (planned ones included).
            # Inside the photograph, sharing at most 30 % with the earlier regions and at most 30 % of its
            # width with the columns of the later ones (their rows are not drawn yet).
            later = range(len(boxes), 3)
            fits = [(px, py) for px, py in options if 0 <= px <= photo.width - rw and 0 <= py <= photo.height - rh
                    and all(shared((px, py), b) <= 0.30 for b in boxes[:-1])
                    and all(max(0, min(px + rw, 2 * c * rw + rw + 1) - max(px, 2 * c * rw)) <= 0.30 * rw for c in later)]
            if fits:
                nx, ny = fits[0]
                neighbour = photo.crop((nx, ny, nx + rw, ny + rh)).resize((W, H), Image.LANCZOS)
                group += 1
                nid = save(neighbour, "jpeg", "neighbour", group, source, f"region overlapping {overlap:.0%}")
                negatives.append([original, nid, f"overlapping region ({overlap:.0%})"])
            degrees = rng.uniform(30, 60) * rng.choice([-1, 1])
            group += 1
            cid = save(hue_rotate(region, degrees), "jpeg", "colour", group, source, f"hue {degrees:+.0f}")
            negatives.append([original, cid, f"colour shift (hue {degrees:+.0f})"])
            for image in images:
                if image["group"] == images[original - 1]["group"] and image["transform"].startswith("grayscale"):
                    ambiguous.append([image["id"], cid, "grayscale copy beside the colour-shifted region"])
        for a in range(3):
            for b in range(a + 1, 3):
                negatives.append([region_ids[a], region_ids[b], "other region of the same photograph"])
    json.dump({"images": images, "required": required, "negatives": negatives, "ambiguous": ambiguous,
               "sources": sorted({i["source"] for i in images})}, open(os.path.join(out, "truth.json"), "w"),
              indent=1)
    print(f"make_evalset: {len(images)} images, {len(required)} planted copies, {len(negatives)} hard negatives",
          file=sys.stderr)


if __name__ == "__main__":
    main()
