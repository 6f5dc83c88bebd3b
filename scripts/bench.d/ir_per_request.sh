#!/usr/bin/env bash
# Instructions per request (callgrind), a figure the machine's load does not move (issue 13): starts BIN serve
# on DB under valgrind's callgrind, warms each page up with WARM requests, zeroes the counters, sends N
# requests one at a time and reads the instructions executed by the server (every thread) from the dump.
#   scripts/bench.d/ir_per_request.sh BIN DB TOKEN PORT PATH... (N=50 WARM=5 by default)
# Prints "PATH Ir/request". The figures count ducha's, SQLite's and the libraries' user-space instructions,
# not the kernel's (the socket) nor waits; only inside the request handler (on_request: routing, the
# credential check, the handler, the answer built), not libmicrohttpd's parsing and sending nor background threads.
set -euo pipefail
BIN=$1 DB=$2 TOKEN=$3 PORT=$4
shift 4
N=${N:-50} WARM=${WARM:-5}
out=$(mktemp -d)
trap 'kill $vp 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT
valgrind --tool=callgrind --collect-atstart=no --toggle-collect=on_request --callgrind-out-file="$out/cg.%p" --dump-instr=no --collect-jumps=no \
  "$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --set log_level=warn --set scheduler=false >"$out/log" 2>&1 &
vp=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
for path in "$@"; do
  for _ in $(seq "$WARM"); do curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path"; done
  callgrind_control -z "$vp" >/dev/null 2>&1
  for _ in $(seq "$N"); do curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path"; done
  rm -f "$out"/cg.*.*
  callgrind_control -d "$vp" >/dev/null 2>&1
  sleep 0.5
  ir=$(cat "$out"/cg.*.* 2>/dev/null | awk '/^summary:/ {s += $2} END {print s + 0}')
  echo "$path $((ir / N))"
done
