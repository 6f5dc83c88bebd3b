#!/usr/bin/env bash
# make bench, province scenario (issue #13): a user with `office` at the root of `ducha gen`'s 1,000,000
# items, measured with wrk on loopback in one run with nginx serving each page's own bytes as its
# ceiling: the state-filtered first page, a keyset page deep in the list, a search for a common and a
# rare word, light=red, the county office's page, the province overview, the workbench (to-dos), an
# item and the county's statistics by month (bulletin figures from the kept counters, migration 0054). Each
# page is measured beside nginx: BENCH_PAIRS (3) pairs of runs, nginx then the page and the page then nginx in
# turn, and its share of nginx is the median of the pairs' ratios (on a shared, noisy machine a ratio of two runs
# made seconds apart holds where one made minutes apart does not);
# the province's whole ledger exported as CSV and XLSX (scripts/bench.d/export.sh, median of 3); a year's
# bulletin drafted and rendered as PDF, the year's scorecard drawn and its page read, for the province's office
# and the county's (scripts/bench.d/results.sh, median of 3; issue 12's goals: bulletin < 2 s, scoreboard < 1 s);
# then the same pages on PostgreSQL (the dataset copied with `ducha migrate-data`), as ratios.
# Writes build/bench/province.md.
#
# Environment: BENCH_PROVINCE_DATA (the generated dataset, read-only, with its audit key beside it in
# BENCH_PROVINCE_DATA.audit.key; default /work/coord/data/province-1m.db, generated there when missing), BENCH_SECONDS (10), BENCH_CONNS (32),
# BENCH_PAIRS (3), BENCH_PG (1: also PostgreSQL; 0: SQLite only), BENCH_PG_KEEP (1: keep the PostgreSQL copy
# in BENCH_PROVINCE_PG_DIR, default build/bench/pg-province, for the next run), BENCH_PG_URL (a PostgreSQL
# database holding the dataset already, migrated by `ducha init` and used as it is: no copy of our own),
# BENCH_EXTRAS (1: also the exports and the results; 0: the pages only), BENCH_SQLITE (1; 0: PostgreSQL only, the
# SQLite columns kept from the last run's build/bench/prov-sqlite.txt, whose time the report names).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/build/ducha
OUT=$PWD/build/bench
mkdir -p "$OUT"
SECS=${BENCH_SECONDS:-10}
PAIRS=${BENCH_PAIRS:-3}
NGINX_BASE=
CONNS=${BENCH_CONNS:-32}
DATA=${BENCH_PROVINCE_DATA:-/work/coord/data/province-1m.db}
WORK=$OUT/province.db
RESULTS=$OUT/province.md
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- the dataset: generated once, copied, migrated to this binary, lights moved to today ----
if [ ! -f "$DATA" ]; then
  echo "generating 1,000,000 items into $DATA (this takes a while)"
  mkdir -p "$(dirname "$DATA")"
  /usr/bin/time -f "gen: %e s, max RSS %M KB" "$BIN" gen --db "$DATA.tmp"
  cp data/audit.key "$DATA.audit.key"
  mv "$DATA.tmp" "$DATA"
fi
# the dataset's audit key travels with it ($DATA.audit.key, copied at its generation): another clone has its own
# data/audit.key, which the dataset's audit chain refuses (DUCHA_AUDIT_KEY: every command below and the servers)
if [ -f "$DATA.audit.key" ]; then
  DUCHA_AUDIT_KEY=$(cat "$DATA.audit.key")
  export DUCHA_AUDIT_KEY
fi
if [ ! -f "$WORK" ] || [ "$DATA" -nt "$WORK" ]; then
  echo "copying $DATA"
  rm -f "$WORK" "$WORK-wal" "$WORK-shm"
  cp --reflink=auto "$DATA" "$WORK"
fi
"$BIN" init --db "$WORK" >/dev/null
"$BIN" ledger lights --db "$WORK"          # the stored lights at today's dates (timed: the first refresh after a migration)
"$BIN" scan --db "$WORK" >/dev/null

