#!/usr/bin/env bash
# part of scripts/bench-province.sh (province scenario, issue 12's speed goals; not a fragment of bench.sh, whose
# arguments it does not take): a bulletin drafted for the whole province over
# a year (POST /api/v1/bulletins: every figure counted; goal < 2 s) and its official PDF rendered, and the year's
# scorecard drawn for every unit of the province and its page read (GET /api/v1/scorecards/{id}; goal: a
# scoreboard of 10,000 units < 1 s); the PDF's pages and the annex (XLSX of every unit) too — one request at a
# time (curl), the median of BENCH_RESULTS_RUNS (3) runs each; the drafts are withdrawn afterwards. Also run alone:
#   scripts/bench.d/results.sh URL TOKEN [YEAR] [LABEL] [LEVELS]
# LEVELS: the bulletin's levels drafted, each its row ("own below": 本级, then 本级及下级; default own).
# Prints a markdown section.
set -euo pipefail
base=$1 TOKEN=$2 YEAR=${3:-2025} LABEL=${4:-} LEVELS=${5:-own}
RUNS=${BENCH_RESULTS_RUNS:-3}
AUTH="Authorization: Bearer $TOKEN"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# one timed request: prints "seconds http_code"; the body in $tmp/body
req() { # method path [json]
  curl -s -X "$1" -H "$AUTH" ${3:+-H "Content-Type: application/json" --data "$3"} -o "$tmp/body" \
    -w '%{time_total} %{http_code}\n' "$base$2"
}
# RUNS timed GETs of path into times (the last body in $tmp/body); exits on another status than 200
timed_gets() { # what path
  times=()
  for _ in $(seq "$RUNS"); do
    read -r t code < <(req GET "$2")
    [ "$code" = 200 ] || { echo "$1: HTTP $code" >&2; exit 1; }
    times+=("$t")
  done
}
json() { python3 -c "import json,sys; d=json.load(open('$tmp/body')); print($1)"; }
row() { # label, times…, extra
  python3 - "$@" <<'PY'
import statistics, sys
label, times, extra = sys.argv[1], [float(x) for x in sys.argv[2].split()], sys.argv[3]
print(f"| {label} | {', '.join(f'{x:.2f}' for x in times)} | **{statistics.median(times):.2f}** | {extra} |")
PY
}
echo
echo "### Results${LABEL:+ ($LABEL)}: a bulletin and the scorecard for the caller's government, $YEAR, median of $RUNS"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| request | seconds (each run) | median s | what |"
echo "|---|---|---|---|"
ids=()
for lv in $LEVELS; do
  times=()
  for _ in $(seq "$RUNS"); do
    read -r t code < <(req POST /api/v1/bulletins "{\"period_from\":\"$YEAR-01-01\",\"period_to\":\"$YEAR-12-31\",\"levels\":\"$lv\"}")
    [ "$code" = 201 ] || { echo "bulletin draft: HTTP $code: $(head -c 300 "$tmp/body")" >&2; exit 1; }
    times+=("$t") ids+=("$(json 'd["id"]')")
  done
  what=$(json '"%d units, %d governments, %d items registered, %d overdue" % (len(d["figures"]["units"]), len(d["figures"].get("governments", [])), d["figures"]["totals"]["registered"], d["figures"]["totals"]["overdue"])')
  row "bulletin draft, $YEAR, $(json 'd["levels_label"]') (\`POST /bulletins\`)" "${times[*]}" "$what"
done
timed_gets "bulletin PDF" "/api/v1/bulletins/${ids[${#ids[@]}-1]}/document.pdf"
pages=$(pdfinfo "$tmp/body" 2>/dev/null | awk '/^Pages:/ {print $2}')
row "the last draft's PDF (\`GET /bulletins/{id}/document.pdf\`)" "${times[*]}" "$(stat -c %s "$tmp/body") bytes, ${pages:-?} pages"
# its annex: every unit of the figures as XLSX (the PDF lists the ranking's two ends when there are many)
timed_gets "bulletin annex" "/api/v1/bulletins/${ids[${#ids[@]}-1]}/annex.xlsx"
row "the last draft's annex (\`GET /bulletins/{id}/annex.xlsx\`)" "${times[*]}" "$(stat -c %s "$tmp/body") bytes"
for id in "${ids[@]}"; do req POST "/api/v1/bulletins/$id/actions/withdraw" '{"reason":"bench"}' >/dev/null; done
# the year's scorecard: drawn once (a draft card per government and year: an earlier run's is reused)
read -r t code < <(req POST /api/v1/scorecards "{\"year\":$YEAR}")
if [ "$code" = 201 ]; then
  card=$(json 'd["id"]')
  row "scorecard drawn, $YEAR (\`POST /scorecards\`, once)" "$t" "-"
else
  req GET "/api/v1/scorecards?year=$YEAR" >/dev/null
  card=$(json 'd["scorecards"][0]["id"]')
fi
timed_gets scorecard "/api/v1/scorecards/$card"
row "scoreboard page (\`GET /scorecards/{id}\`)" "${times[*]}" "$(json 'len(d.get("units", []))') units, $(stat -c %s "$tmp/body") bytes"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
