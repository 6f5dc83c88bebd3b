#!/usr/bin/env bash
# make bench fragment (province scenario, issue #13): the ledger export of everything the caller sees, as
# CSV and as XLSX, one request at a time (curl), the median of BENCH_EXPORT_RUNS (3) runs each; the
# server's CPU time per export and its peak RSS (VmHWM) before and after, when its pid is given (goal: 100,000
# rows in < 5 s, memory not growing with the rows). Also run alone:
#   scripts/bench.d/export.sh BIN DB URL TOKEN [SERVER_PID] [LABEL]
# Prints a markdown section.
set -euo pipefail
BIN=$1 DB=$2 base=$3 TOKEN=$4 PID=${5:-} LABEL=${6:-}
RUNS=${BENCH_EXPORT_RUNS:-3}
AUTH="Authorization: Bearer $TOKEN"
: "$BIN" "$DB"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hwm() { [ -n "$PID" ] && awk '/VmHWM/ {print int($2/1024)}' "/proc/$PID/status" || echo -; }
ticks() { [ -n "$PID" ] && awk '{print $14 + $15}' "/proc/$PID/stat" || echo 0; }
rows=$(curl -sf -H "$AUTH" "$base/api/v1/items?per_page=1" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], "" if d["total_exact"] else "(at least)")')
echo
echo "### Ledger export${LABEL:+ ($LABEL)}: everything the caller sees ($rows items), median of $RUNS"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); server peak RSS before: $(hwm) MB"
echo
echo "| format | size | lines | seconds (each run) | median s | server CPU s (median) |"
echo "|---|---|---|---|---|---|"
hz=$(getconf CLK_TCK)
for fmt in csv xlsx; do
  times=() cpus=()
  for _ in $(seq "$RUNS"); do
    a=$(ticks)
    t=$(curl -sf -H "$AUTH" -o "$tmp/out.$fmt" -w '%{time_total}' "$base/api/v1/items/export.$fmt")
    b=$(ticks)
    times+=("$t") cpus+=("$(python3 -c "print(($b - $a) / $hz)")")
  done
  size=$(stat -c %s "$tmp/out.$fmt")
  lines=$([ "$fmt" = csv ] && wc -l <"$tmp/out.$fmt" || echo -)
  python3 - "$fmt" "$size" "$lines" "${times[*]}" "${cpus[*]}" <<'PY'
import statistics, sys
fmt, size, lines, times, cpus = sys.argv[1:]
t = [float(x) for x in times.split()]; c = [float(x) for x in cpus.split()]
print(f"| {fmt.upper()} | {int(size) / 1e6:.1f} MB | {lines} | {', '.join(f'{x:.2f}' for x in t)} | "
      f"**{statistics.median(t):.2f}** | {statistics.median(c):.2f} |")
PY
done
echo
echo "server peak RSS after: $(hwm) MB; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
