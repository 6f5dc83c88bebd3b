#!/usr/bin/env bash
# make bench fragment (docs): notice PDFs drawn (goal < 50 ms each) and the XLSX export of the ledger (goal for
# 100,000 items < 5 s, memory bounded by libxlsxwriter's constant-memory mode).
# Arguments: BIN DB BASE_URL TOKEN (from scripts/bench.sh). Prints a markdown section.
set -euo pipefail
BIN=$1 DB=$2 base=$3 TOKEN=$4
AUTH="Authorization: Bearer $TOKEN"
echo
echo "### Documents"
echo
# 21 items: the first warms the font caches, each of the others is drawn once (a document served again is kept in
# memory, src/docs/pdf_cache.h: the same notice asked again measures that, not a drawing)
IDS=$(curl -sf -H "$AUTH" "$base/api/v1/items?state=in_progress&per_page=21" |
  python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin).get("items", [])))' || true)
read -r ID _ <<<"$IDS" || true
if [ -z "${ID:-}" ]; then
  echo "no numbered item in the database: documents not measured"
  exit 0
fi
curl -sf -H "$AUTH" -o /dev/null "$base/api/v1/items/$ID/documents/notice.pdf" # warm the font caches
best=999999
total=0
n=0
for id in ${IDS#"$ID"}; do
  t=$(curl -sf -H "$AUTH" -o /dev/null -w '%{time_total}' "$base/api/v1/items/$id/documents/notice.pdf")
  ms=$(python3 -c "print(round($t*1000, 1))")
  total=$(python3 -c "print($total+$ms)")
  best=$(python3 -c "print(min($best, $ms))")
  n=$((n + 1))
done
t=$(curl -sf -H "$AUTH" -o /dev/null -w '%{time_total}' "$base/api/v1/items/$ID/documents/notice.pdf")
echo "| document | time |"
echo "|---|---|"
if [ "$n" -gt 0 ]; then
  echo "| notice PDF drawn ($n items, one each), mean | $(python3 -c "print(round($total/$n, 1))") ms (best $best ms; goal < 50 ms) |"
fi
echo "| the same notice again (item $ID, served from the documents kept) | $(python3 -c "print(round($t*1000, 1))") ms |"
rows=$(curl -sf -H "$AUTH" "$base/api/v1/items?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
t=$(curl -sf -H "$AUTH" -o /tmp/ducha-bench-ledger.xlsx -w '%{time_total}' "$base/api/v1/items/export.xlsx")
size=$(stat -c %s /tmp/ducha-bench-ledger.xlsx)
rm -f /tmp/ducha-bench-ledger.xlsx
echo "| XLSX export of the ledger ($rows items, $((size / 1024)) KB) | $(python3 -c "print(round($t, 2))") s (goal for 100,000 items < 5 s) |"
