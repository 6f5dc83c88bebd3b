#!/usr/bin/env bash
# Item detail on SQLite and on PostgreSQL with the same data, alternated: `ducha gen` (UNITS, ITEMS) into a
# SQLite database, moved to a throwaway PostgreSQL 15 (scripts/pg.sh) with `ducha migrate-data`, one node on
# each; then ROUNDS rounds of `wrk -t2 -c$CONNS -d${SECS}s` on GET /api/v1/items/{id} (an item in progress of
# 古城县, as 古城县's 督查室), SQLite then PostgreSQL, with the load average and each node's statements and
# round trips per request (/metrics). Both databases are kept in WORK between runs (`rm -rf` it to start over).
# Usage: BIN=build/ducha scripts/bench-detail-pg.sh   (a release build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${BIN:-$ROOT/build/ducha}")
W=${WORK:-/tmp/ducha-bench-detail}; SECS=${SECS:-5}; CONNS=${CONNS:-8}; ROUNDS=${ROUNDS:-3}
UNITS=${UNITS:-200}; ITEMS=${ITEMS:-10000}
cd "$ROOT"
mkdir -p "$W"
URL=$(scripts/pg.sh start "$W/pg" | tail -n 1)
SU=${URL/ducha@/postgres@}
PGDB="${URL%/*}/detail"
fp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; }
trap 'cleanup; scripts/pg.sh stop "$W/pg" >/dev/null 2>&1 || true' EXIT
if [ ! -f "$W/detail.db" ]; then
  "$BIN" gen --db "$W/gen.db" --units "$UNITS" --items "$ITEMS" --set data_dir="$W/data" >"$W/gen.log" 2>&1
  mv "$W/gen.db" "$W/detail.db"
fi
if ! psql -X -Atq "$SU" -c "SELECT 1 FROM pg_database WHERE datname = 'detail'" | grep -q 1; then
  psql -X -q "$SU" -c "CREATE DATABASE detail OWNER ducha"
  psql -X -q "${SU%/*}/detail" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
  cp "$W/detail.db" "$W/migrate-src.db"
  "$BIN" migrate-data --from "sqlite:$W/migrate-src.db" --to "$PGDB" --db "$PGDB" --set data_dir="$W/data" \
    2>"$W/migrate.log"
  rm -f "$W/migrate-src.db"
  psql -X -q "${SU%/*}/detail" -c "VACUUM ANALYZE" >/dev/null
fi
MT=bench-detail-metrics-token
SQ=$(fp); PG=$(fp)
"$BIN" serve --db "$W/detail.db" --listen "127.0.0.1:$SQ" --set data_dir="$W/data" --set log_level=warn \
  --set scheduler=false --set metrics_token=$MT >"$W/sqlite.log" 2>&1 &
pids+=($!)
"$BIN" serve --db "$PGDB" --listen "127.0.0.1:$PG" --set data_dir="$W/data" --set log_level=warn \
  --set scheduler=false --set metrics_token=$MT >"$W/pg.log" 2>&1 &
pids+=($!)
for p in $SQ $PG; do for _ in $(seq 600); do curl -sf "http://127.0.0.1:$p/api/v1/health" >/dev/null && break; sleep 0.1; done; done
TSQ=$("$BIN" token create gc_office --db "$W/detail.db" --set data_dir="$W/data" --name detail)
TPG=$("$BIN" token create gc_office --db "$PGDB" --set data_dir="$W/data" --name detail)
GC=$(curl -sf -H "Authorization: Bearer $TSQ" "http://127.0.0.1:$SQ/api/v1/units?q=gc&limit=5" |
  python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
ITEM=$(curl -sf -H "Authorization: Bearer $TSQ" "http://127.0.0.1:$SQ/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
PATHQ="/api/v1/items/$ITEM"
cmp <(curl -sf -H "Authorization: Bearer $TSQ" "http://127.0.0.1:$SQ$PATHQ" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d))') \
    <(curl -sf -H "Authorization: Bearer $TPG" "http://127.0.0.1:$PG$PATHQ" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d))') \
  || { echo "bench-detail-pg: the two answers differ" >&2; exit 1; }
# requests, statements and round trips of the detail route so far on the node at port $1
usage() { curl -sf -H "Authorization: Bearer $MT" "http://127.0.0.1:$1/metrics" | python3 -c '
import sys
want = {"ducha_http_request_duration_seconds_count": 0, "ducha_http_db_statements_total": 0, "ducha_http_db_round_trips_total": 0}
for l in sys.stdin:
    for k in want:
        if l.startswith(k + "{") and "method=\"GET\"" in l and "route=\"/api/v1/items/{id}\"" in l:
            want[k] += float(l.rsplit(" ", 1)[1])
print(" ".join(str(int(v)) for v in want.values()))'; }
echo "item detail $PATHQ, wrk -t2 -c$CONNS -d${SECS}s, ducha gen --units $UNITS --items $ITEMS"
for r in $(seq "$ROUNDS"); do
  line="round $r:"
  for b in sqlite postgres; do
    if [ $b = sqlite ]; then p=$SQ; t=$TSQ; else p=$PG; t=$TPG; fi
    read -r n0 s0 t0 < <(usage "$p")
    rps=$(wrk -t2 -c"$CONNS" -d"${SECS}s" -H "Authorization: Bearer $t" "http://127.0.0.1:$p$PATHQ" |
      awk '/Non-2xx/ {bad=$NF} /Requests\/sec/ {rps=$2} END {print rps (bad ? " (" bad " non-2xx)" : "")}')
    read -r n1 s1 t1 < <(usage "$p")
    cost=$(python3 -c "n=max($n1-$n0,1); print(f'{($s1-$s0)/n:.1f} statements, {($t1-$t0)/n:.1f} round trips')")
    line="$line $b $rps req/s ($cost), load $(cut -d' ' -f1 /proc/loadavg);"
  done
  echo "$line"
done
