#!/usr/bin/env bash
# `make lint`: the toolchain's `swift format lint --strict` with the committed .swift-format over Sources,
# Tests and Package.swift, then the doc-comment check (scripts/lint-docs.py: every public or open
# declaration has a `///` summary line, and every library module has at least 25 % `///` lines, issue 20).
# Prints each finding as file:line:column (a thin module as its folder and share) and exits non-zero if
# there is any. `make test` runs it before the suite. To fix formatting in place:
#   swift format format -i -r --configuration .swift-format Sources Tests Package.swift
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
swift format lint --strict --recursive --parallel --configuration .swift-format Sources Tests Package.swift || status=1
python3 scripts/lint-docs.py --min-share 25 Sources || status=1
if [ "$status" -ne 0 ]; then
    echo "lint: findings above (swift format lint --strict; scripts/lint-docs.py)" >&2
else
    echo "lint: clean (swift format lint --strict, doc comments, library modules ≥ 25 % doc-comment lines)"
fi
exit "$status"
