#!/bin/sh
# make bench: 8 clients registering and moving items for 30 s (BENCH_WRITE_SECONDS).
exec python3 "$(dirname "$0")/bench_writes.py" "$1" "$2" 8 "${BENCH_WRITE_SECONDS:-30}"
