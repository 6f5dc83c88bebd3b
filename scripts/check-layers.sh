#!/bin/sh
# Checks the include layering of docs/internals/architecture.md: a file may include only headers of
# its own layer or of lower layers. Prints each violation; exits 1 if there is any.
set -eu
cd "$(dirname "$0")/.."
rank() {
  case $1 in
    base) echo 0 ;; store) echo 1 ;; crypto) echo 1 ;; core) echo 2 ;; audit) echo 3 ;; calendar) echo 3 ;;
    auth|units|notify) echo 4 ;; workflow) echo 5 ;; items|docs|deadlines|inspections) echo 6 ;;
    api|sched) echo 7 ;; http) echo 8 ;; cli) echo 9 ;; *) echo 5 ;;
  esac
}
bad=0
for f in $(find src -name '*.c' -o -name '*.h' | sort); do
  dir=$(echo "$f" | cut -d/ -f2)
  case $dir in *.c) continue ;; esac
  r=$(rank "$dir")
  for inc in $(grep -o '^#include "[a-z_]*/' "$f" | sed 's/#include "//; s/\///'); do
    ri=$(rank "$inc")
    if [ "$ri" -gt "$r" ]; then
      echo "layering: $f (layer $dir) includes $inc/ (a higher layer)"; bad=1
    fi
  done
  # only src/store talks to the database libraries
  if [ "$dir" != store ] && grep -qE '#include <(sqlite3|libpq-fe)\.h>' "$f"; then
    echo "layering: $f includes a database library header outside src/store"; bad=1
  fi
done
[ $bad -eq 0 ] && echo "layers ok"
exit $bad
