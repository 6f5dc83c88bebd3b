#!/usr/bin/env bash
# Throwaway PostgreSQL 15 server on loopback for tests (no dependency on the C code).
#
# Usage: scripts/pg.sh start|stop|url|restart|kill|status|destroy DIR
#   start    initdb (first time) + start; prints postgres://ducha@127.0.0.1:PORT/ducha and writes it
#            to DIR/url. Idempotent: if already running it just prints the URL.
#   url      prints the URL (exit 1 if DIR was never started).
#   stop     fast shutdown; idempotent (exit 0 when not running / DIR missing).
#   restart  immediate stop (no checkpoint, like a crash) then start on the same port.
#   kill     SIGKILL the postmaster (and its children), simulating a crash; idempotent.
#   status   exit 0 if running, 3 if not.
#   destroy  immediate stop, then delete the cluster (DIR/data or the shadow dir, see below) and the
#            state files; DIR itself is kept. Idempotent.
#
# Layout: DIR/url, DIR/port, DIR/log (server log), DIR/data (cluster), unix socket in DIR.
# As root the server runs as the `postgres` user (PostgreSQL refuses root) and DIR is chowned to
# it. If `postgres` cannot reach DIR (e.g. a 0700 parent such as pytest's tmp_path) or DIR is too
# long for a unix socket path, the cluster lives in a shadow dir /tmp/ducha-pg.XXXXXX instead,
# recorded in DIR/rundir; DIR/url, DIR/port still live in DIR. `stop` does not delete anything.
#
# Server: listen_addresses=127.0.0.1, trust auth (local + 127.0.0.1), max_connections=200,
# fsync/synchronous_commit/full_page_writes left ON (crash tests need durability), unless PG_DURABLE=0
# at the first start: then all three OFF, for a cluster no test crashes (the API suite's shared one, where
# each commit's WAL flush was the cost of every write; tests/api/conftest.py Backend).
# Roles: superuser `postgres`; `ducha` (LOGIN CREATEDB) owning database `ducha` with pg_trgm.
#
# Env: PG_BIN (default /usr/lib/postgresql/15/bin), PG_START_TIMEOUT seconds (default 60), PG_DURABLE
# (default 1; 0: no WAL flushes, see above).
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

usage="usage: scripts/pg.sh start|stop|url|restart|kill|status|destroy DIR"
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)  # before the cd below
[ $# -eq 2 ] || die "$usage"
cmd=$1
[ -n "$2" ] || die "$usage"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BIN/pg_ctl" ] || die "no PostgreSQL binaries in $PG_BIN (set PG_BIN)"
TIMEOUT=${PG_START_TIMEOUT:-60}

# Do not let the caller's libpq environment redirect our psql calls.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE PGSERVICE PGSERVICEFILE \
      PGOPTIONS PGSSLMODE PGCONNECT_TIMEOUT PGDATA PGTZ PGCLIENTENCODING 2>/dev/null || true

case "$cmd" in
  start|stop|url|restart|kill|status|destroy) ;;
  *) die "$usage" ;;
esac

# Absolute DIR (it may not exist yet for start).
if [ "$cmd" = start ]; then
  mkdir -p -- "$2" || die "cannot create $2"
fi
if [ -d "$2" ]; then
  DIR=$(cd -- "$2" && pwd -P)
else
  case "$cmd" in
    stop|kill|destroy) exit 0 ;;
    status) exit 3 ;;
    *) die "$2: no such directory" ;;
  esac
fi
cd /   # the postgres user may not be able to read the caller's cwd

if [ "$(id -u)" -eq 0 ]; then
  getent passwd postgres >/dev/null || die "running as root but no 'postgres' user exists"
  AS=(runuser -u postgres --)
else
  AS=()
fi
as_pg() { "${AS[@]}" "$@"; }

# Serialise concurrent pg.sh calls on the same DIR.
exec 9>>"$DIR/.lock" || die "cannot write $DIR/.lock"
flock -w "$TIMEOUT" 9 || die "timed out waiting for lock $DIR/.lock"

