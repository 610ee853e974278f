#!/usr/bin/env bash
# Merge apply throughput, beside PostgreSQL's own COPY rate into the same tables, and `backstop nightly
# --apply` end to end on the m world. Writes bench-results/apply.json:
#   plan          ApplyBench on a generated catalog of BENCH_APPLY_PRODUCTS products (default 200k, one image
#                 each) and BENCH_APPLY_ORDERS orders (default 100k): a plan of ~200k steps writing ~310k
#                 catalog rows (updates, soft deletes, inserts with images, image lists, statuses with their
#                 history rows, links), applied in batches of BENCH_APPLY_BATCH (default 5000) steps, once per
#                 worker count in BENCH_APPLY_WORKERS (default "1 2"), and once with the default settings of a
#                 plain `backstop apply` (merge.batch_size, merge.workers: one per core); the rate is catalog rows written per
#                 second of apply (goal >= 100k rows/s), with the time to read the versions and to save and
#                 load the plan beside it
#   copy          the same number of rows per table (product, productimage, "order", orderhistory) loaded by
#                 psql \copy from files: the server's own write ceiling on this machine, measured right after
#                 the default-settings apply; default_over_copy is the issue-21 ratio (goal >= 0.9)
#   load_*        the 1-minute load average just before each figure
#   nightly_m     `backstop nightly --apply` on the m world of 05-worldgen.sh (.backstop/worlds/bench-m, or
#                 BACKSTOP_BENCH_WORLD_M) against its catalog: wall seconds, peak RSS, the apply line, and a
#                 second diff that must find nothing actionable
#
# Environment: BACKSTOP_BENCH_PG (conninfo of a server where databases may be created; default: the local
# cluster, scripts/localpg.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
products=${BENCH_APPLY_PRODUCTS:-200000}
orders=${BENCH_APPLY_ORDERS:-100000}
batch=${BENCH_APPLY_BATCH:-5000}
worker_counts=${BENCH_APPLY_WORKERS:-1 2}
world=${BACKSTOP_BENCH_WORLD_M:-.backstop/worlds/bench-m}
backstop=.build/release/backstop
worldgen=.build/release/worldgen
applybench=.build/release/ApplyBench
for b in "$backstop" "$worldgen" "$applybench"; do [ -x "$b" ] || swift build -c release >&2; done
if [ -n "${BACKSTOP_BENCH_PG:-}" ]; then
    server=$BACKSTOP_BENCH_PG
else
    scripts/localpg.sh status >/dev/null 2>&1 || scripts/localpg.sh up >&2
    server=$(scripts/localpg.sh conninfo)
fi
template=backstop_bench_apply_template_$$
db=backstop_bench_apply_$$
dbm=backstop_bench_apply_m_$$
work=$(mktemp -d)
psql_server() { psql -X -q -v ON_ERROR_STOP=1 "$server dbname=postgres" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 "$server dbname=$db" "$@"; }
psql_template() { psql -X -q -v ON_ERROR_STOP=1 "$server dbname=$template" "$@"; }
cleanup() {
    psql_server -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $dbm WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS $template WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }

