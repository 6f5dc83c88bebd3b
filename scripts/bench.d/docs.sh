#!/usr/bin/env bash
# make bench fragment (docs): one notice PDF (goal < 50 ms) and the XLSX export of the ledger (goal for
# 100,000 items < 5 s, memory bounded by libxlsxwriter's constant-memory mode).
# Arguments: BIN DB BASE_URL TOKEN (from scripts/bench.sh). Prints a markdown section.
set -euo pipefail
BIN=$1 DB=$2 base=$3 TOKEN=$4
AUTH="Authorization: Bearer $TOKEN"
echo
echo "### Documents"
echo
ID=$(curl -sf -H "$AUTH" "$base/api/v1/items?state=in_progress&per_page=1" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["items"][0]["id"] if d.get("items") else "")' || true)
if [ -z "$ID" ]; then
  echo "no numbered item in the database: documents not measured"
  exit 0
fi
curl -sf -H "$AUTH" -o /dev/null "$base/api/v1/items/$ID/documents/notice.pdf" # warm the font caches
best=999999
total=0
for _ in $(seq 20); do
  t=$(curl -sf -H "$AUTH" -o /dev/null -w '%{time_total}' "$base/api/v1/items/$ID/documents/notice.pdf")
  ms=$(python3 -c "print(round($t*1000, 1))")
  total=$(python3 -c "print($total+$ms)")
  best=$(python3 -c "print(min($best, $ms))")
done
echo "| document | time |"
echo "|---|---|"
echo "| notice PDF (item $ID), mean of 20 | $(python3 -c "print(round($total/20, 1))") ms (best $best ms; goal < 50 ms) |"
rows=$(curl -sf -H "$AUTH" "$base/api/v1/items?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
t=$(curl -sf -H "$AUTH" -o /tmp/ducha-bench-ledger.xlsx -w '%{time_total}' "$base/api/v1/items/export.xlsx")
size=$(stat -c %s /tmp/ducha-bench-ledger.xlsx)
rm -f /tmp/ducha-bench-ledger.xlsx
echo "| XLSX export of the ledger ($rows items, $((size / 1024)) KB) | $(python3 -c "print(round($t, 2))") s (goal for 100,000 items < 5 s) |"
