#!/usr/bin/env bash
# Runs the whole suite: a build of every target, the hooks in scripts/test.d/ (in name order; e.g. world
# generation that tests read), then `swift test`. The Swift Testing summary is the last thing printed.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
for hook in scripts/test.d/*.sh; do
    [ -e "$hook" ] || continue
    echo "test: $hook" >&2
    "$hook"
done
exec swift test --skip-build "$@"