# Where the cluster, log and socket live (RUN), chosen once at first start.
if [ -f "$DIR/rundir" ]; then
  RUN=$(cat "$DIR/rundir")
elif [ "$cmd" = start ]; then
  RUN=$DIR
  if [ ${#AS[@]} -gt 0 ]; then
    chown postgres: "$DIR" "$DIR/.lock" || die "cannot chown $DIR to postgres"
    chmod 0700 "$DIR"
    as_pg test -w "$DIR" -a -x "$DIR" || RUN=""
  fi
  # unix socket path limit is 107 bytes: DIR/.s.PGSQL.NNNNN
  # and keep quoting trivial: odd characters also go to the shadow dir
  if [ -n "$RUN" ] && { [ $(( ${#DIR} + 16 )) -gt 100 ] || [[ ! $DIR =~ ^[A-Za-z0-9._/+-]+$ ]]; }; then
    RUN=""
  fi
  if [ -z "$RUN" ]; then
    RUN=$(mktemp -d /tmp/ducha-pg.XXXXXX) || die "cannot create shadow dir in /tmp"
    [ ${#AS[@]} -gt 0 ] && chown postgres: "$RUN"
    chmod 0700 "$RUN"
  fi
  printf '%s\n' "$RUN" >"$DIR/rundir.tmp" && mv -f "$DIR/rundir.tmp" "$DIR/rundir"
else
  RUN=$DIR
fi
DATA=$RUN/data
LOG=$RUN/log

# 9>&-: the postmaster must not inherit (and hold) our lock
pg_ctl() { as_pg "$PG_BIN/pg_ctl" -D "$DATA" "$@" 9>&-; }
# A process is alive if it exists and is not a zombie (PID 1 here may reap orphans late).
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
pid_is_postgres() { alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = postgres ]; }
running() { local pid; pid=$(postmaster_pid); [ -n "$pid" ] && pid_is_postgres "$pid"; }
# Lock files (postmaster.pid, socket .lock) naming a dead or zombie process: remove them. A zombie
# pid would fail the new postmaster's lock check; crash recovery does not depend on these files.
clear_stale_locks() {
  local f pid
  for f in "$DATA/postmaster.pid" "$RUN"/.s.PGSQL.*.lock; do
    [ -f "$f" ] || continue
    pid=$(head -n1 "$f" 2>/dev/null | tr -cd 0-9)
    if [ -z "$pid" ] || ! pid_is_postgres "$pid"; then
      as_pg rm -f "$f" "${f%.lock}"
    fi
  done
}
url_of() { printf 'postgres://ducha@127.0.0.1:%s/ducha\n' "$1"; }
postmaster_pid() { head -n1 "$DATA/postmaster.pid" 2>/dev/null | tr -cd 0-9 || true; }

# a free port below the range the kernel hands out for port 0 and outgoing connections (tests/support/free_port.py):
# a test's sink on port 0 never takes it before the postmaster binds it
free_port() {
  python3 "$HERE/../tests/support/free_port.py" || die "cannot find a free port (python3 missing?)"
}

# last FATAL/PANIC message of the server log, for one-line errors
log_fatal() { grep -E 'FATAL|PANIC' "$LOG" 2>/dev/null | tail -n 1 | sed -E 's/.*(FATAL|PANIC): +/: /' || true; }

# start the postmaster on port $1; returns non-zero on failure
server_start() {
  local port=$1
  pg_ctl -w -t "$TIMEOUT" -l "$LOG" \
    -o "-p $port" start >/dev/null 2>&1
}

psql_su() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$1" -U postgres -d "$2" -c "$3" >/dev/null; }

do_start() {
  local port fresh=0
  if running && [ -f "$DIR/port" ]; then
    port=$(cat "$DIR/port")
  else
    if [ ! -f "$DATA/PG_VERSION" ]; then
      fresh=1
      rm -rf "$DATA"
      local sync=on
      [ "${PG_DURABLE:-1}" = 0 ] && sync=off
      as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$RUN/initdb.log" 2>&1 || die "initdb failed: $(grep -v '^$' "$RUN/initdb.log" | tail -n 1) (see $RUN/initdb.log)"
      printf '%s\n' '' '# --- ducha test server (scripts/pg.sh) ---' \
        "listen_addresses = '127.0.0.1'" "unix_socket_directories = '$RUN'" \
        'max_connections = 200' "fsync = $sync" "synchronous_commit = $sync" "full_page_writes = $sync" \
        'logging_collector = off' "log_line_prefix = '%m [%p] %q%u@%d '" \
        'dynamic_shared_memory_type = posix' | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
      printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_pg tee "$DATA/pg_hba.conf" >/dev/null
    fi

    clear_stale_locks
    if [ -f "$DIR/port" ]; then
      port=$(cat "$DIR/port")
      server_start "$port" || die "server failed to start on port $port$(log_fatal) (see $LOG)"
    else
      local tries=0
      while :; do
        port=$(free_port)
        if server_start "$port"; then break; fi
        tries=$((tries + 1))
        if [ $tries -ge 3 ] || ! grep -q 'could not bind\|Address already in use' "$LOG" 2>/dev/null; then
          die "server failed to start$(log_fatal) (see $LOG)"
        fi
      done
      printf '%s\n' "$port" >"$DIR/port"
    fi
  fi

  if [ $fresh -eq 1 ] || [ ! -f "$DIR/.provisioned" ]; then
    psql_su "$port" postgres "do \$\$ begin
        if not exists (select from pg_roles where rolname = 'ducha') then
          create role ducha login createdb; end if; end \$\$;" || die "cannot create role ducha"
    if ! as_pg "$PG_BIN/psql" -X -tAq -h "$RUN" -p "$port" -U postgres -d postgres \
         -c "select 1 from pg_database where datname = 'ducha'" | grep -q 1; then
      psql_su "$port" postgres "create database ducha owner ducha" || die "cannot create database ducha"
    fi
    psql_su "$port" ducha "create extension if not exists pg_trgm" \
      || die "cannot create extension pg_trgm (is postgresql-contrib installed?)"
    : >"$DIR/.provisioned"
  fi

  url_of "$port" >"$DIR/url.tmp" && mv -f "$DIR/url.tmp" "$DIR/url"
  cat "$DIR/url"
}

do_stop() {  # $1 = shutdown mode
  [ -f "$DATA/PG_VERSION" ] || return 0
  if running; then
    if ! pg_ctl -w -t "$TIMEOUT" -m "$1" stop >/dev/null 2>&1 && running; then
      die "stop ($1) failed (see $LOG)"
    fi
  fi
  clear_stale_locks
  return 0
}

do_kill() {
  local pid
  pid=$(postmaster_pid)
  [ -n "$pid" ] || return 0
  running || return 0
  # every backend/aux process is a child of the postmaster (and its own process group leader):
  # kill them all at once, like a machine crash, so none can finish a write or shut down cleanly
  local kids; kids=$(ps -o pid= --ppid "$pid" | tr -s ' \n' ' ')
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  for _ in $(seq 1 200); do
    local left=0 k
    for k in $pid $kids; do alive "$k" && left=1; done
    [ $left -eq 0 ] && { clear_stale_locks; return 0; }
    sleep 0.05
  done
  die "processes of postmaster $pid still alive after SIGKILL"
}

case "$cmd" in
  start) do_start ;;
  url)
    [ -f "$DIR/url" ] || die "$DIR/url missing: server was never started"
    cat "$DIR/url" ;;
  stop) do_stop fast ;;
  restart)
    [ -f "$DATA/PG_VERSION" ] || die "no cluster in $DATA: use start"
    do_stop immediate
    do_start ;;
  kill) do_kill ;;
  destroy)
    do_stop immediate
    if [ "$RUN" != "$DIR" ]; then
      case "$RUN" in /tmp/ducha-pg.*) rm -rf -- "$RUN" ;; esac
    else
      rm -rf -- "$DATA" "$LOG" "$RUN/initdb.log"
    fi
    rm -f -- "$DIR/url" "$DIR/port" "$DIR/rundir" "$DIR/.provisioned" "$DIR/.lock" ;;
  status) if running; then exit 0; else exit 3; fi ;;
esac