# 1. The plan: a generated catalog (a template database, copied for each pass), the plan applied by ApplyBench.
psql_server -c "CREATE DATABASE $template"
for f in sql/catalog/*.sql; do psql_template -f "$f"; done
"$backstop" db migrate --catalog "$server dbname=$template" >/dev/null
psql_template <<SQL
INSERT INTO "user" (id, name, phone) VALUES (1, 'owner', '+77010000001'), (2, 'dev', '+77010000002');
INSERT INTO shop (id, owner_id, name) VALUES (17008, 1, 'Cvetykz'), (8, 2, 'Railway (dev)');
INSERT INTO product (id, shop_id, name, price, enabled, image, created_at, updated_at)
SELECT g, 17008, 'Букет №' || g, g * 100, true, 'https://cvety.kz/upload/iblock/' || g % 4096 || '/' || g || '-0.jpg',
       timestamp '2024-01-01' + g * interval '1 second', timestamp '2025-01-01' + g * interval '1 second'
  FROM generate_series(1, $products) g;
INSERT INTO productimage (product_id, url, "order", is_primary)
SELECT g, 'https://cvety.kz/upload/iblock/' || g % 4096 || '/' || g || '-0.jpg', 0, true FROM generate_series(1, $products) g;
INSERT INTO "order" (id, shop_id, tracking_id, "orderNumber", "customerName", phone, subtotal, delivery_cost, total, status)
SELECT g, 17008, lpad(g::text, 9, '0'), '#' || g, 'Клиент ' || g, '+7701' || lpad(g::text, 7, '0'), 500000, 0, 500000, 'NEW'
  FROM generate_series(1, $orders) g;
VACUUM ANALYZE;
SQL
loadavg() { cut -d' ' -f1 /proc/loadavg; }
with_load() { python3 -c 'import json,sys; d=json.load(sys.stdin); d["load_before"]=float(sys.argv[1]); print(json.dumps(d))' "$1"; }
plans=()
for workers in $worker_counts; do
    psql_server -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE $template" >/dev/null
    load=$(loadavg)
    plans+=("$("$applybench" "$server dbname=$db" "$products" "$orders" "$batch" "$workers" | with_load "$load")")
    echo "40-apply: ${plans[-1]}" >&2
done
# The default settings (what `backstop apply` does with no flags), right before the COPY peer.
psql_server -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE $template" >/dev/null
load=$(loadavg)
default_plan=$("$applybench" "$server dbname=$db" "$products" "$orders" default default | with_load "$load")
echo "40-apply: default settings: $default_plan" >&2
psql_server -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE $template" >/dev/null

# 2. PostgreSQL's own COPY into the same tables, as many rows per table as the apply wrote.
rows_product=$(( products * 4 / 10 + products / 20 + products / 10 ))
rows_image=$(( products / 10 * 2 + products / 10 ))
rows_order=$(( orders / 2 + orders / 5 ))
rows_history=$(( orders / 2 ))
base=$(( products * 10 ))
psql_db <<SQL
\copy (SELECT g + $base, 17008, 'Букет №' || g, g * 100, 'FLOWERS', true, 'https://cvety.kz/upload/iblock/' || g % 4096 || '/' || g || '-1.jpg', now(), now() FROM generate_series(1, $rows_product) g) TO '$work/product.copy'
\copy (SELECT g % $products + 1, 'https://cvety.kz/upload/iblock/' || g % 4096 || '/' || g || '-2.jpg', 1 + g / $products, false, now() FROM generate_series(1, $rows_image) g) TO '$work/productimage.copy'
\copy (SELECT g + $base, 17008, lpad((g + $base)::text, 9, '0'), '#' || (g + $base), 'Клиент ' || g, '+7702' || lpad(g::text, 7, '0'), 500000, 0, 500000, 'DELIVERED', now(), now() FROM generate_series(1, $rows_order) g) TO '$work/order.copy'
\copy (SELECT g % $orders + 1, 'backstop', 'status', 'new', 'delivered', now() FROM generate_series(1, $rows_history) g) TO '$work/orderhistory.copy'
SQL
load_copy=$(loadavg)
copy_table() {  # table, columns, file, rows → JSON fragment
    local t0 t1
    t0=$(now)
    psql_db -c "\\copy $1 ($2) FROM '$work/$3'"
    t1=$(now)
    python3 -c "import json,sys; s=float(sys.argv[2])-float(sys.argv[1]); print(json.dumps({'table': sys.argv[3], 'rows': int(sys.argv[4]), 'seconds': round(s, 3), 'rows_per_second': int(int(sys.argv[4]) / s)}))" "$t0" "$t1" "$1" "$4"
}
copies=(
    "$(copy_table product 'id, shop_id, name, price, type, enabled, image, created_at, updated_at' product.copy "$rows_product")"
    "$(copy_table productimage 'product_id, url, "order", is_primary, created_at' productimage.copy "$rows_image")"
    "$(copy_table '"order"' 'id, shop_id, tracking_id, "orderNumber", "customerName", phone, subtotal, delivery_cost, total, status, created_at, updated_at' order.copy "$rows_order")"
    "$(copy_table orderhistory 'order_id, changed_by, field_name, old_value, new_value, changed_at' orderhistory.copy "$rows_history")"
)
psql_server -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null

# 3. nightly --apply on the m world, then a diff that must find nothing left to write.
nightly="null"
if [ -s "$world/manifest.jsonl" ]; then
    psql_server -c "CREATE DATABASE $dbm"
    "$worldgen" load-catalog --world "$world" --conninfo "$server dbname=$dbm" >/dev/null
    "$backstop" db migrate --catalog "$server dbname=$dbm" >/dev/null
    reports=$work/reports
    status=0
    /usr/bin/time -f '%e %U %S %M' -o "$work/nightly.time" \
        "$backstop" nightly --apply --catalog "$server dbname=$dbm" --dump "$world/bitrix/dump.sql" \
        --report-dir "$reports" --log-level error > "$work/nightly.out" || status=$?
    cat "$work/nightly.out" >&2
    case "$status" in 0|2) ;; *) echo "40-apply: nightly --apply exited $status" >&2; exit 1 ;; esac
    status=0
    "$backstop" diff --catalog "$server dbname=$dbm" --dump "$world/bitrix/dump.sql" --out "$work/after" \
        --log-level error >/dev/null || status=$?
    case "$status" in 0|2) ;; *) echo "40-apply: the diff after the apply exited $status" >&2; exit 1 ;; esac
    nightly=$(python3 - "$work/nightly.time" "$work/nightly.out" "$work/after/discrepancies.ndjson" "$world" <<'PY'
import json, sys
timing, out, after, world = sys.argv[1:5]
wall, user, system, rss_kb = open(timing).read().split()[-4:]
lines = open(out).read().splitlines()
writes = {"insert", "update", "soft_delete", "insert_images", "update_status", "backfill_link", "advance_sequence"}
left = [json.loads(l) for l in open(after) if l.strip()]
w = json.load(open(world + "/world.json"))
print(json.dumps({
    "world": w["scale"], "seed": w["seed"],
    "seconds": float(wall), "cpu_seconds": round(float(user) + float(system), 2), "max_rss_mib": round(int(rss_kb) / 1024, 1),
    "plan": next((l for l in lines if l.startswith("plan ")), ""),
    "apply": next((l for l in lines if l.startswith("apply: ")), ""),
    "actionable_after": sum(1 for d in left if d.get("action") in writes),
    "findings_after": len(left),
}))
PY
)
    if [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["actionable_after"])' "$nightly")" != 0 ]; then
        echo "40-apply: the diff after nightly --apply still finds actionable discrepancies: $nightly" >&2; exit 1
    fi
    psql_server -c "DROP DATABASE IF EXISTS $dbm WITH (FORCE)" >/dev/null
else
    echo "40-apply: no m world at $world (05-worldgen.sh makes it); nightly --apply not measured" >&2
fi

mkdir -p bench-results
python3 - "$nightly" "$default_plan" "$load_copy" "${#plans[@]}" "${plans[@]}" "${copies[@]}" > bench-results/apply.json <<'PY'
import json, sys
nightly = json.loads(sys.argv[1])
default = json.loads(sys.argv[2])
load_copy = float(sys.argv[3])
count = int(sys.argv[4])
plans = [json.loads(p) for p in sys.argv[5:5 + count]]
copies = [json.loads(c) for c in sys.argv[5 + count:]]
rows = sum(c["rows"] for c in copies)
seconds = sum(c["seconds"] for c in copies)
best = max(plans, key=lambda p: p["apply_rows_per_second"])
print(json.dumps({
    "plan": plans,
    "default_settings": default,
    "copy": {"tables": copies, "rows": rows, "seconds": round(seconds, 3), "rows_per_second": int(rows / seconds),
             "load_before": load_copy},
    "apply_over_copy": round(best["apply_rows_per_second"] / (rows / seconds), 2),
    "default_over_copy": round(default["apply_rows_per_second"] / (rows / seconds), 2),
    "loadavg": float(open("/proc/loadavg").read().split()[0]),
    "goal": {"apply_rows_per_second": 100000, "default_over_copy": 0.9},
    "nightly_m": nightly,
}, indent=2))
PY
cat bench-results/apply.json
