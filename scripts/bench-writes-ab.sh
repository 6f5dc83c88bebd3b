#!/usr/bin/env bash
# Write rate on PostgreSQL with its breakdown, one or two builds alternated: 8 clients of bench_writes.py
# (4 per node) on two nodes sharing one throwaway PostgreSQL 15 (scripts/pg.sh, fsync and synchronous_commit
# on) with pg_stat_statements loaded, each round on a fresh copy of the demo database (`ducha demo`, as
# `BENCH_PG_PART=writes scripts/bench-pg.sh`); ROUNDS rounds of SECS seconds, A then B.
# Per round: acknowledged writes/s, errors, load average, and where the time went — per write: the clients'
# latency, the nodes' time in the handler (/metrics), statements and round trips, PostgreSQL's statement
# time (pg_stat_statements) and its COMMITs, WAL fsyncs and their time (pg_stat_wal), and the CPU seconds
# of the nodes, of the PostgreSQL backends and of the clients. TOP=N: the N statements that took longest.
# OFFICES: the demo's office users the clients write as (default gc_office: every client numbers in one office's
# series, whose row each submit holds through its COMMIT); with "gc_office ap_office" the first node's clients write
# as 古城县's office and the second's as 安平县's, two series (a province's offices number side by side).
# PORT_BASE: the nodes listen on PORT_BASE and PORT_BASE + 1 (else on free ports); PostgreSQL on WORK/pg/port when
# that file exists before the first run (scripts/pg.sh). KEEP_DB=1 keeps each round's database (wb_a_1, …) for a look
# afterwards (its pg_stat_user_functions, say, with `ALTER SYSTEM SET track_functions = 'pl'`).
# Usage: BIN_A=build/ducha [BIN_B=/path/other/ducha] scripts/bench-writes-ab.sh   (release builds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_A=$(realpath "${BIN_A:-$ROOT/build/ducha}"); BIN_B=${BIN_B:+$(realpath "$BIN_B")}
W=${WORK:-/tmp/ducha-bench-writes}; SECS=${SECS:-20}; ROUNDS=${ROUNDS:-3}; TOP=${TOP:-0}
OFFICES=${OFFICES:-gc_office}
cd "$ROOT"
mkdir -p "$W"
URL=$(scripts/pg.sh start "$W/pg" | tail -n 1)
SU=${URL/ducha@/postgres@}
base="${URL%/*}"
if [ "$(psql -X -Atq "$SU" -c 'SHOW shared_preload_libraries')" != pg_stat_statements ]; then
  psql -X -q "$SU" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" \
    -c "ALTER SYSTEM SET track_wal_io_timing = on"
  scripts/pg.sh stop "$W/pg" >/dev/null; scripts/pg.sh start "$W/pg" >/dev/null
