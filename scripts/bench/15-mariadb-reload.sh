#!/usr/bin/env bash
# The peer of the dump benchmark: MariaDB's own reload of the same dump (`mariadb < dump.sql` into a
# scratch database on the private server), the way an engineer would otherwise get at the data. Writes
# bench-results/mariadb_reload.json. Uses the m world's dump (05-worldgen.sh) or BACKSTOP_BENCH_DUMP.
set -euo pipefail
cd "$(dirname "$0")/../.."
dump=${BACKSTOP_BENCH_DUMP:-.backstop/worlds/bench-m/bitrix/dump.sql}
if [ ! -s "$dump" ]; then
    echo "bench: no dump at $dump (run 05-worldgen.sh first or set BACKSTOP_BENCH_DUMP); skipping" >&2
    exit 0
fi
socket=$(scripts/localmariadb.sh socket)
db=bench_reload_$$
client() { mariadb --no-defaults -S "$socket" -uroot "$@"; }
client -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
trap 'client -e "DROP DATABASE IF EXISTS $db" || true' EXIT
bytes=$(stat -c %s "$dump")
load=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/time -f "%e %U %S" -o /tmp/reload.$$ mariadb --no-defaults -S "$socket" -uroot "$db" < "$dump"
read -r wall user sys < <(tail -n 1 /tmp/reload.$$)
rm -f /tmp/reload.$$
rows=$(client -N -e "SELECT COALESCE(SUM(TABLE_ROWS), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$db'")
mkdir -p bench-results
python3 - "$dump" "$bytes" "$wall" "$user" "$sys" "$rows" "$load" <<'PY' > bench-results/mariadb_reload.json
import json, sys
dump, size, wall, user, sys_, rows, load = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
print(json.dumps({
    "dump": dump, "bytes": size, "seconds": wall, "client_cpu_seconds": round(user + sys_, 2),
    "mb_per_s": round(size / wall / 1e6, 1), "approx_rows": rows, "loadavg_before": load,
    "note": "mariadb client reload into InnoDB (flush_log_at_trx_commit=2, 512M pool, no binlog)",
}, indent=2))
PY
cat bench-results/mariadb_reload.json >&2
