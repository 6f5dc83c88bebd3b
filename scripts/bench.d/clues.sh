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
#     office's to listen, as a reverse proxy sends them (BENCH_PUBLIC_LISTEN=0: both to listen, public_nice=0);
#  5. the same with a 2.2 MB photo in each submission at BENCH_PHOTO_RATE per second (50; 0: not measured), the
#     photo worker storing them after the answer: how long after the last answer every photo was stored.
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

# a free port in PORT: the kernel's choice, or the next of BENCH_PORTS (a range of one's own: "20010-20099")
next_port=${BENCH_PORTS:-}
next_port=${next_port%-*}
free_port() {
  if [ -n "${BENCH_PORTS:-}" ]; then
    PORT=$next_port
    next_port=$((next_port + 1))
  else
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  fi
}
serve() { # a second server on the same database with the settings given: its port in PORT
  free_port
  "$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --set log_level=warn --set scheduler=false "$@" \
    >>"$OUT/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
}
# 1. the page itself, limits off (a second server on the same database)
serve --set public_read_per_min=0 --set public_read_global_per_s=0
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$PORT$TRACK" >"$OUT/track.txt" 2>&1
read -r k_rps k_p50 k_p99 k_bad _ < <(stats "$OUT/track.txt")
kill "${pids[0]}" 2>/dev/null || true

