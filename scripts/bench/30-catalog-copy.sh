#!/usr/bin/env bash
# Catalog COPY read speed: ~1M generated `product` rows (20% with 1-3 productimage rows) in a scratch
# database of the local cluster, read through CatalogReader.products() (binary COPY + decoding into
# CanonicalProduct), release build. Reference: psql \copy of the same SELECT to /dev/null.
# Writes bench-results/catalog_copy.json. Target: >= 1.5M rows/s.
#
# Environment: BACKSTOP_BENCH_PG (conninfo of a server where a database may be created; default: the
# local cluster, `scripts/localpg.sh`), BENCH_ROWS (default 1000000), BENCH_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${BENCH_ROWS:-1000000}
runs=${BENCH_RUNS:-3}
if [ -n "${BACKSTOP_BENCH_PG:-}" ]; then
    server=$BACKSTOP_BENCH_PG
else
    scripts/localpg.sh status >/dev/null 2>&1 || scripts/localpg.sh up >&2
    server=$(scripts/localpg.sh conninfo)
fi
db=backstop_bench_catalog_$$
psql_server() { psql -X -q -v ON_ERROR_STOP=1 "$server" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 "$server dbname=$db" "$@"; }
psql_server -c "CREATE DATABASE $db"
trap 'psql_server -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

for f in sql/catalog/*.sql; do psql_db -f "$f"; done
start=$(date +%s.%N)
psql_db <<SQL
INSERT INTO "user" (id, name, phone) VALUES (1, 'owner', '+77010000001');
INSERT INTO shop (id, owner_id, name) VALUES (17008, 1, 'Cvetykz');
INSERT INTO product (id, shop_id, name, price, type, description, width, height, enabled, image, created_at, updated_at)
SELECT g, 17008,
       CASE WHEN g % 1000 = 0 THEN 'Розы "101" '' \\ ' || E'\t' || g ELSE 'Букет №' || g END,
       (g * 7919) % 5000000, (ARRAY['FLOWERS','VITRINA','CATALOG']::producttype[])[1 + g % 3],
       CASE WHEN g % 4 = 0 THEN NULL ELSE 'Описание букета ' || g END,
       CASE WHEN g % 2 = 0 THEN 40 + g % 30 END, CASE WHEN g % 2 = 0 THEN 50 + g % 40 END,
       g % 10 <> 0, 'https://cvety.kz/upload/iblock/' || to_hex(g % 4096) || '/' || md5(g::text) || '.jpg',
       timestamp '2024-01-01' + g * interval '1 second', timestamp '2025-01-01' + g * interval '1 second'
FROM generate_series(1::bigint, ${rows}::bigint) g;
INSERT INTO productimage (product_id, url, "order", is_primary)
SELECT g, 'https://cvety.kz/upload/iblock/' || to_hex(g % 4096) || '/' || md5((g * k)::text) || '.jpg', k - 1, k = 1
FROM generate_series(1::bigint, ${rows}::bigint, 5) g, generate_series(1, 1 + (g % 3)::int) k;
VACUUM ANALYZE product;
VACUUM ANALYZE productimage;
SQL
generated=$(echo "$(date +%s.%N) - $start" | bc)
echo "catalog-copy: generated $rows products in ${generated}s" >&2

swift build -c release --product CatalogBench >&2
bin=$(swift build -c release --show-bin-path)/CatalogBench
result=$("$bin" "$server dbname=$db" "$runs")
echo "catalog-copy: $result" >&2

# Reference: the same SELECT through psql \copy (binary) to /dev/null, best of $runs.
select=$(cat <<'SQL'
SELECT p.id, p.shop_id, p.name, p.price, p.type::text, p.description, p.width, p.height, p.enabled, p.image, p.created_at, p.updated_at, i.urls, i.ids, i.orders, i.primaries FROM product p LEFT JOIN (SELECT product_id, array_agg(url) AS urls, array_agg(id) AS ids, array_agg("order") AS orders, array_agg(COALESCE(is_primary, false)) AS primaries FROM (SELECT product_id, url, id, "order", is_primary FROM productimage ORDER BY product_id, "order", id) s GROUP BY product_id) i ON i.product_id = p.id ORDER BY p.id
SQL
)
best_psql=
best_plain=
for _ in $(seq "$runs"); do
    t0=$(date +%s.%N)
    psql_db -c "\\copy ($select) to /dev/null with (format binary)"
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    if [ -z "$best_psql" ] || (( $(echo "$t < $best_psql" | bc) )); then best_psql=$t; fi
    t0=$(date +%s.%N)
    psql_db -c "\\copy (SELECT * FROM product) to /dev/null with (format binary)"
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    if [ -z "$best_plain" ] || (( $(echo "$t < $best_plain" | bc) )); then best_plain=$t; fi
done

mkdir -p bench-results
python3 - "$result" "$rows" "$best_psql" "$best_plain" "$generated" <<'PY' > bench-results/catalog_copy.json
import json, sys
swift = json.loads(sys.argv[1])
rows, psql_s, plain_s, gen_s = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print(json.dumps({
    "description": "CatalogReader.products(): binary COPY of product LEFT JOIN aggregated productimage, ORDER BY id, decoded into CanonicalProduct",
    "rows": rows,
    "generate_seconds": round(gen_s, 2),
    "swift": swift,
    "target_rows_per_second": 1500000,
    "meets_target": swift["rows_per_second_best"] >= 1500000,
    "psql_same_select_best_seconds": round(psql_s, 3),
    "psql_same_select_rows_per_second": int(rows / psql_s),
    "psql_plain_product_table_best_seconds": round(plain_s, 3),
    "psql_plain_product_table_rows_per_second": int(rows / plain_s),
}, indent=2))
PY
cat bench-results/catalog_copy.json
