#!/usr/bin/env bash
# Fuzzes the dump reader (tokenizer, row decoder, NDJSON writer) with libFuzzer + AddressSanitizer for
# FUZZ_SECONDS (default 60), seeded from the dump fixtures (the project's own, built by
# scripts/test.d/05-dump-fixtures.sh, and ../shared's when present). Crashes land in .build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
swift build -c debug --product DumpFuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xlinker --export-dynamic >&2
corpus=.build-fuzz/corpus
mkdir -p "$corpus" .build-fuzz/artifacts
for fixtures in "${BACKSTOP_DUMP_FIXTURES:-.backstop/fixtures/mysqldump}" "${BACKSTOP_SHARED:-../shared}/fixtures/mysqldump"; do
    [ -d "$fixtures" ] || continue
    find "$fixtures" -type f \( -name '*.sql' -o -name '*.txt' \) -size -64k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
done
exec .build-fuzz/debug/DumpFuzz "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -artifact_prefix=.build-fuzz/artifacts/ -print_final_stats=1
