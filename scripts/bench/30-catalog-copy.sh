#!/usr/bin/env bash
# Catalog COPY read speed: ~1M generated `product` rows (20% with 1-3 productimage rows) in a scratch
# database of the local cluster, read through CatalogReader.products() (binary COPY + decoding into
# CanonicalProduct), release build, with client CPU (getrusage) and server backend CPU (/proc) measured
# separately. Reference: psql \copy of the same SELECTs to /dev/null.
# Writes bench-results/catalog_copy.json. Target: >= 1.5M rows/s, set from swift-feasibility.md section 3
# (a 6-column table): measured on that reference shape through CatalogReader.rows, and on the upstream
# product shape, whose ceiling is the server's own COPY rate (psql \copy to /dev/null of the same SELECT).
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
-- The reference shape of ../shared/reference/swift-feasibility.md section 3 (the measurement the 1.5M rows/s
-- target was set from): six narrow columns, 1M rows. Read by psql only, to calibrate this machine's server.
CREATE TABLE reference_product (id bigint PRIMARY KEY, shop_id integer NOT NULL, name text NOT NULL,
    price bigint NOT NULL, enabled boolean NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO reference_product
SELECT g, (g % 50)::int, CASE WHEN g % 1000 = 0 THEN 'Rose "' || g || E'\\\t' ELSE 'Product ' || g END,
       (g * 7919) % 1000000, g % 3 <> 0, timestamptz '2024-01-01' + g * interval '1 second'
FROM generate_series(1::bigint, ${rows}::bigint) g;
VACUUM ANALYZE reference_product;
SQL
generated=$(echo "$(date +%s.%N) - $start" | bc)
echo "catalog-copy: generated $rows products in ${generated}s" >&2

swift build -c release --product CatalogBench >&2
bin=$(swift build -c release --show-bin-path)/CatalogBench
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
loadavg() { cut -d' ' -f1 /proc/loadavg; }
load_merge=$(loadavg)
# Default mode: two COPY streams (product, productimage) merged client-side. "aggregated" is the
# one-stream shape (images array_agg'ed server-side; taken inside a transaction), for comparison.
merge=$("$bin" "$server dbname=$db" "$runs" merge)
echo "catalog-copy: $merge" >&2
load_aggregated=$(loadavg)
aggregated=$("$bin" "$server dbname=$db" "$runs" aggregated)
echo "catalog-copy: $aggregated" >&2
# The reader on the reference shape (CatalogReader.rows over reference_product), for the target: it is
# server-bound (wall ≈ the backend's CPU time), so it gets more runs against a noisy neighbour.
load_reference=$(loadavg)
reference=$("$bin" "$server dbname=$db" "$((runs + 4))" reference)
echo "catalog-copy: $reference" >&2

# Server-side references: the same SELECTs through psql \copy (binary) to /dev/null, best of $runs,
# with the backend's CPU seconds from /proc/<pid>/stat (psql itself does almost nothing).
filter="(SELECT NULLIF(current_setting('backstop.catalog_shop', true), '')::integer)"
product_select="SELECT p.id, p.shop_id, p.name, p.price, p.type, p.description, p.width, p.height, p.enabled, p.image, p.created_at, p.updated_at FROM product p WHERE $filter IS NULL OR p.shop_id = $filter ORDER BY p.id"
image_select="SELECT i.product_id, i.id, i.\"order\", i.url, i.is_primary FROM productimage i WHERE $filter IS NULL OR EXISTS (SELECT 1 FROM product p WHERE p.id = i.product_id AND p.shop_id = $filter) ORDER BY i.product_id, i.\"order\", i.id"
aggregated_select="SELECT p.id, p.shop_id, p.name, p.price, p.type::text, p.description, p.width, p.height, p.enabled, p.image, p.created_at, p.updated_at, i.urls, i.ids, i.orders, i.primaries FROM product p LEFT JOIN (SELECT product_id, array_agg(url) AS urls, array_agg(id) AS ids, array_agg(\"order\") AS orders, array_agg(COALESCE(is_primary, false)) AS primaries FROM (SELECT product_id, url, id, \"order\", is_primary FROM productimage ORDER BY product_id, \"order\", id) s GROUP BY product_id) i ON i.product_id = p.id ORDER BY p.id"
plain_select="SELECT * FROM product"
reference_select="SELECT * FROM reference_product"
# Prints "wall_seconds backend_cpu_seconds" of one \copy.
psql_copy() {
    psql_db -t -A <<SQL
SELECT pg_backend_pid() AS pid \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
\setenv BPID :pid
\! awk '{print \$14+\$15}' /proc/\$BPID/stat > /tmp/backstop-bench-cpu.$$
\copy ($1) to /dev/null with (format binary)
SELECT extract(epoch FROM clock_timestamp()) - :t0 AS wall \gset
\! printf '%s ' "\$(awk '{print \$14+\$15}' /proc/\$BPID/stat)" >> /tmp/backstop-bench-cpu.$$
\echo :wall
SQL
}
# Best (wall, cpu) of $runs for one SELECT, as JSON.
psql_best() {
    local best_wall= best_cpu= out wall cpu
    for _ in $(seq "$runs"); do
        out=$(psql_copy "$1")
        wall=$(echo "$out" | tail -n 1)
        read -r before after < <(tr '\n' ' ' < /tmp/backstop-bench-cpu.$$)
        cpu=$(echo "($after - $before) / $(getconf CLK_TCK)" | bc -l)
        if [ -z "$best_wall" ] || (( $(echo "$wall < $best_wall" | bc) )); then best_wall=$wall; fi
        if [ -z "$best_cpu" ] || (( $(echo "$cpu < $best_cpu" | bc) )); then best_cpu=$cpu; fi
    done
    python3 -c 'import json, sys; print(json.dumps({"best_wall_seconds": round(float(sys.argv[1]), 3),
                                             "best_backend_cpu_seconds": round(float(sys.argv[2]), 2)}))' \
        "$best_wall" "$best_cpu"
}
rm -f /tmp/backstop-bench-cpu.$$
load_psql_product=$(loadavg)
psql_product=$(psql_best "$product_select")
load_psql_image=$(loadavg)
psql_image=$(psql_best "$image_select")
psql_aggregated=$(psql_best "$aggregated_select")
psql_plain=$(psql_best "$plain_select")
load_psql_reference=$(loadavg)
psql_reference=$(psql_best "$reference_select")
rm -f /tmp/backstop-bench-cpu.$$
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p bench-results
python3 - "$merge" "$aggregated" "$rows" "$generated" "$psql_product" "$psql_image" "$psql_aggregated" "$psql_plain" \
    "$load_before" "$load_after" "$(nproc)" "$psql_reference" "$reference" \
    "$load_merge $load_aggregated $load_reference $load_psql_product $load_psql_image $load_psql_reference" <<'PY' > bench-results/catalog_copy.json
