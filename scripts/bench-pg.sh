#!/usr/bin/env bash
# make bench, PostgreSQL part: the same pages on SQLite and on PostgreSQL, each beside nginx serving the
# same bytes (the ceiling) in the same run, and the write rate of 8 clients across two nodes on
# PostgreSQL. The PostgreSQL database is the SQLite bench database moved with `ducha migrate-data`
# (timed: the province's migration downtime). Appends to build/bench/results.md.
#
# Environment: BENCH_DB (the SQLite database; default build/bench/bench.db, made by scripts/bench.sh),
# BENCH_BIN (the binary; default build/ducha), BENCH_SECONDS (10), BENCH_CONNS (32), BENCH_WRITE_SECONDS (30), BENCH_PG_DIR (build/bench/pg; the
# PostgreSQL server and its data are kept there between runs, `rm -rf` it to migrate again).
# BENCH_PG_PART=writes runs the write rate alone, on a database of its own made afresh with the demo
# data (`ducha demo`; no bench database needed): `BENCH_PG_PART=writes scripts/bench-pg.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BENCH_BIN:-$ROOT/build/ducha}
OUT=$ROOT/build/bench
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
WSECS=${BENCH_WRITE_SECONDS:-30}
SRC=${BENCH_DB:-$OUT/bench.db}
PGDIR=${BENCH_PG_DIR:-$OUT/pg}
RESULTS=$OUT/results.md
mkdir -p "$OUT"
PART=${BENCH_PG_PART:-all}
[ "$PART" = writes ] || [ -f "$SRC" ] || { echo "bench-pg: $SRC missing (scripts/bench.sh makes it)" >&2; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- PostgreSQL with the same data ----
URL=$(scripts/pg.sh start "$PGDIR" | tail -n 1)
SU=${URL/ducha@/postgres@}
DB="${URL%/*}/bench"
start_node() {  # DB PORT LOGNAME [extra args]
  local db=$1 port=$2 log=$3; shift 3
  "$BIN" serve --db "$db" --listen "127.0.0.1:$port" --set log_level=warn --set scheduler=false "$@" \
    >"$OUT/$log.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && return 0; sleep 0.1; done
  echo "bench-pg: node on $db did not start (see $OUT/$log.log)" >&2; exit 1
}
if [ "$PART" = writes ]; then  # a fresh demo database: the write rate alone
  psql -X -q "$SU" -c "DROP DATABASE IF EXISTS benchw" -c "CREATE DATABASE benchw OWNER ducha"
  psql -X -q "${SU%/*}/benchw" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
  DB="${URL%/*}/benchw"
  "$BIN" init --db "$DB" 2>/dev/null
  "$BIN" demo --db "$DB" >/dev/null
  PG1=$(free_port); PG2=$(free_port)
  start_node "$DB" "$PG1" serve-pg1
  start_node "$DB" "$PG2" serve-pg2
  TOK_PG=$("$BIN" token create gc_office --db "$DB" --name bench-pg)
fi
if [ "$PART" = writes ]; then :; elif ! psql -X -Atq "$SU" -c "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1; then
  psql -X -q "$SU" -c "CREATE DATABASE bench OWNER ducha"
  psql -X -q "${SU%/*}/bench" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
  cp "$SRC" "$OUT/migrate-src.db"   # migrate-data migrates the source first: keep the original untouched
  "$BIN" init --db "$OUT/migrate-src.db" 2>/dev/null
  t0=$(date +%s.%N)
  "$BIN" migrate-data --from "sqlite:$OUT/migrate-src.db" --to "$DB" --db "$DB" 2>"$OUT/migrate.log"
  t1=$(date +%s.%N)
  rm -f "$OUT/migrate-src.db"
  psql -X -q "${SU%/*}/bench" -c "VACUUM ANALYZE" >/dev/null
  echo "migrate-data $(tail -n 1 "$OUT/migrate.log"): $(python3 -c "print(f'{$t1 - $t0:.0f}')") s" >"$OUT/migrate-time.txt"
fi
if [ "$PART" != writes ]; then
"$BIN" init --db "$DB" 2>/dev/null

# ---- two servers (SQLite, PostgreSQL) and nginx ----
SQ=$(free_port); PG1=$(free_port); PG2=$(free_port); NP=$(free_port)
cp "$SRC" "$OUT/bench-sqlite.db"
"$BIN" init --db "$OUT/bench-sqlite.db" 2>/dev/null
start_node "$OUT/bench-sqlite.db" "$SQ" serve-sqlite
start_node "$DB" "$PG1" serve-pg1
start_node "$DB" "$PG2" serve-pg2
TOK_SQ=$("$BIN" token create gc_office --db "$OUT/bench-sqlite.db" --name bench-pg)
TOK_PG=$("$BIN" token create gc_office --db "$DB" --name bench-pg)

q() { curl -sf -H "Authorization: Bearer $TOK_SQ" "http://127.0.0.1:$SQ$1"; }
GC=$(q "/api/v1/units?q=gc&limit=5" | python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
LEDGER="/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=50"
ITEM=$(q "$LEDGER" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["items"][0]["id"])')
PAGES=("$LEDGER" "/api/v1/items/$ITEM" "/api/v1/items/$ITEM/events")
NAMES=("county ledger page (50 items)" "item detail" "item timeline")

mkdir -p "$OUT/nginx-pg/www" "$OUT/nginx-pg/logs"
for i in "${!PAGES[@]}"; do q "${PAGES[$i]}" >"$OUT/nginx-pg/www/page$i.json"; done
cat >"$OUT/nginx-pg/nginx.conf" <<NGINX
worker_processes auto;
pid $OUT/nginx-pg/nginx.pid;
error_log $OUT/nginx-pg/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; default_type application/json;
       server { listen 127.0.0.1:$NP; root $OUT/nginx-pg/www; } }
NGINX
nginx -c "$OUT/nginx-pg/nginx.conf" -p "$OUT/nginx-pg" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NP/page0.json" >/dev/null && break; sleep 0.1; done

# wrk; prints "rps p50_ms p99_ms non2xx"
measure() {
  local url=$1; shift
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" >"$OUT/wrk-pg.txt" 2>&1
  python3 - "$OUT/wrk-pg.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1)); p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {bad.group(1) if bad else 0}")
PY
}
pct() { python3 -c "print(f'{100*$1/$2:.1f}')"; }

