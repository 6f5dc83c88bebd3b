#!/usr/bin/env bash
# make bench fragment (clues, issue 18): the public tracking page, and a flood of it from one address.
#  1. the tracking page (GET /api/v1/public/clues/{code}) on a second server with the public limits off:
#     what the page itself costs;
#  2. the same page flooded from one address (127.0.0.1) on the bench server with the default limits
#     (public_read_per_min 120, burst 60): the answers are 429 refusals, given before any database work;
#  3. the office's ledger page alone, then while the flood runs: its p99 side by side.
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

# a clue from the public form, the challenge solved here as the page's script solves it: its tracking code
code=$(python3 - "$base" <<'PY' || true
import hashlib, json, sys, urllib.request, uuid
base = sys.argv[1]
def call(method, path, body=None, ctype="application/json"):
    req = urllib.request.Request(base + path, data=body, method=method, headers={"Content-Type": ctype})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())
form = call("GET", "/api/v1/public/clue-form")
area = next(a["id"] for a in form["areas"] if "城关镇" in a["name"])
ch = call("POST", "/api/v1/public/challenges", json.dumps({"form": "clue"}).encode())
n = 0
while int.from_bytes(hashlib.sha256(f"{ch['token']}:{n}".encode()).digest(), "big") >> (256 - ch["bits"]):
    n += 1
fields = {"category": "safety", "area_id": area, "place": "解放路", "challenge": ch["token"], "solution": n,
          "description": "基准测试：解放路井盖破损缺失，夜间有行人跌倒，反映两周无人处理。"}
b = "----bench" + uuid.uuid4().hex
body = "".join(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields.items())
body += f"--{b}--\r\n"
print(call("POST", "/api/v1/public/clues", body.encode(), "multipart/form-data; boundary=" + b)["tracking_code"])
PY
)
if [ -z "$code" ]; then
  echo "the public clue form is not available: not measured"
  exit 0
fi
TRACK="/api/v1/public/clues/$code"

stats() { # wrk output -> "req/s p50 p99 non-2xx"
  python3 - "$1" <<'PY'
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

# 1. the page itself, limits off (a second server on the same database)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --set log_level=warn --set scheduler=false \
  --set public_read_per_min=0 --set public_read_global_per_s=0 >"$OUT/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$PORT$TRACK" >"$OUT/track.txt" 2>&1
read -r k_rps k_p50 k_p99 k_bad < <(stats "$OUT/track.txt")
kill "${pids[0]}" 2>/dev/null || true

# 2 and 3. the ledger alone, then the ledger while one address floods the tracking page (default limits)
GC=$(curl -sf -H "$AUTH" "$base/api/v1/units?q=gc&limit=5" |
  python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
LEDGER="/api/v1/items?state=in_progress&unit=$GC&subtree=1&limit=50"
wrk -t1 -c8 -d"${SECS}s" --latency -H "$AUTH" "$base$LEDGER" >"$OUT/ledger-alone.txt" 2>&1
read -r a_rps a_p50 a_p99 _ < <(stats "$OUT/ledger-alone.txt")
wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$base$TRACK" >"$OUT/flood.txt" 2>&1 &
fpid=$!
wrk -t1 -c8 -d"${SECS}s" --latency -H "$AUTH" "$base$LEDGER" >"$OUT/ledger-flood.txt" 2>&1
wait "$fpid"
read -r f_rps f_p50 f_p99 f_bad < <(stats "$OUT/flood.txt")
read -r b_rps b_p50 b_p99 _ < <(stats "$OUT/ledger-flood.txt")

echo "| measurement | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
echo "| tracking page \`GET /api/v1/public/clues/{code}\`, limits off (wrk -t2 -c$CONNS) | $k_rps | $k_p50 | $k_p99 | $k_bad |"
echo "| the same page flooded from one address, default limits (wrk -t1 -c$CONNS): 429 refusals | $f_rps | $f_p50 | $f_p99 | $f_bad |"
echo "| office ledger page alone (wrk -t1 -c8) | $a_rps | $a_p50 | $a_p99 | 0 |"
echo "| office ledger page during the flood (wrk -t1 -c8) | $b_rps | $b_p50 | $b_p99 | 0 |"
echo
echo "The flood's answers are refusals (all but the first burst of 60 are 429, counted as non-2xx); the ledger's"
echo "p99 during the flood against alone is the cost the flood imposes on the office on this machine."
