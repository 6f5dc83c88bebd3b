#!/usr/bin/env bash
# make bench: performance figures, measured with wrk on loopback in one run, with nginx serving each
# endpoint's own bytes as a static file as its ceiling. Prints requests/s, p50/p99 latency and the ratio to nginx, the
# server's RSS, and the write rate of concurrent registrations. Writes build/bench/results.md.
#
# Environment: BENCH_ITEMS (default 1000000), BENCH_UNITS (10000), BENCH_EVENTS (5000000),
# BENCH_SECONDS (10 per read measurement), BENCH_CONNS (32), BENCH_DB (reuse a generated database).
set -euo pipefail
CALLER=$PWD
cd "$(dirname "$0")/.."
BIN=$PWD/build/ducha
OUT=$PWD/build/bench
mkdir -p "$OUT"
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
ITEMS=${BENCH_ITEMS:-1000000}
UNITS=${BENCH_UNITS:-10000}
EVENTS=${BENCH_EVENTS:-5000000}
DB=${BENCH_DB:-$OUT/bench.db}
case $DB in /*) ;; *) DB=$CALLER/$DB ;; esac   # the parts below run from other directories
RESULTS=$OUT/results.md
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- data ----
if [ ! -f "$DB" ]; then
  if "$BIN" gen --help >/dev/null 2>&1; then
    echo "generating $UNITS units, $ITEMS items, $EVENTS events into $DB"
    /usr/bin/time -f "gen: %e s, max RSS %M KB" "$BIN" gen --db "$DB" --units "$UNITS" --items "$ITEMS" --events "$EVENTS"
  else
    echo "ducha gen is not available: benchmarking the demo database"
    "$BIN" demo --db "$DB" >/dev/null
  fi
fi

# ---- ducha ----
"$BIN" init --db "$DB" 2>/dev/null   # apply any new migrations before the clock starts
DPORT=$(free_port)
"$BIN" serve --db "$DB" --listen 127.0.0.1:$DPORT --set log_level=warn --set scheduler=false >"$OUT/serve.log" 2>&1 &
DPID=$!; pids+=($DPID)
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$DPORT/api/v1/health" >/dev/null && break; sleep 0.1; done
TOKEN=$("$BIN" token create gc_office --db "$DB" --name bench)
AUTH="Authorization: Bearer $TOKEN"
base="http://127.0.0.1:$DPORT"

# endpoints: the ledger page (50 items, state + unit subtree, as a county office user) and an item with
# its timeline when the items API exists; otherwise the units list
if curl -sf -H "$AUTH" "$base/api/v1/items?limit=1" >/dev/null 2>&1; then
  GC=$(curl -sf -H "$AUTH" "$base/api/v1/units?q=gc&limit=5" | python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
  LEDGER="/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=50"
  ITEM_ID=$(curl -sf -H "$AUTH" "$base$LEDGER" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["items"][0]["id"] if d.get("items") else "")')
  DETAIL="/api/v1/items/$ITEM_ID"
  TIMELINE="/api/v1/items/$ITEM_ID/events"
else
  LEDGER="/api/v1/units?kind=department&limit=50"
  DETAIL="/api/v1/units/1"
  TIMELINE="/api/v1/audit?limit=50"
fi
curl -sf -H "$AUTH" "$base$LEDGER" >"$OUT/ledger.json"
curl -sf -H "$AUTH" "$base$DETAIL" >"$OUT/detail.json"
curl -sf -H "$AUTH" "$base$TIMELINE" >"$OUT/timeline.json"

# ---- nginx ceiling: each endpoint's own bytes as a static file ----
NPORT=$(free_port)
mkdir -p "$OUT/nginx/www" "$OUT/nginx/logs"
cp "$OUT/ledger.json" "$OUT/detail.json" "$OUT/timeline.json" "$OUT/nginx/www/"
cat >"$OUT/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  server { listen 127.0.0.1:$NPORT; root $OUT/nginx/www; }
}
NGINX
nginx -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NPORT/ledger.json" >/dev/null && break; sleep 0.1; done

# runs wrk; prints "rps p50_ms p99_ms"
measure() {
  local url=$1; shift
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" >"$OUT/wrk.txt" 2>&1
  python3 - "$OUT/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(\w+)", v).groups(); n = float(n)
    return n * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1)); p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {non2xx.group(1) if non2xx else 0}")
PY
}

read -r n_rps n_p50 n_p99 _ < <(measure "http://127.0.0.1:$NPORT/ledger.json")
read -r l_rps l_p50 l_p99 l_err < <(measure "$base$LEDGER" -H "$AUTH")
read -r nd_rps _ < <(measure "http://127.0.0.1:$NPORT/detail.json")
read -r d_rps d_p50 d_p99 d_err < <(measure "$base$DETAIL" -H "$AUTH")
read -r nt_rps _ < <(measure "http://127.0.0.1:$NPORT/timeline.json")
read -r t_rps t_p50 t_p99 t_err < <(measure "$base$TIMELINE" -H "$AUTH")
RSS=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$DPID/status)

ratio() { python3 -c "print(f'{100*$1/$2:.1f}')"; }
body_bytes() { stat -c %s "$OUT/$1.json"; }
{
  echo "# ducha benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t2 -c$CONNS -d${SECS}s)"
  echo
  echo "dataset: $DB ($(du -h "$DB" | cut -f1)); each endpoint beside nginx serving its own bytes as a static file"
  echo
  echo "| endpoint | bytes | req/s | p50 ms | p99 ms | non-2xx | nginx req/s (same bytes) | % of nginx |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| ledger page \`$LEDGER\` | $(body_bytes ledger) | $l_rps | $l_p50 | $l_p99 | $l_err | $n_rps (p50 $n_p50, p99 $n_p99 ms) | $(ratio "$l_rps" "$n_rps") |"
  echo "| detail \`$DETAIL\` | $(body_bytes detail) | $d_rps | $d_p50 | $d_p99 | $d_err | $nd_rps | $(ratio "$d_rps" "$nd_rps") |"
  echo "| timeline \`$TIMELINE\` | $(body_bytes timeline) | $t_rps | $t_p50 | $t_p99 | $t_err | $nt_rps | $(ratio "$t_rps" "$nt_rps") |"
  echo
  echo "ducha peak RSS: ${RSS} MB"
} | tee "$RESULTS"

# ---- writes: 8 clients registering items for 30 s (needs the items API) ----
if [ -x scripts/bench-writes.sh ]; then
  scripts/bench-writes.sh "$base" "$TOKEN" | tee -a "$RESULTS"
fi
# ---- further benchmarks registered by other modules: the fragments of scripts/bench.d, each saying so on its second
# line ("# make bench fragment"), called with BIN DB BASE TOKEN; the other scripts there are tools the scenarios and
# people call with their own arguments (results.sh by bench-province.sh, ir_per_request.sh) ----
for extra in scripts/bench.d/*.sh; do
  if [ -x "$extra" ] && sed -n 2p "$extra" | grep -q '^# make bench fragment'; then
    "$extra" "$BIN" "$DB" "$base" "$TOKEN" | tee -a "$RESULTS"
  fi
done
echo "results written to $RESULTS"