# ---- nginx: the ceiling ----
# sets NGINX_BASE (not called in $(…): nginx would hold the substitution's pipe open, and its pid would be
# lost with the subshell); it serves $OUT/nginx-prov/www, where each page's own bytes are put before it is measured
start_nginx() {
  local port; port=$(free_port)
  mkdir -p "$OUT/nginx-prov/www" "$OUT/nginx-prov/logs"
  echo '{}' >"$OUT/nginx-prov/www/page.json"
  cat >"$OUT/nginx-prov/nginx.conf" <<NGINX
worker_processes auto;
pid $OUT/nginx-prov/nginx.pid;
error_log $OUT/nginx-prov/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; default_type application/json;
  server { listen 127.0.0.1:$port; root $OUT/nginx-prov/www; } }
NGINX
  nginx -c "$OUT/nginx-prov/nginx.conf" -p "$OUT/nginx-prov" -g 'daemon off;' >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/page.json" >/dev/null && break; sleep 0.1; done
  NGINX_BASE="http://127.0.0.1:$port"
}

# runs wrk; prints "rps p50_ms p99_ms errors"
measure() {
  local url=$1; shift
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" >"$OUT/wrk-prov.txt" 2>&1
  python3 - "$OUT/wrk-prov.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(\w+)", v).groups(); n = float(n)
    return n * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1)); p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, err.groups())) if err else 0)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors}")
PY
}

