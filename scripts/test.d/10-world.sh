#!/usr/bin/env bash
# Generates the `s` world the WorldGen tests read (.backstop/worlds/s-1, git-ignored), with real MariaDB and
# mariadb-dump, and its ~25k images (images/upload/…, rendered by the generator; about a minute or two of
# the total). Skips when the folder already holds a world of the same generator version and seed.
# Uses the release build of `worldgen` (generation is ~10x faster than debug); set WORLDGEN_BIN to override.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${BACKSTOP_WORLD_S:-.backstop/worlds/s-1}
seed=1
bin=${WORLDGEN_BIN:-.build/release/worldgen}
socket=${BACKSTOP_TEST_MARIADB_SOCKET:-$(scripts/localmariadb.sh socket)}
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/WorldGen/World/WorldGenerator.swift)
if [ -f "$out/world.json" ] && python3 - "$out/world.json" "$version" "$seed" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
sys.exit(0 if w.get("generatorVersion") == sys.argv[2] and str(w.get("seed")) == sys.argv[3] and w.get("scale") == "s" else 1)
PY
then
    echo "10-world: $out is current (generator $version, seed $seed)" >&2
    exit 0
fi
if [ -z "${WORLDGEN_BIN:-}" ]; then swift build -c release --product worldgen >&2; fi
mkdir -p "$(dirname "$out")"
"$bin" generate --scale s --seed "$seed" --out "$out" --mariadb-socket "$socket"