{
  echo
  echo "## PostgreSQL beside SQLite ($(date -u +%Y-%m-%dT%H:%MZ), wrk -t2 -c$CONNS -d${SECS}s, same data, same run)"
  echo
  [ -f "$OUT/migrate-time.txt" ] && { cat "$OUT/migrate-time.txt"; echo; }
  echo "| page | bytes | nginx req/s | SQLite req/s (% nginx) | PostgreSQL req/s (% nginx) | PG/SQLite | p50 SQLite / PG ms | non-2xx |"
  echo "|---|---|---|---|---|---|---|---|"
} | tee -a "$RESULTS"
for i in "${!PAGES[@]}"; do
  read -r n_rps _ _ _ < <(measure "http://127.0.0.1:$NP/page$i.json")
  read -r s_rps s_p50 _ s_bad < <(measure "http://127.0.0.1:$SQ${PAGES[$i]}" -H "Authorization: Bearer $TOK_SQ")
  read -r p_rps p_p50 _ p_bad < <(measure "http://127.0.0.1:$PG1${PAGES[$i]}" -H "Authorization: Bearer $TOK_PG")
  echo "| ${NAMES[$i]} \`${PAGES[$i]}\` | $(stat -c %s "$OUT/nginx-pg/www/page$i.json") | $n_rps | $s_rps ($(pct "$s_rps" "$n_rps")) | $p_rps ($(pct "$p_rps" "$n_rps")) | $(python3 -c "print(f'{$p_rps/$s_rps:.2f}')") | $s_p50 / $p_p50 | $s_bad / $p_bad |" | tee -a "$RESULTS"
done
fi

# ---- writes: 8 clients, 4 on each PostgreSQL node ----
(python3 scripts/bench_writes.py "http://127.0.0.1:$PG1" "$TOK_PG" 4 "$WSECS" >"$OUT/writes-pg1.txt" 2>&1 || true) &
w1=$!
(python3 scripts/bench_writes.py "http://127.0.0.1:$PG2" "$TOK_PG" 4 "$WSECS" >"$OUT/writes-pg2.txt" 2>&1 || true) &
w2=$!
wait $w1 $w2
python3 - "$OUT/writes-pg1.txt" "$OUT/writes-pg2.txt" "$WSECS" <<'PY' | tee -a "$RESULTS"
import re, sys
tot = err = 0
lat = []
for f in sys.argv[1:3]:
    t = open(f).read()
    m = re.search(r"(\d+) writes \((\d+)/s\), (\d+) errors, p50 ([\d.]+) ms, p99 ([\d.]+) ms", t)
    if not m:
        print(f"\nwrites on PostgreSQL: {f} gave no result: {t[-300:]}")
        sys.exit(0)
    tot += int(m.group(1)); err += int(m.group(3)); lat.append((float(m.group(4)), float(m.group(5))))
secs = float(sys.argv[3])
print(f"\nwrites on PostgreSQL: 8 clients on two nodes (4 each) for {secs:.0f} s: {tot} acknowledged writes "
      f"({tot / secs:.0f}/s), {err} errors; p50 {lat[0][0]:.1f} / {lat[1][0]:.1f} ms, p99 {lat[0][1]:.1f} / {lat[1][1]:.1f} ms per node")
PY
echo "results appended to $RESULTS"
