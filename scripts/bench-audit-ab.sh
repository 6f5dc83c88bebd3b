#!/usr/bin/env bash
# Write rate on PostgreSQL, two builds side by side: 8 clients of bench_writes.py (4 per node) on NODES=2
# nodes sharing one throwaway PostgreSQL 15 (scripts/pg.sh, fsync on), on fresh copies of one `ducha gen`
# database (100,000 items, made once by BIN_A and kept in WORK); ROUNDS rounds of SECS seconds, A then B.
# STUCK=N: a session holds the audit head row (`audit_head`) for N seconds in each round.
# Usage: BIN_A=/path/old/ducha BIN_B=build/ducha scripts/bench-audit-ab.sh   (release builds)
# Used for the README figures of the audit queue + sealer against the head row.
set -euo pipefail
BIN_A=$(realpath "${BIN_A:?BIN_A=ducha binary A}"); BIN_B=$(realpath "${BIN_B:-build/ducha}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${WORK:-/tmp/ducha-bench-audit}; SECS=${SECS:-30}; ROUNDS=${ROUNDS:-3}; NODES=${NODES:-2}
cd $ROOT
mkdir -p $W
URL=$(scripts/pg.sh start $W/pg | tail -n 1)
SU=${URL/ducha@/postgres@}
base="${URL%/*}"
fp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; }
trap 'cleanup; scripts/pg.sh stop $W/pg >/dev/null 2>&1 || true' EXIT
if ! psql -X -qAt "$SU" -c "SELECT 1 FROM pg_database WHERE datname='wb_tpl'" | grep -q 1; then
  psql -X -q "$SU" -c "CREATE DATABASE wb_tpl OWNER ducha"
  rm -rf $W/tpl; mkdir -p $W/tpl
  t0=$(date +%s)
  "$BIN_A" gen --db "$base/wb_tpl" --units 1000 --items 100000 --events 500000 --set data_dir=$W/tpl >$W/gen.log 2>&1
  echo "gen: $(( $(date +%s) - t0 )) s"
fi
for r in $(seq $ROUNDS); do
  for v in a b; do
    db=wb_${v}_$r
    psql -X -q "$SU" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER ducha TEMPLATE wb_tpl"
    rm -rf $W/d_$v; mkdir -p $W/d_$v
    if [ $v = a ]; then BIN=$BIN_A; else BIN=$BIN_B; fi
    "$BIN" init --db "$base/$db" --set data_dir=$W/d_$v >/dev/null 2>&1 || true
    ports=(); pids=()
    for n in $(seq $NODES); do
      p=$(fp); ports+=($p)
      "$BIN" serve --db "$base/$db" --listen 127.0.0.1:$p --set data_dir=$W/d_$v --set log_level=warn --set scheduler=false >$W/n_${v}_$n.log 2>&1 &
      pids+=($!)
    done
    for p in "${ports[@]}"; do for _ in $(seq 600); do curl -sf http://127.0.0.1:$p/api/v1/health >/dev/null && break; sleep 0.1; done; done
    TOK=$("$BIN" token create gc_office --db "$base/$db" --set data_dir=$W/d_$v --name wb)
    per=$(( 8 / NODES )); outs=()
    for n in $(seq $NODES); do
      python3 scripts/bench_writes.py http://127.0.0.1:${ports[$((n-1))]} $TOK $per $SECS >$W/w_${v}_$n.txt 2>&1 &
      outs+=($!)
    done
    if [ -n "${STUCK:-}" ]; then  # a transaction that holds the audit head row for STUCK seconds
      sleep 2; psql -X -q "$base/$db" -c "BEGIN; SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE; SELECT pg_sleep($STUCK); COMMIT;" >/dev/null 2>&1 &
    fi
    for o in "${outs[@]}"; do wait $o || true; done
    line=""; for n in $(seq $NODES); do line="$line | $(tail -n1 $W/w_${v}_$n.txt)"; done
    echo "round $r $v load=$(cut -d' ' -f1 /proc/loadavg)$line"
    cleanup; sleep 1
    "$BIN" audit verify --db "$base/$db" --set data_dir=$W/d_$v 2>&1 | tail -n 1 | sed "s/^/  $v verify: /"
    psql -X -q "$SU" -c "DROP DATABASE $db" >/dev/null 2>&1 || true
  done
done