# one backend: serve db, find the pages, measure them; appends "name rps p50 p99 errors" lines to $2
run_backend() { # $1: database URL, $2: output file, $3: label
  local db=$1 res=$2 port base tp tc
  port=$(free_port)
  "$BIN" serve --db "$db" --listen 127.0.0.1:$port --set log_level=warn --set scheduler=false >"$OUT/serve-$3.log" 2>&1 &
  local spid=$!; pids+=($spid)
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$port"
  tp=$("$BIN" token create prov_office --db "$db" --name bench-province)
  tc=$("$BIN" token create gc_office --db "$db" --name bench-county)
  local P="Authorization: Bearer $tp" C="Authorization: Bearer $tc"
  # a keyset page deep in the list: 100 pages of 200 in (20,000 items)
  local after="" i
  for i in $(seq 100); do
    after=$(curl -sf -H "$P" "$base/api/v1/items?state=in_progress&per_page=200${after:+&after=$after}" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["next"] or "")')
  done
  local item
  item=$(curl -sf -H "$P" "$base/api/v1/items?state=in_progress&per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  local -a names=(first deep search_common search_rare red county overview workbench item stats)
  local -a urls=("/api/v1/items?state=in_progress&per_page=50"
                 "/api/v1/items?state=in_progress&per_page=50&after=$after"
                 "/api/v1/items?q=%E4%BA%A4%E9%80%9A&per_page=50"
                 "/api/v1/items?q=%E5%8F%A4%E6%A0%91%E5%90%8D%E6%9C%A8&per_page=50"
                 "/api/v1/items?light=red&per_page=50"
                 "/api/v1/items?state=in_progress&per_page=50"
                 "/api/v1/items/overview"
                 "/api/v1/todos?limit=50"
                 "/api/v1/items/$item"
                 "/api/v1/statistics?year=2025")
  [ -n "$NGINX_BASE" ] || start_nginx
  : >"$res"
  for i in "${!names[@]}"; do
    local h=$P
    case ${names[$i]} in county | stats) h=$C ;; esac
    curl -sf -H "$h" "$base${urls[$i]}" -o "$OUT/body-$3-${names[$i]}.json" -w "%{http_code} %{size_download} %{time_total}\n" >"$OUT/probe.txt" || true
    read -r code size t <"$OUT/probe.txt"
    # the ceiling: nginx serving this page's own bytes
    cp "$OUT/body-$3-${names[$i]}.json" "$OUT/nginx-prov/www/$3-${names[$i]}.json"
    local ngx="$NGINX_BASE/$3-${names[$i]}.json"
    # the page beside nginx: pairs of runs, nginx first in odd pairs and last in even ones
    local r m n
    : >"$OUT/pairs.txt"
    for r in $(seq "$PAIRS"); do
      if (( r % 2 )); then
        n=$(measure "$ngx"); m=$(measure "$base${urls[$i]}" -H "$h")
      else
        m=$(measure "$base${urls[$i]}" -H "$h"); n=$(measure "$ngx")
      fi
      echo "$m $n" >>"$OUT/pairs.txt"
    done
    # "rps p50 p99 errors share nginx_rps pairs": medians over the pairs (the share: of each pair's ratio),
    # errors summed, then each pair's share
    m=$(python3 - "$OUT/pairs.txt" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda k: statistics.median(r[k] for r in rows)
shares = [r[0] / r[4] for r in rows]
print(f"{med(0):.0f} {med(1):.2f} {med(2):.2f} {sum(int(r[3]) + int(r[7]) for r in rows)} "
      f"{statistics.median(shares):.5f} {med(4):.0f} " + ",".join(f"{x * 100:.1f}" for x in shares))
PY
)
    echo "${names[$i]} $m $size $code" >>"$res"
  done
  awk '/VmHWM/ {print int($2/1024)}' /proc/$spid/status >"$res.rss"
  : >"$res.export"
  : >"$res.results"
  if [ "${BENCH_EXTRAS:-1}" = 1 ]; then
    # the province's whole ledger exported (CSV, XLSX; median of 3), after the pages (their RSS above)
    scripts/bench.d/export.sh "$BIN" "$db" "$base" "$tp" "$spid" "$3" >"$res.export"
    # issue 12: a year's bulletin drafted and its PDF, the scorecard drawn and its page (province, then county)
    { scripts/bench.d/results.sh "$base" "$tp" 2025 "$3, province office" "own below"
      scripts/bench.d/results.sh "$base" "$tc" 2025 "$3, county office (古城县)"; } >"$res.results"
  fi
  kill "$spid"; wait "$spid" 2>/dev/null || true
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
SQNOTE=""
if [ "${BENCH_SQLITE:-1}" = 1 ] || [ ! -s "$OUT/prov-sqlite.txt" ]; then
  run_backend "$WORK" "$OUT/prov-sqlite.txt" sqlite
else # BENCH_SQLITE=0: the SQLite rows of the last run, said so in the report
  SQNOTE="the SQLite columns are the run of $(date -u -r "$OUT/prov-sqlite.txt" '+%Y-%m-%d %H:%M UTC') (BENCH_SQLITE=0); "
fi

PGRES=""
if [ "${BENCH_PG:-1}" = 1 ] && [ -n "${BENCH_PG_URL:-}" ]; then
  PGDB=$BENCH_PG_URL
  "$BIN" init --db "$PGDB" >/dev/null
  "$BIN" scan --db "$PGDB" >/dev/null
  run_backend "$PGDB" "$OUT/prov-pg.txt" pg
  PGRES=$OUT/prov-pg.txt
elif [ "${BENCH_PG:-1}" = 1 ]; then
  PGDIR=${BENCH_PROVINCE_PG_DIR:-$OUT/pg-province}
  scripts/pg.sh start "$PGDIR" >/dev/null
  PGURL=$(scripts/pg.sh url "$PGDIR")
  PGDB=${PGURL%/*}/province
  if ! psql "$PGDB" -Atc "SELECT MAX(version) FROM schema_migrations" >/dev/null 2>&1 ||
     [ "$(psql "$PGDB" -Atc "SELECT COUNT(*) FROM items" 2>/dev/null)" != "$(sqlite3 "$WORK" 'SELECT COUNT(*) FROM items')" ]; then
    psql "$PGURL" -qc "DROP DATABASE IF EXISTS province" -c "CREATE DATABASE province OWNER ducha"
    /usr/bin/time -f "migrate-data: %e s, max RSS %M KB" "$BIN" migrate-data --from "sqlite:$WORK" --to "$PGDB"
  fi
  "$BIN" init --db "$PGDB" >/dev/null
  "$BIN" scan --db "$PGDB" >/dev/null
  psql "$PGDB" -qc "VACUUM ANALYZE"
  run_backend "$PGDB" "$OUT/prov-pg.txt" pg
  PGRES=$OUT/prov-pg.txt
  [ "${BENCH_PG_KEEP:-1}" = 1 ] || scripts/pg.sh destroy "$PGDIR"
  scripts/pg.sh stop "$PGDIR" >/dev/null
fi

python3 - "$OUT/prov-sqlite.txt" "$PGRES" "$(cat "$OUT/prov-sqlite.txt.rss")" \
  "$( [ -n "$PGRES" ] && cat "$PGRES.rss" || echo -)" "$(du -h "$WORK" | cut -f1)" \
  "$(nproc)" "$CONNS" "$SECS" "$PAIRS" "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$SQNOTE" <<'PY' | tee "$RESULTS"
import sys
sq, pg, rss, pg_rss, size, cores, conns, secs, pairs, load0, load1, sqnote = sys.argv[1:]
labels = {"first": "province, `state=in_progress`, first page of 50", "deep": "province, keyset page after 20,000 items",
          "search_common": "province, search `q=交通`", "search_rare": "province, search `q=古树名木`",
          "red": "province, `light=red`", "county": "county office (古城县), `state=in_progress`",
          "overview": "province overview (`/items/overview`)", "workbench": "workbench (`/todos`)", "item": "item detail",
          "stats": "county statistics, 2025 by month (`/statistics`: 13 bulletin counts)"}
def load(f):
    out = {}
    for line in open(f):
        name, rps, p50, p99, err, share, nginx, each, size, code = line.split()
        out[name] = (float(rps), float(p50), float(p99), int(err), float(share), float(nginx), each, int(size), code)
    return out
s = load(sq); p = load(pg) if pg else {}
print(f"province scenario: `ducha gen` 1,000,000 items ({size} SQLite file), {cores} cores, wrk -t2 -c{conns} -d{secs}s; "
      f"each page measured in {pairs} pairs of runs beside nginx serving that page's own bytes (the bytes column; nginx "
      f"first, then the page first, in turn); req/s, p50 and p99 are the pairs' medians, the share of nginx the median of the "
      f"pairs' ratios (each pair's in brackets); {sqnote}load average {load0} before, {load1} after\n")
hdr = "| page | bytes | SQLite req/s | share of nginx (each pair) | nginx req/s | p50 ms | p99 ms | errors |"
if p:
    hdr += " PostgreSQL req/s | PG share of nginx | PG / SQLite req/s | PG p99 ms | PG errors |"
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
for k, lab in labels.items():
    r = s[k]
    row = (f"| {lab} | {r[7]:,} | {r[0]:.0f} | {100 * r[4]:.1f} % ({r[6]}) | {r[5]:.0f} | {r[1]:.2f} | {r[2]:.2f} | "
           f"{r[3]} |")
    if p:
        q = p[k]
        row += f" {q[0]:.0f} | {100 * q[4]:.1f} % | {q[0] / r[0]:.2f} | {q[2]:.2f} | {q[3]} |"
    print(row)
print(f"\nducha peak RSS: SQLite {rss} MB" + (f", PostgreSQL {pg_rss} MB" if p else ""))
PY
cat "$OUT/prov-sqlite.txt.export" ${PGRES:+"$PGRES.export"} "$OUT/prov-sqlite.txt.results" ${PGRES:+"$PGRES.results"} |
  tee -a "$RESULTS"
echo "results written to $RESULTS"
