#!/usr/bin/env bash
# make bench fragment (inspections; bench.d/inspections.sh BIN DB BASE TOKEN): the no-duplication check (POST /api/v1/inspections/duplicates)
# against ten years of annual plans and inspections of every government of the benchmark database (10,000
# units), as 古城县's office. `ducha gen-inspections` fills the plans once (a database that has them is
# reused). The target: under 20 ms per check (p50). nginx serving the same response bytes is the ceiling.
set -euo pipefail
BIN=$1 DB=$2 base=$3 TOKEN=$4
OUT=$(dirname "$DB")/inspections
mkdir -p "$OUT"
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
AUTH="Authorization: Bearer $TOKEN"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

/usr/bin/time -f "gen-inspections: %e s" "$BIN" gen-inspections --db "$DB" >&2

# the probe: 50 departments and townships of 古城县 (the most a check takes) over this whole year
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
GC=$(curl -sf -H "$AUTH" "$base/api/v1/units?q=gc&limit=5" | json '[u["id"] for u in d["units"] if u["code"]=="gc"][0]')
DEPTS=$(curl -sf -H "$AUTH" "$base/api/v1/units?parent_id=$GC&limit=500" | json '",".join(str(u["id"]) for u in [u for u in d["units"] if u["kind"] in ("department", "township")][:50])')
YEAR=$(date +%Y)
BODY="{\"subject\":\"安全生产专项督查\",\"matters\":\"检查安全生产责任落实、隐患排查整治情况\",\"target_unit_ids\":[$DEPTS],\"start_date\":\"$YEAR-01-01\",\"end_date\":\"$YEAR-12-31\",\"office_unit_id\":$GC}"
curl -sf -H "$AUTH" -H 'Content-Type: application/json' -d "$BODY" "$base/api/v1/inspections/duplicates" >"$OUT/dups.json"
FOUND=$(json 'len(d["duplicates"])' <"$OUT/dups.json")
SIZE=$(stat -c %s "$OUT/dups.json")
CANDIDATES=$(python3 - "$DB" "$DEPTS" "$YEAR" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
units = [int(x) for x in sys.argv[2].split(",")]
y = sys.argv[3]
q = "SELECT COUNT(*) FROM insp_dup_index WHERE unit_id IN (%s) AND start_date <= ? AND end_date >= ?" % ",".join("?" * len(units))
print(db.execute(q, units + [y + "-12-31", y + "-01-01"]).fetchone()[0], db.execute("SELECT COUNT(*) FROM insp_dup_index").fetchone()[0],
      db.execute("SELECT COUNT(*) FROM insp_entries").fetchone()[0], db.execute("SELECT COUNT(*) FROM inspections").fetchone()[0])
PY
)
read -r cand index entries inspections <<<"$CANDIDATES"

# nginx: the same bytes, the ceiling
NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$OUT/nginx/www" "$OUT/nginx/logs"
cp "$OUT/dups.json" "$OUT/nginx/www/dups.json"
cat >"$OUT/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; default_type application/json; server { listen 127.0.0.1:$NPORT; root $OUT/nginx/www; } }
NGINX
nginx -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NPORT/dups.json" >/dev/null && break; sleep 0.1; done

cat >"$OUT/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
measure() {
  local url=$1; shift
  local threads=2; [ "$CONNS" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" >"$OUT/wrk.txt" 2>&1
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
read -r n_rps n_p50 n_p99 _ < <(measure "http://127.0.0.1:$NPORT/dups.json")
# one connection: the time of one check, not of a queue of 32
read -r s_rps s_p50 s_p99 s_err < <(CONNS=1 measure "$base/api/v1/inspections/duplicates" -H "$AUTH" -s "$OUT/post.lua")
read -r d_rps d_p50 d_p99 d_err < <(measure "$base/api/v1/inspections/duplicates" -H "$AUTH" -s "$OUT/post.lua")
verdict=$(python3 -c "print('under 20 ms: yes' if $s_p50 < 20 else 'under 20 ms: NO')")
echo
echo "### inspections: the no-duplication check"
echo
echo "data: $entries plan entries and $inspections inspections of 10 years ($index index rows); the probe's $(($(echo "$DEPTS" | tr -cd , | wc -c) + 1)) units"
echo "and window meet $cand of them; $FOUND similar ones found; response $SIZE bytes"
echo
echo "| endpoint | conns | req/s | p50 ms | p99 ms | non-2xx | % of nginx |"
echo "|---|---|---|---|---|---|---|"
echo "| nginx static file ($SIZE B) | $CONNS | $n_rps | $n_p50 | $n_p99 | 0 | 100 |"
echo "| POST /api/v1/inspections/duplicates | 1 | $s_rps | $s_p50 | $s_p99 | $s_err | - |"
echo "| POST /api/v1/inspections/duplicates | $CONNS | $d_rps | $d_p50 | $d_p99 | $d_err | $(python3 -c "print(f'{100*$d_rps/$n_rps:.1f}')") |"
echo
echo "per check (one connection, p50): $s_p50 ms — $verdict"
