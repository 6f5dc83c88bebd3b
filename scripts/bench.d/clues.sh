#!/usr/bin/env bash
# make bench fragment (clues, issue 18): the public tracking page, and a flood of it from one address.
#  1. the tracking page (GET /api/v1/public/clues/{code}) on a second server with the public limits off:
#     what the page itself costs;
#  2. the same page flooded from one address (127.0.0.1) on the bench server with the default limits
#     (public_read_per_min 120, burst 60): the answers are 429 refusals, given before any database work, and
#     once the address is refused more than public_close_over_per_s times a second its connections are
#     closed at accept (wrk's socket errors);
#  3. the office's ledger page alone, then while the flood runs: its p99 side by side;
#  4. valid submissions of the public form (POST /api/v1/public/clues) at BENCH_SUBMIT_RATE per second
#     (200), each from its own address, while one address floods the same endpoint at BENCH_FLOOD_RATE
#     (5,000) requests per second, and the office's ledger page meanwhile: on a server that trusts
#     127.0.0.1 as its reverse proxy (the addresses come in X-Forwarded-For) with the default limits; the
#     public requests go to the public pages' own listener (public_listen, its threads at public_nice), the
#     office's to listen, as a reverse proxy sends them (BENCH_PUBLIC_LISTEN=0: both to listen, public_nice=0).
# The flooding wrk runs on CPU BENCH_FLOOD_CPU (default 1) alone (taskset; empty: anywhere).
# Arguments: BIN DB BASE_URL TOKEN (from scripts/bench.sh). Prints a markdown section.
set -euo pipefail
BIN=$1 DB=$2 base=$3 TOKEN=$4
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
AUTH="Authorization: Bearer $TOKEN"
OUT=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT

echo
echo "### Public clue pages (互联网+督查)"
echo

# a clue from the public form, the challenge solved as the page's script solves it: its tracking code
HERE=$(cd "$(dirname "$0")" && pwd)
code=$(python3 "$HERE/clues_submit.py" one "$base" || true)
if [ -z "$code" ]; then
  echo "the public clue form is not available: not measured"
  exit 0
fi
TRACK="/api/v1/public/clues/$code"

# the flooding client on a core of its own (BENCH_FLOOD_CPU, default 1; empty: not pinned), so that it takes at
# most that core from the server, whatever it costs itself
FLOODER=""
if [ -n "${BENCH_FLOOD_CPU-1}" ] && command -v taskset >/dev/null; then FLOODER="taskset -c ${BENCH_FLOOD_CPU-1}"; fi

stats() { # wrk output -> "req/s p50 p99 non-2xx socket-errors"
  python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1)); p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", t)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {bad.group(1) if bad else 0} {sum(map(int, sock.groups())) if sock else 0}")
PY
}

# 1. the page itself, limits off (a second server on the same database)
serve() { # a second server on the same database with the settings given: its port in PORT
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --set log_level=warn --set scheduler=false "$@" \
    >>"$OUT/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
}
serve --set public_read_per_min=0 --set public_read_global_per_s=0
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$PORT$TRACK" >"$OUT/track.txt" 2>&1
read -r k_rps k_p50 k_p99 k_bad _ < <(stats "$OUT/track.txt")
kill "${pids[0]}" 2>/dev/null || true

