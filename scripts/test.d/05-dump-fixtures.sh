#!/usr/bin/env bash
# Builds the dump fixtures the Extract tests read (.backstop/fixtures/mysqldump, git-ignored) from the
# project's own SQL (Tests/ExtractTests/Fixtures/mysqldump): loads it into the local MariaDB and dumps it
# with the real mariadb-dump in every flavour the reader supports, and with mydumper. The layout is the
# one FixtureTests reads (NN-flavour.sql, 04-tab/, 11-mydumper-0.10/, fixture/ = the SQL they came from).
# Skips when the folder was built from the same SQL, script and client versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=Tests/ExtractTests/Fixtures/mysqldump
out=${BACKSTOP_DUMP_FIXTURES:-.backstop/fixtures/mysqldump}
socket=${BACKSTOP_TEST_MARIADB_SOCKET:-$(scripts/localmariadb.sh socket)}

stamp=$( { cat "$src"/*.sql "$0"; mariadb-dump --version; mydumper --version 2>&1; } | sha256sum | cut -c1-16)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
    echo "05-dump-fixtures: $out is current ($stamp)" >&2
    exit 0
fi
for tool in mariadb mariadb-dump mydumper gzip; do
    command -v "$tool" >/dev/null || { echo "05-dump-fixtures: $tool not found (make setup installs it)" >&2; exit 1; }
done

client=(--no-defaults -S "$socket" -uroot)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/backstop-fixtures.XXXXXX")
trap 'rm -rf "$tmp"; mariadb "${client[@]}" -e "DROP DATABASE IF EXISTS bxtest; DROP DATABASE IF EXISTS bxbin" >/dev/null 2>&1 || true' EXIT
chmod 777 "$tmp"  # --tab: the server writes the .txt files

cat "$src/schema.sql" "$src/data.sql" "$src/bulk.sql" | mariadb "${client[@]}"
mariadb "${client[@]}" < "$src/bin_probe.sql"

dump() { local file=$1; shift; mariadb-dump "${client[@]}" "$@" > "$tmp/$file"; }
dump 01-default.sql bxtest
gzip -9 -n -c "$tmp/01-default.sql" > "$tmp/01-default.sql.gz"
dump 02-skip-extended-complete-insert.sql --skip-extended-insert --complete-insert bxtest
dump 03-hex-blob.sql --hex-blob bxtest
mkdir -m 777 "$tmp/04-tab" "$tmp/04-tab-csv"
mariadb-dump "${client[@]}" --tab="$tmp/04-tab" bxtest
mariadb-dump "${client[@]}" --tab="$tmp/04-tab-csv" --fields-terminated-by=, --fields-optionally-enclosed-by='"' \
    bxtest b_iblock_element
mv "$tmp/04-tab-csv/b_iblock_element.txt" "$tmp/04-tab-csv-b_iblock_element.txt"
rm -rf "$tmp/04-tab-csv"
dump 05-routines-databases.sql --routines --events --triggers --databases bxtest
dump 06-net-buffer-4096.sql --net-buffer-length=4096 bxtest b_iblock_element_property
dump 07-insert-ignore.sql --insert-ignore bxtest b_catalog_price
dump 08-replace.sql --replace bxtest b_catalog_price
dump 09-compact.sql --compact bxtest b_catalog_price b_sale_order_mini
dump 10-data-only-single-tx.sql --single-transaction --quick --skip-lock-tables --no-create-info bxtest b_sale_order_mini
mydumper --socket="$socket" -u root -B bxtest -o "$tmp/11-mydumper-0.10" -G -R -E >/dev/null
dump 12-invalid-utf8-blob.sql --skip-extended-insert bxbin bin_probe
mkdir "$tmp/fixture"
cp "$src/schema.sql" "$src/data.sql" "$src/bulk.sql" "$tmp/fixture/"

rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out.new" && mv "$out.new" "$out"
chmod -R u+rwX,go+rX,go-w "$out"
echo "$stamp" > "$out/.stamp"
echo "05-dump-fixtures: built $out ($(find "$out" -type f | wc -l) files)" >&2
