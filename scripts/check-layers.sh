#!/bin/sh
# Checks the layering of docs/internals/architecture.md and prints each violation; exits 1 if any.
#  - every folder under src/ has an explicit rank below (an unknown folder fails: give it one);
#  - a file includes headers of its own folder or of folders of a lower rank; a folder of the same
#    rank only when the pair is declared in SAME_RANK below, and the declared pairs form no cycle;
#  - headers include each other in no cycle (within a folder too);
#  - only src/store includes the database libraries;
#  - the Makefile builds exactly the folders under src/ (SRC_DIRS).
set -eu
cd "$(dirname "$0")/.."

# rank of each folder: a higher layer has a higher number (docs/internals/architecture.md)
RANKS="
base 0
store 1
crypto 1
core 2
audit 3
calendar 4
units 4
auth 5
notify 5
deadlines 6
workflow 6
items 7
inspections 7
results 7
evaluations 7
docs 8
clues 8
webhooks 8
api 9
sched 10
http 10
cli 11
"
# includes allowed between different folders of the same rank, as "from>to"
# (webhooks>clues: events out summarise a clue through its workflow, like the rank-7 modules' objects;
#  results>items: bulletins and statistics read the items' kept figure counters, items/ledger.h;
#  results>evaluations: the scorecard shows the accepted third-party evaluations beside the office's scores)
SAME_RANK="webhooks>clues results>items results>evaluations"

rank() {
  echo "$RANKS" | awk -v d="$1" '$1 == d { print $2; found = 1 } END { if (!found) print "?" }'
}

bad=0
fail() {
  echo "layering: $*"
  bad=1
}

# every folder has a rank (a folder named here before it exists is allowed)
folders=$(find src -mindepth 1 -maxdepth 1 -type d | sed 's|^src/||' | sort)
for d in $folders; do
  [ "$(rank "$d")" = "?" ] && fail "src/$d has no rank: add it to RANKS in scripts/check-layers.sh (and to docs/internals/architecture.md)"
done

# the Makefile builds exactly these folders
built=$(make --no-print-directory -s print-SRC_DIRS 2>/dev/null | tr ' ' '\n' | sed '/^$/d' | sort)
if [ "$built" != "$folders" ]; then
  fail "the Makefile's SRC_DIRS ($(echo $built)) differs from the folders under src/ ($(echo $folders))"
fi

# declared same-rank pairs: same rank, and no cycle among them
pairs=$(mktemp) edges=$(mktemp) loops=$(mktemp)
trap 'rm -f "$pairs" "$edges" "$loops"' EXIT
for p in $SAME_RANK; do
  a=${p%%>*} b=${p#*>}
  [ "$(rank "$a")" = "$(rank "$b")" ] || fail "SAME_RANK pair $p: the folders are not of the same rank"
  echo "$a $b" >>"$pairs"
done
if [ -s "$pairs" ] && ! tsort "$pairs" >/dev/null 2>&1; then
  fail "the SAME_RANK pairs form a cycle: $SAME_RANK"
fi

for f in $(find src -name '*.c' -o -name '*.h' | sort); do
  dir=$(echo "$f" | cut -d/ -f2)
  case $dir in *.c) continue ;; esac
  r=$(rank "$dir")
  [ "$r" = "?" ] && continue
  for inc in $(grep -o '^#include "[a-z_]*/[a-z_]*\.h"' "$f" | sed 's/#include "//; s/"$//'); do
    idir=${inc%%/*}
    ri=$(rank "$idir")
    if [ "$ri" = "?" ]; then
      fail "$f includes $inc from src/$idir, a folder without a rank"
    elif [ "$ri" -gt "$r" ]; then
      fail "$f (layer $dir, rank $r) includes $inc (layer $idir, rank $ri): a higher layer"
    elif [ "$ri" -eq "$r" ] && [ "$idir" != "$dir" ] && ! echo " $SAME_RANK " | grep -q " $dir>$idir "; then
      fail "$f (layer $dir) includes $inc of $idir, a folder of the same rank $r: undeclared (SAME_RANK)"
    fi
    case $f in *.h) echo "$f src/$inc" >>"$edges" ;; esac
  done
  # only src/store talks to the database libraries
  if [ "$dir" != store ] && grep -qE '#include <(sqlite3|libpq-fe)\.h>' "$f"; then
    fail "$f includes a database library header outside src/store"
  fi
done
# header cycles (a header that includes itself through others)
if [ -s "$edges" ] && ! tsort "$edges" >/dev/null 2>"$loops"; then
  fail "headers include each other in a cycle: $(grep -v 'input contains a loop' "$loops" | sed 's/^tsort: //' | tr '\n' ' ')"
fi

[ $bad -eq 0 ] && echo "layers ok ($(echo "$folders" | wc -l) folders, every one ranked)"
exit $bad
