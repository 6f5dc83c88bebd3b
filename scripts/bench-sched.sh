#!/usr/bin/env bash
# Scheduler benchmark (issue 5): one `ducha scan` pass over 1,000,000 milestones when none is due
# and when 1 % is due (each due milestone takes one ladder step: a step record, an audit record
# and notification rows for the leader in charge and the deputy director).
# Usage: scripts/bench-sched.sh [N]   (N milestones, default 1000000; BIN=path another build to measure instead)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
if [ -z "${BIN:-}" ]; then
    BIN=build/ducha
    make -s "$BIN"
fi
tmp=$(mktemp -d /tmp/ducha-bench-sched-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/bench.db
"$BIN" demo --db "$db" >/dev/null
# all milestones on 古城县交通运输局's track, resolution due 2026-03-09, reminders already taken (step 2),
# next look at 2026-03-10 00:00 Beijing time (the "press" step),
# of an owner kind no module registers (labels from the id, the default recipients): the items' own hooks refuse
# an item that does not exist, and the benchmark measures the ladder, not 1,000,000 items
read -r unit path < <(sqlite3 -separator ' ' "$db" "SELECT id, path FROM units WHERE code = 'gc-jt'")
next=$(date -d '2026-03-10T00:00:00+08:00' +%s)
# the demo's own items get their milestones now; their ladder is settled by a first pass far ahead
"$BIN" scan --db "$db" --now 2030-01-01T10:00:00+08:00 >/dev/null
sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $N)
INSERT INTO milestones (owner_kind, owner_id, unit_id, scope_path, kind, seq, due_date, step, next_at, created_at)
SELECT 'bench', 1000000 + i, $unit, '$path', 'resolution', 1, '2026-03-09', 2, $next + (i % 100) * 86400 * 30, '2026-03-02T01:00:00Z'
FROM seq;
ANALYZE;
SQL
echo "milestones: $N ($(du -h "$db" | cut -f1) database)"
# none due: the clock stands before every next_at. The day's first pass does the day's work (the lights that
# moved, the early warnings of every running item), an idle one a second later only looks
echo -n "day's first pass (none due): "
"$BIN" scan --db "$db" --now 2026-03-09T10:00:00+08:00 | sed 's/.*(/(/'
echo -n "idle pass (none due):        "
"$BIN" scan --db "$db" --now 2026-03-09T10:00:01+08:00 | sed 's/.*(/(/'
# 1 % due: i % 100 = 0 has next_at = 2026-03-10
echo -n "pass with 1 % due:           "
"$BIN" scan --db "$db" --now 2026-03-10T10:00:00+08:00
echo -n "idle pass again:             "
"$BIN" scan --db "$db" --now 2026-03-10T10:00:01+08:00 | sed 's/.*(/(/'
sqlite3 "$db" "SELECT 'steps recorded: ' || COUNT(*) FROM milestone_steps; SELECT 'outbox rows: ' || COUNT(*) FROM outbox;"
