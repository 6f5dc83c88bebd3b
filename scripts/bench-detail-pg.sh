#!/usr/bin/env bash
# Item detail on SQLite and on PostgreSQL with the same data, alternated: `ducha gen` (UNITS, ITEMS) into a
# SQLite database, moved to a throwaway PostgreSQL 15 (scripts/pg.sh) with `ducha migrate-data`, one node on
# each; then ROUNDS rounds of `wrk -t2 -c$CONNS -d${SECS}s` on GET /api/v1/items/{id} (an item in progress of
# 古城县, as 古城县's 督查室), SQLite then PostgreSQL, with the load average and each node's statements and
# round trips per request (/metrics) and CPU time per request (the node's, and the PostgreSQL backends' of the
# database: /proc). Both databases are kept in WORK between runs (`rm -rf` it to start over).
# BIN2 (another release build, e.g. main's) adds two nodes of it on the same databases, alternated with BIN's
# in every round, for a before/after. AUTH=cookie signs in as 古城县's 督查室 (password $DEMO_PASSWORD, default Demo2026) and
# sends the session cookie instead of a bearer token.
# SOCKET=1: one more PostgreSQL node per build, which reaches the server through its Unix socket, not loopback TCP.
# PORT_BASE: the nodes listen on PORT_BASE, PORT_BASE + 1, … (else on free ports); PostgreSQL on WORK/pg/port when
# that file exists before the first run (scripts/pg.sh).
# Usage: BIN=build/ducha [BIN2=/tmp/ducha-main] scripts/bench-detail-pg.sh   (release builds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${BIN:-$ROOT/build/ducha}")
BIN2=${BIN2:+$(realpath "$BIN2")}
AUTH=${AUTH:-bearer}
W=${WORK:-/tmp/ducha-bench-detail}; SECS=${SECS:-5}; CONNS=${CONNS:-8}; ROUNDS=${ROUNDS:-3}
UNITS=${UNITS:-200}; ITEMS=${ITEMS:-10000}
cd "$ROOT"
mkdir -p "$W"
URL=$(scripts/pg.sh start "$W/pg" | tail -n 1)
SU=${URL/ducha@/postgres@}
PGDB="${URL%/*}/detail"
# the nodes' ports: PORT_BASE, PORT_BASE + 1, … when set (a shared machine's range), else free ones
NEXT_PORT=${PORT_BASE:-}
fp() {
  if [ -n "$NEXT_PORT" ]; then echo "$NEXT_PORT"; return; fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
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
# CPU seconds (user + system) of the given processes: a node and the PostgreSQL backends of the database
cpu() { python3 -c '
import os, sys
t = 0
for p in sys.argv[1:]:
    try:
        t += sum(int(x) for x in open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[11:13])
    except OSError:
        pass
print(t / os.sysconf("SC_CLK_TCK"))' "$@"; }
pg_pids() { pgrep -d' ' -u postgres -f 'postgres: ducha detail' || true; }
# node NAME BINARY DB: starts a node, its port in PORT_NAME
node() {
  local p; p=$(fp)
  "$2" serve --db "$3" --listen "127.0.0.1:$p" --set data_dir="$W/data" --set log_level=warn \
    --set scheduler=false --set metrics_token=$MT >"$W/$1.log" 2>&1 &
  pids+=($!)
  printf -v "PORT_$1" %s "$p"
  printf -v "PID_$1" %s "$!"
  [ -z "$NEXT_PORT" ] || NEXT_PORT=$((NEXT_PORT + 1))
}
node sqlite "$BIN" "$W/detail.db"; node postgres "$BIN" "$PGDB"
builds="a"; backends="sqlite postgres"
if [ -n "$BIN2" ]; then node sqlite2 "$BIN2" "$W/detail.db"; node postgres2 "$BIN2" "$PGDB"; builds="a b"; fi
# SOCKET=1: one more PostgreSQL node per build that connects through the server's Unix socket (a node on the
# database's host) instead of loopback TCP, measured in the same rounds
if [ "${SOCKET:-0}" = 1 ]; then
  sock=$W/pg; [ -f "$W/pg/rundir" ] && sock=$(cat "$W/pg/rundir")
  UNIXDB="postgres:///detail?host=$sock&port=$(cat "$W/pg/port")&user=ducha"
  node pgunix "$BIN" "$UNIXDB"; backends="$backends pgunix"
  [ -z "$BIN2" ] || node pgunix2 "$BIN2" "$UNIXDB"
fi
SQ=$PORT_sqlite; PG=$PORT_postgres
for p in $SQ $PG ${PORT_sqlite2:-} ${PORT_postgres2:-} ${PORT_pgunix:-} ${PORT_pgunix2:-}; do
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$p/api/v1/health" >/dev/null && break; sleep 0.1; done
done
TSQ=$("$BIN" token create gc_office --db "$W/detail.db" --set data_dir="$W/data" --name detail)
TPG=$("$BIN" token create gc_office --db "$PGDB" --set data_dir="$W/data" --name detail)
GC=$(curl -sf -H "Authorization: Bearer $TSQ" "http://127.0.0.1:$SQ/api/v1/units?q=gc&limit=5" |
  python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
ITEM=$(curl -sf -H "Authorization: Bearer $TSQ" "http://127.0.0.1:$SQ/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
PATHQ="/api/v1/items/$ITEM"
cmp <(curl -sf -H "Authorization: Bearer $TSQ" "http://127.0.0.1:$SQ$PATHQ") \
    <(curl -sf -H "Authorization: Bearer $TPG" "http://127.0.0.1:$PG$PATHQ") \
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
# the credential header of a request to the node at port $1 with the database's token $2
cred() {
  if [ "$AUTH" = bearer ]; then echo "Authorization: Bearer $2"; return; fi
  local jar; jar=$(mktemp)
  curl -sf -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"username\":\"gc_office\",\"password\":\"${DEMO_PASSWORD:-Demo2026}\"}" \
    "http://127.0.0.1:$1/api/v1/session" >/dev/null
  echo "Cookie: ducha_session=$(awk '$6 == "ducha_session" {print $7}' "$jar")"
  rm -f "$jar"
}
echo "item detail $PATHQ, wrk -t2 -c$CONNS -d${SECS}s, ducha gen --units $UNITS --items $ITEMS, $AUTH${SOCKET:+, SOCKET=$SOCKET}"
echo "a: $BIN${BIN2:+, b: $BIN2}"
for r in $(seq "$ROUNDS"); do
  line="round $r:"
  for v in $builds; do
    for b in $backends; do
      n=$b; [ $v = b ] && n=${b}2
      p=$(eval echo "\$PORT_$n")
      if [ $b = sqlite ]; then t=$TSQ; else t=$TPG; fi
      h=$(cred "$p" "$t")
      read -r n0 s0 t0 < <(usage "$p")
      pid=$(eval echo "\$PID_$n"); c0=$(cpu "$pid"); d0=$(cpu $(pg_pids))
      rps=$(wrk -t2 -c"$CONNS" -d"${SECS}s" -H "$h" "http://127.0.0.1:$p$PATHQ" |
        awk '/Non-2xx/ {bad=$NF} /Requests\/sec/ {rps=$2} END {print rps (bad ? " (" bad " non-2xx)" : "")}')
      read -r n1 s1 t1 < <(usage "$p")
      c1=$(cpu "$pid"); d1=$(cpu $(pg_pids))
      cost=$(python3 -c "n=max($n1-$n0,1); print(f'{($s1-$s0)/n:.1f} statements, {($t1-$t0)/n:.1f} round trips, CPU {1e6*($c1-$c0+$d1-$d0)/n:.0f} µs = node {1e6*($c1-$c0)/n:.0f} + PostgreSQL {1e6*($d1-$d0)/n:.0f}')")
      line="$line $v $b $rps req/s ($cost), load $(cut -d' ' -f1 /proc/loadavg);"
    done
  done
  echo "$line"
done