# 2 and 3. the ledger alone, then the ledger while one address floods the tracking page (default limits)
GC=$(curl -sf -H "$AUTH" "$base/api/v1/units?q=gc&limit=5" |
  python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
LEDGER="/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=50"
# the ledger's client: 8 connections asking BENCH_LEDGER_RATE pages a second in all (100; paced.lua; 0: as fast as
# they are answered, which measures the CPU left over rather than what an office user waits)
export PACE_DIR=$HERE LEDGER_RATE=${BENCH_LEDGER_RATE:-100}
LRATE=$LEDGER_RATE
LEDGER_PACE=$([ "$LRATE" -gt 0 ] && echo "paced at $LRATE/s" || echo "unpaced")
LWRK="wrk -t1 -c8 -d${SECS}s --latency -s $HERE/paced.lua"
$LWRK -H "$AUTH" "$base$LEDGER" >"$OUT/ledger-alone.txt" 2>&1
read -r a_rps a_p50 a_p99 _ < <(stats "$OUT/ledger-alone.txt")
# the ledger's 8 keep-alive connections are opened before the flood starts: they come from the flood's address
# (127.0.0.1), which is closed at accept once refused often enough, and an office connection opened after
# that would be closed too (a run measured 0 ledger requests so)
$LWRK -H "$AUTH" "$base$LEDGER" >"$OUT/ledger-flood.txt" 2>&1 &
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
  free_port
  PPORT=$PORT
  serve --set trusted_proxies=127.0.0.1 --set public_listen=127.0.0.1:$PPORT
  pbase="http://127.0.0.1:$PPORT"
else
  serve --set trusted_proxies=127.0.0.1 --set public_nice=0
  pbase="http://127.0.0.1:$PORT"
fi
sbase="http://127.0.0.1:$PORT"
$LWRK -H "$AUTH" "$sbase$LEDGER" >"$OUT/ledger-alone2.txt" 2>&1
read -r c_rps c_p50 c_p99 _ < <(stats "$OUT/ledger-alone2.txt")
# submissions at $2 a second (their outputs under directory $1), the flood and the ledger beside them; prints the
# client's "sent ok rate p50 p99 late errors", or nothing when the form could not be measured
load() {
  mkdir -p "$1"
  SERVER_PID=${pids[-1]} FLOOD_RATE=$FLOOD python3 "$HERE/clues_submit.py" load "$pbase" "$2" \
    "$SECS" "$OUT/pow_solve" \
    "$FLOODER wrk -t1 -c$FCONNS -d${SECS}s --latency -s $HERE/clue_flood.lua $pbase/api/v1/public/clues" \
    "$LWRK -H '$AUTH' $sbase$LEDGER" "$1" 2>"$1/load.err" || true
}
read -r s_sent s_ok s_rps s_p50 s_p99 s_late s_bad < <(load "$OUT/text" "$RATE")

# 5. the same with a photo in every submission (a phone's 2.2 MB JPEG with its camera and GPS location in Exif) at
#    BENCH_PHOTO_RATE per second (50), the flood and the ledger beside them as in 4.: the submission keeps the photo
#    as sent; the photo worker (ducha-photos, public_nice) strips and stores it after the answer, and the client
#    waits until the worker has stored them all (the database read by SQLite, read only)
PRATE=${BENCH_PHOTO_RATE:-50}
if [ -n "${s_ok:-}" ] && [ "$PRATE" != 0 ] && [ -f "$DB" ] && python3 -c 'import PIL' 2>/dev/null; then
  python3 - "$OUT/photo.jpg" <<'PY'
import sys
from PIL import Image
w, h = 3000, 2000
base, noise = Image.linear_gradient("L").resize((w, h)), Image.effect_noise((w, h), 24)
img = Image.merge("RGB", (base, noise, Image.blend(base, noise, 0.5)))
ex = Image.Exif()
ex[0x010F] = "BenchPhone"
ex[0x8825] = {1: "N", 2: (36.0, 12.0, 30.5), 3: "E", 4: (111.0, 40.0, 10.0)}
img.save(sys.argv[1], "JPEG", quality=85, exif=ex.tobytes())
PY
  read -r p_sent p_ok p_rps p_p50 p_p99 p_late p_bad < <(CLUE_PHOTO=$OUT/photo.jpg CLUE_DB=$DB load "$OUT/photo" "$PRATE")
fi

# the rows of a load run: directory, what was sent, then the client's figures
load_rows() {
  local dir=$1 what=$2 sent=$3 ok=$4 rps=$5 p50=$6 p99=$7 bad=$9
  local f_rps f_p50 f_p99 closed refused other l_rps l_p50 l_p99
  read -r f_rps f_p50 f_p99 _ closed < <(stats "$dir/flood2.txt")
  read -r _ refused other < <(grep '^FLOOD' "$dir/flood2.txt")
  read -r l_rps l_p50 l_p99 _ < <(stats "$dir/ledger-load.txt")
  echo "| valid submissions \`POST /api/v1/public/clues\` $what from $sent addresses, during the flood below: $ok accepted | $rps | $p50 | $p99 | $bad |"
  echo "| flood of the same endpoint from one address (wrk -t1 -c$FCONNS, $FLOOD/s scheduled): $refused refused (429), $closed connections closed at accept, $other answered otherwise; $(((refused + closed + other) / SECS)) attempts a second | $f_rps | $f_p50 | $f_p99 | $((refused + other)) |"
  echo "| office ledger page during the submissions and the flood (wrk -t1 -c8, $LEDGER_PACE) | $l_rps | $l_p50 | $l_p99 | 0 |"
}

echo "| measurement | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
echo "| tracking page \`GET /api/v1/public/clues/{code}\`, limits off (wrk -t2 -c$CONNS) | $k_rps | $k_p50 | $k_p99 | $k_bad |"
echo "| the same page flooded from one address, default limits (wrk -t1 -c$CONNS): 429 refusals, then $f_closed connections closed at accept (public_close_over_per_s) | $f_rps | $f_p50 | $f_p99 | $f_bad |"
echo "| office ledger page alone (wrk -t1 -c8, $LEDGER_PACE) | $a_rps | $a_p50 | $a_p99 | 0 |"
echo "| office ledger page during the flood (wrk -t1 -c8, $LEDGER_PACE) | $b_rps | $b_p50 | $b_p99 | 0 |"
if [ -n "${s_ok:-}" ]; then
  echo "| office ledger page alone, the submissions' server (wrk -t1 -c8, $LEDGER_PACE) | $c_rps | $c_p50 | $c_p99 | 0 |"
  load_rows "$OUT/text" "at $RATE/s" "$s_sent" "$s_ok" "$s_rps" "$s_p50" "$s_p99" "$s_late" "$s_bad"
  [ -n "${p_ok:-}" ] && load_rows "$OUT/photo" "**each with a $(($(stat -c %s "$OUT/photo.jpg") / 1024)) KiB photo** at $PRATE/s" \
    "$p_sent" "$p_ok" "$p_rps" "$p_p50" "$p_p99" "$p_late" "$p_bad"
  echo
  echo "$(head -c 1600 "$OUT/text/load.err"); the submissions' p99 lateness against their schedule: $s_late ms."
  if [ -n "${p_ok:-}" ]; then
    echo
    echo "With photos: $(head -c 1600 "$OUT/photo/load.err"); the submissions' p99 lateness: $p_late ms."
  fi
  if [ "${BENCH_PUBLIC_LISTEN:-1}" = 1 ]; then
    echo "The submissions and their flood went to the public pages' own listener (public_listen, default public_nice), the ledger to listen."
  else
    echo "The submissions, their flood and the ledger went to the one listener (public_nice=0)."
  fi
fi
echo
echo "The flood's answers are refusals (all but the first burst of 60 are 429, counted as non-2xx); the ledger's"
echo "p99 during the flood against alone is the cost the flood imposes on the office on this machine."