fi
psql -X -q "$SU" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
# the nodes' ports: PORT_BASE, PORT_BASE + 1 when set (a shared machine's range), else free ones
fp() {
  if [ -n "${PORT_BASE:-}" ]; then echo $((PORT_BASE + ${#ports[@]})); return; fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
trap 'cleanup; scripts/pg.sh stop "$W/pg" >/dev/null 2>&1 || true' EXIT
# CPU seconds (user + system) of the given processes and their reaped children
cpu() { python3 -c '
import os, sys
t = 0
for p in sys.argv[1:]:
    try:
        f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        t += sum(int(x) for x in f[11:15])
    except OSError:
        pass
print(t / os.sysconf("SC_CLK_TCK"))' "$@"; }
pg_pids() { pgrep -d' ' -u postgres -f 'postgres:.*wb_' || true; }
if ! psql -X -qAt "$SU" -c "SELECT 1 FROM pg_database WHERE datname='wb_demo'" | grep -q 1; then
  psql -X -q "$SU" -c "CREATE DATABASE wb_demo OWNER ducha"
  psql -X -q "$base/wb_demo" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" 2>/dev/null || true
  "$BIN_A" init --db "$base/wb_demo" --set data_dir="$W/tpl" >/dev/null 2>&1
  "$BIN_A" demo --db "$base/wb_demo" --set data_dir="$W/tpl" >/dev/null
fi
MT=bench-writes-metrics-token
for r in $(seq "$ROUNDS"); do
  for v in a b; do
    if [ $v = a ]; then BIN=$BIN_A; else BIN=$BIN_B; fi
    [ -n "$BIN" ] || continue
    db=wb_${v}_$r
    psql -X -q "$SU" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER ducha TEMPLATE wb_demo"
    rm -rf "$W/d_$v"; cp -r "$W/tpl" "$W/d_$v"  # the demo's keys (audit.key) with it
    "$BIN" init --db "$base/$db" --set data_dir="$W/d_$v" >/dev/null 2>&1 || true
    ports=()
    for n in 1 2; do
      p=$(fp); ports+=("$p")
      "$BIN" serve --db "$base/$db" --listen "127.0.0.1:$p" --set data_dir="$W/d_$v" --set log_level=warn \
        --set scheduler=false --set metrics_token=$MT >"$W/n_${v}_$n.log" 2>&1 &
      pids+=($!)
    done
    for p in "${ports[@]}"; do
      for _ in $(seq 600); do curl -sf "http://127.0.0.1:$p/api/v1/health" >/dev/null && break; sleep 0.1; done
      curl -sf "http://127.0.0.1:$p/api/v1/health" >/dev/null || { echo "a node did not start: $(tail -n 3 "$W"/n_${v}_*.log)" >&2; exit 1; }
    done
    toks=()
    for o in $OFFICES; do toks+=("$("$BIN" token create "$o" --db "$base/$db" --set data_dir="$W/d_$v" --name wb)"); done
    for p in "${ports[@]}"; do curl -sf -H "Authorization: Bearer $MT" "http://127.0.0.1:$p/metrics" >"$W/m0_$p.txt"; done
    psql -X -q "$SU" -c "SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')" >/dev/null
    node_cpu0=$(cpu "${pids[@]}"); pg_cpu0=$(cpu $(pg_pids))
    t0=$(date +%s.%N); outs=()
    k=0
    for p in "${ports[@]}"; do
      python3 scripts/bench_writes.py "http://127.0.0.1:$p" "${toks[$((k++ % ${#toks[@]}))]}" 4 "$SECS" >"$W/w_${v}_$p.txt" 2>&1 &
      outs+=($!)
    done
    for o in "${outs[@]}"; do wait "$o" || true; done
    t1=$(date +%s.%N)
    node_cpu1=$(cpu "${pids[@]}"); pg_cpu1=$(cpu $(pg_pids))
    load=$(cut -d' ' -f1 /proc/loadavg)
    for p in "${ports[@]}"; do curl -sf -H "Authorization: Bearer $MT" "http://127.0.0.1:$p/metrics" >"$W/m1_$p.txt"; done
    psql -X -Atq -F'|' "$SU" -c "SELECT calls, total_exec_time, regexp_replace(left(query, 90), '\s+', ' ', 'g')
      FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$db')
      ORDER BY total_exec_time DESC" >"$W/pss_${v}_$r.txt"
    psql -X -Atq -F'|' "$SU" -c "SELECT wal_sync, wal_sync_time, wal_write, wal_write_time FROM pg_stat_wal" >"$W/wal_${v}_$r.txt"
    python3 - "$W" "$v" "$r" "$load" "$t0" "$t1" "$node_cpu0" "$node_cpu1" "$pg_cpu0" "$pg_cpu1" "$TOP" "${ports[@]}" <<'PY'
import re, sys
w, v, r, load, t0, t1, nc0, nc1, pc0, pc1, top = sys.argv[1:12]
ports = sys.argv[12:]
secs = float(t1) - float(t0)
writes = errs = 0
lat = []
for p in ports:
    t = open(f"{w}/w_{v}_{p}.txt").read()
    m = re.search(r"(\d+) writes \((\d+)/s\), (\d+) errors, p50 ([\d.]+) ms, p99 ([\d.]+) ms", t)
    if not m:
        print(f"round {r} {v}: no result: {t[-300:]}"); sys.exit(0)
    writes += int(m.group(1)); errs += int(m.group(3)); lat.append(m.group(4))
def metric(path, name, label=""):
    tot = 0.0
    for line in open(path):
        if line.startswith(name) and (not label or label in line):
            tot += float(line.rsplit(" ", 1)[1])
    return tot
def delta(name, label=""):
    return sum(metric(f"{w}/m1_{p}.txt", name, label) - metric(f"{w}/m0_{p}.txt", name, label) for p in ports)
POST = 'method="POST"'
reqs = delta("ducha_http_request_duration_seconds_count", POST)
handler = delta("ducha_http_request_duration_seconds_sum", POST)
stmts = delta("ducha_http_db_statements_total", POST)
trips = delta("ducha_http_db_round_trips_total", POST)
rows = [l.rstrip("\n").split("|", 2) for l in open(f"{w}/pss_{v}_{r}.txt") if l.strip()]
pg_ms = sum(float(x[1]) for x in rows)
commit = [x for x in rows if x[2].strip().upper() == "COMMIT"]
c_calls, c_ms = (int(commit[0][0]), float(commit[0][1])) if commit else (0, 0.0)
ws, wst, ww, wwt = (float(x) for x in open(f"{w}/wal_{v}_{r}.txt").read().strip().split("|"))
n = max(writes, 1)
print(f"round {r} {v}: {writes / secs:.0f} writes/s ({writes} in {secs:.0f} s), {errs} errors, load {load}; "
      f"p50 {'/'.join(lat)} ms; per write: handler {1000 * handler / max(reqs, 1):.1f} ms, "
      f"{stmts / max(reqs, 1):.1f} statements in {trips / max(reqs, 1):.1f} round trips, "
      f"PostgreSQL statements {pg_ms / n:.1f} ms (COMMIT {c_ms / max(c_calls, 1):.2f} ms x {c_calls / n:.2f}), "
      f"WAL fsync {ws / n:.2f} x {wst / max(ws, 1):.2f} ms, "
      f"CPU ducha {1000 * (float(nc1) - float(nc0)) / n:.1f} ms, PostgreSQL {1000 * (float(pc1) - float(pc0)) / n:.1f} ms")
for x in rows[:int(top)]:
    print(f"    {int(x[0]):7d} calls {float(x[1]) / max(int(x[0]), 1):8.3f} ms {float(x[1]) / n:7.3f} ms/write  {x[2]}")
PY
    cleanup; sleep 1
    "$BIN" audit verify --db "$base/$db" --set data_dir="$W/d_$v" 2>&1 | tail -n 1 | sed "s/^/  $v verify: /"
    [ "${KEEP_DB:-0}" = 1 ] || psql -X -q "$SU" -c "DROP DATABASE $db" >/dev/null 2>&1 || true
  done
done