import json, sys
merge, aggregated = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows, gen_s = int(sys.argv[3]), float(sys.argv[4])
psql = {k: json.loads(v) for k, v in zip(["product_select", "productimage_select", "aggregated_select", "plain_product_table"], sys.argv[5:9])}
psql["reference_shape_table"] = json.loads(sys.argv[12])
reference = json.loads(sys.argv[13])
def ratio(part, whole):
    return round(part / whole, 3) if whole else None
for name, v in psql.items():
    n = merge["images"] if name == "productimage_select" else rows
    v["rows_per_second_wall"] = int(n / v["best_wall_seconds"]) if v["best_wall_seconds"] else None
server_cpu = psql["product_select"]["best_backend_cpu_seconds"] + psql["productimage_select"]["best_backend_cpu_seconds"]
loads = dict(zip(["merge", "aggregated", "reference_shape", "psql_product_select", "psql_productimage_select",
                  "psql_reference_shape_table"], map(float, sys.argv[14].split())))
# The upstream shape's peer: psql's COPY … TO of the same rows, the product SELECT then the productimage
# SELECT (what a psql-based export of products with their images reads), beside the reader's best wall time.
peer_seconds = psql["product_select"]["best_wall_seconds"] + psql["productimage_select"]["best_wall_seconds"]
reader_seconds = merge.get("best_wall_seconds")
print(json.dumps({
    "description": "CatalogReader.products(): binary COPY of the upstream-shaped product and productimage tables (two streams on two connections sharing one snapshot, merged client-side) decoded into CanonicalProduct; 'aggregated' is the one-stream shape with images array_agg'ed server-side; 'reference_shape' is CatalogReader.rows over the 6-column table of swift-feasibility.md section 3 (the shape the 1.5M rows/s target was set from), decoded into that measurement's struct",
    "rows": rows,
    "images": merge["images"],
    "generate_seconds": round(gen_s, 2),
    "machine": {"cores": int(sys.argv[11]), "load_average_before": sys.argv[9], "load_average_after": sys.argv[10],
                "note": "shared machine: CPU-time rates are the trustworthy ones; wall time includes waiting for a core"},
    "target_rows_per_second": 1500000,
    "merge": merge,
    "aggregated": aggregated,
    "reference_shape": reference,
    "reference_shape_meets_target": reference["rows_per_second_wall_best"] >= 1500000,
    "reference_shape_reader_fraction_of_psql": ratio(reference["rows_per_second_wall_best"], psql["reference_shape_table"]["rows_per_second_wall"]),
    "client_rows_per_cpu_second": merge["rows_per_client_cpu_second"],
    "upstream_shape_client_meets_target": merge["rows_per_client_cpu_second"] >= 1500000,
    "upstream_shape_wall_meets_target": merge["rows_per_second_wall_best"] >= 1500000,
    "server_rows_per_cpu_second_psql": int(rows / server_cpu) if server_cpu else None,
    "server_ceiling_rows_per_second": psql["product_select"]["rows_per_second_wall"],
    "reader_fraction_of_server_ceiling": ratio(merge["rows_per_second_wall_best"], psql["product_select"]["rows_per_second_wall"]),
    "upstream_shape_psql_seconds": round(peer_seconds, 3),
    "upstream_shape_reader_seconds": round(reader_seconds, 3) if reader_seconds else None,
    "upstream_shape_reader_over_psql": ratio(peer_seconds, reader_seconds) if reader_seconds else None,
    "upstream_shape_goal": "reader >= 1.0x psql's COPY ... TO of the same product and productimage rows (issue 21)",
    "load_average_before": loads,
    "reference_shape_meets_target_in_psql": (psql["reference_shape_table"]["rows_per_second_wall"] or 0) >= 1500000,
    "ceiling_note": "psql's own binary COPY of the same SELECT to /dev/null bounds any client: the backend spends its time in per-value send functions (perf: pq_begintypsend, SendFunctionCall, textsend, int4send). reference_shape_table is the 6-column table of swift-feasibility.md section 3, the shape the 1.5M rows/s target came from, measured on this machine today",
    "psql_copy_to_dev_null": psql,
}, indent=2))
PY
cat bench-results/catalog_copy.json