# 2 and 3. the ledger alone, then the ledger while one address floods the tracking page (default limits)
GC=$(curl -sf -H "$AUTH" "$base/api/v1/units?q=gc&limit=5" |
  python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
LEDGER="/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=50"
wrk -t1 -c8 -d"${SECS}s" --latency -H "$AUTH" "$base$LEDGER" >"$OUT/ledger-alone.txt" 2>&1
read -r a_rps a_p50 a_p99 _ < <(stats "$OUT/ledger-alone.txt")
# the ledger's 8 keep-alive connections are opened before the flood starts: they come from the flood's address
# (127.0.0.1), which is closed at accept once refused often enough, and an office connection opened after
# that would be closed too (a run measured 0 ledger requests so)
wrk -t1 -c8 -d"${SECS}s" --latency -H "$AUTH" "$base$LEDGER" >"$OUT/ledger-flood.txt" 2>&1 &
lpid=$!
sleep 0.5
$FLOODER wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$base$TRACK" >"$OUT/flood.txt" 2>&1
wait "$lpid"
read -r f_rps f_p50 f_p99 f_bad f_closed < <(stats "$OUT/flood.txt")
read -r b_rps b_p50 b_p99 _ < <(stats "$OUT/ledger-flood.txt")

# 4. valid submissions at RATE/s from many addresses, a flood of the same endpoint from one, the ledger
RATE=${BENCH_SUBMIT_RATE:-200} FLOOD=${BENCH_FLOOD_RATE:-5000} FCONNS=50
cc -O2 -o "$OUT/pow_solve" "$HERE/pow_solve.c" -lcrypto
if [ "${BENCH_PUBLIC_LISTEN:-1}" = 1 ]; then
  PPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  serve --set trusted_proxies=127.0.0.1 --set public_listen=127.0.0.1:$PPORT
  pbase="http://127.0.0.1:$PPORT"
else
  serve --set trusted_proxies=127.0.0.1 --set public_nice=0
  pbase="http://127.0.0.1:$PORT"
fi
sbase="http://127.0.0.1:$PORT"
wrk -t1 -c8 -d"${SECS}s" --latency -H "$AUTH" "$sbase$LEDGER" >"$OUT/ledger-alone2.txt" 2>&1
read -r c_rps c_p50 c_p99 _ < <(stats "$OUT/ledger-alone2.txt")
read -r s_sent s_ok s_rps s_p50 s_p99 s_late s_bad < <(SERVER_PID=${pids[-1]} FLOOD_GAP_MS=$((FCONNS * 1000 / FLOOD)) \
  python3 "$HERE/clues_submit.py" load "$pbase" "$RATE" "$SECS" "$OUT/pow_solve" \
  "$FLOODER wrk -t1 -c$FCONNS -d${SECS}s --latency -s $HERE/clue_flood.lua $pbase/api/v1/public/clues" \
  "wrk -t1 -c8 -d${SECS}s --latency -H '$AUTH' $sbase$LEDGER" "$OUT" 2>"$OUT/load.err" || true)

echo "| measurement | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
echo "| tracking page \`GET /api/v1/public/clues/{code}\`, limits off (wrk -t2 -c$CONNS) | $k_rps | $k_p50 | $k_p99 | $k_bad |"
echo "| the same page flooded from one address, default limits (wrk -t1 -c$CONNS): 429 refusals, then $f_closed connections closed at accept (public_close_over_per_s) | $f_rps | $f_p50 | $f_p99 | $f_bad |"
echo "| office ledger page alone (wrk -t1 -c8) | $a_rps | $a_p50 | $a_p99 | 0 |"
echo "| office ledger page during the flood (wrk -t1 -c8) | $b_rps | $b_p50 | $b_p99 | 0 |"
if [ -n "${s_ok:-}" ]; then
  read -r g_rps g_p50 g_p99 _ < <(stats "$OUT/flood2.txt")
  read -r _ g_refused g_other < <(grep '^FLOOD' "$OUT/flood2.txt")
  read -r d_rps d_p50 d_p99 _ < <(stats "$OUT/ledger-load.txt")
  echo "| valid submissions \`POST /api/v1/public/clues\` at $RATE/s from $s_sent addresses, during the flood below: $s_ok accepted | $s_rps | $s_p50 | $s_p99 | $s_bad |"
  echo "| flood of the same endpoint from one address (wrk -t1 -c$FCONNS, paced at $FLOOD/s): $g_refused refused (429), $g_other answered otherwise | $g_rps | $g_p50 | $g_p99 | $((g_refused + g_other)) |"
  echo "| office ledger page alone, same server (wrk -t1 -c8) | $c_rps | $c_p50 | $c_p99 | 0 |"
  echo "| office ledger page during the submissions and the flood (wrk -t1 -c8) | $d_rps | $d_p50 | $d_p99 | 0 |"
  echo
  echo "$(head -c 1200 "$OUT/load.err"); the submissions' p99 lateness against their schedule: $s_late ms."
  if [ "${BENCH_PUBLIC_LISTEN:-1}" = 1 ]; then
    echo "The submissions and their flood went to the public pages' own listener (public_listen, default public_nice), the ledger to listen."
  else
    echo "The submissions, their flood and the ledger went to the one listener (public_nice=0)."
  fi
fi
echo
echo "The flood's answers are refusals (all but the first burst of 60 are 429, counted as non-2xx); the ledger's"
echo "p99 during the flood against alone is the cost the flood imposes on the office on this machine."
