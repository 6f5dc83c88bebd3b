#!/usr/bin/env bash
# A three-node PostgreSQL 15 cluster managed by Patroni (etcd as its store) behind HAProxy, on
# loopback, for tests and drills (make test-pg-ha). The layout of docs/deployment.md in miniature.
#
# Usage: scripts/pg-cluster.sh COMMAND DIR [NODE]
#   start DIR        etcd, three Patroni nodes (pg1 pg2 pg3), HAProxy; waits for a primary and two
#                    streaming standbys (one synchronous); creates role and database ducha; prints the
#                    URL through HAProxy's primary port (also in DIR/url). Idempotent.
#   url DIR          that URL; DIR/replica_url: HAProxy's port for the standbys.
#   leader DIR       the name of the node that is primary now
#   list DIR         patronictl list
#   kill NODE DIR    SIGKILL the node's Patroni and PostgreSQL at once (a machine that died)
#   freeze NODE DIR  SIGSTOP the node's Patroni only (its PostgreSQL keeps running: a partitioned node)
#   thaw NODE DIR    SIGCONT it
#   start-node NODE DIR  start a node's Patroni again (it rejoins as a standby, pg_rewind if needed)
#   ready DIR        starts any node that is not running and waits for a primary with two streaming
#                    standbys, one synchronous; prints the primary's name
#   psql NODE DIR SQL    runs SQL as the superuser directly on a node's PostgreSQL (bypassing HAProxy)
#   stop DIR         stops everything; destroy DIR: stops and deletes the cluster
#
# Timing (dynamic configuration): ttl 5 s, loop_wait 1 s, retry_timeout 2 s: a primary whose
# Patroni stops renewing its leader key loses it within 5 s and demotes itself; a standby takes the
# key and promotes. synchronous_mode_strict: a commit is acknowledged only once the synchronous
# standby has it, and only a synchronous standby may be promoted, so no acknowledged write is lost;
# a primary cut off from its standbys cannot acknowledge anything (its commits wait), which, with the
# leader key, is the fencing. HAProxy asks each node's Patroni REST API (GET /primary, /replica)
# every 500 ms and closes sessions to a node marked down.
set -euo pipefail

die() { echo "pg-cluster.sh: $*" >&2; exit 1; }
usage="usage: scripts/pg-cluster.sh start|stop|destroy|url|leader|list|ready DIR | kill|freeze|thaw|start-node NODE DIR | psql NODE DIR SQL"
[ $# -ge 2 ] || die "$usage"
cmd=$1; shift
case $cmd in
  kill|freeze|thaw|start-node|psql) NODE=$1; shift; [[ $NODE =~ ^pg[123]$ ]] || die "NODE is pg1, pg2 or pg3" ;;
esac
DIR=$1; shift
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
NODES=(pg1 pg2 pg3)
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS 2>/dev/null || true
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
cd /
if [ "$(id -u)" -eq 0 ]; then AS=(runuser -u postgres --); else AS=(); fi
as_pg() { "${AS[@]}" "$@"; }
# runs a daemon as postgres in its own session; every step execs the next, so that $! is its pid
if [ "$(id -u)" -eq 0 ]; then
  SPAWN=(env HOME=/var/lib/postgresql setpriv --reuid=postgres --regid=postgres --init-groups setsid)
else
  SPAWN=(setsid)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# ports are chosen once and kept in DIR/ports (KEY=PORT lines)
port() {
  local k=$1 p
  p=$(grep "^$k=" "$DIR/ports" 2>/dev/null | cut -d= -f2 || true)
  if [ -z "$p" ]; then p=$(free_port); echo "$k=$p" >>"$DIR/ports"; fi
  echo "$p"
}
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }
pidof_file() { cat "$1" 2>/dev/null || true; }
rest() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$(port "rest_$1")/$2" || true; }

write_configs() {
  local ec ep
  ec=$(port etcd_client); ep=$(port etcd_peer)
  for n in "${NODES[@]}"; do
    mkdir -p "$DIR/$n"
    cat >"$DIR/$n/patroni.yml" <<EOF
scope: ducha
name: $n
log:
  level: INFO
  dir: $DIR/$n
restapi:
  listen: 127.0.0.1:$(port "rest_$n")
  connect_address: 127.0.0.1:$(port "rest_$n")
etcd3:
  hosts: 127.0.0.1:$ec
bootstrap:
  dcs:
    ttl: 5
    loop_wait: 1
    retry_timeout: 2
    maximum_lag_on_failover: 0
    synchronous_mode: true
    synchronous_mode_strict: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        synchronous_commit: 'on'
        wal_keep_size: 256MB
        wal_retrieve_retry_interval: 500ms   # a standby looks for the new primary's timeline sooner
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$(port "pg_$n")
  connect_address: 127.0.0.1:$(port "pg_$n")
  data_dir: $DIR/$n/data
  bin_dir: $PG_BIN
  pgpass: $DIR/$n/pgpass
  authentication:
    superuser: {username: postgres, password: postgres}
    replication: {username: replicator, password: replicator}
    rewind: {username: postgres, password: postgres}
  parameters:
    unix_socket_directories: '$DIR/$n'
tags:
  nofailover: false
  noloadbalance: false
EOF
  done
  cat >"$DIR/haproxy.cfg" <<EOF
global
    maxconn 1000
    pidfile $DIR/haproxy.pid
defaults
    mode tcp
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 1s
listen primary
    bind 127.0.0.1:$(port haproxy_primary)
    option httpchk OPTIONS /primary
    http-check expect status 200
    default-server inter 500ms fall 1 rise 1 on-marked-down shutdown-sessions
$(for n in "${NODES[@]}"; do echo "    server $n 127.0.0.1:$(port "pg_$n") check port $(port "rest_$n")"; done)
listen replicas
    bind 127.0.0.1:$(port haproxy_replicas)
    balance roundrobin
    option httpchk OPTIONS /replica?lag=16MB
    http-check expect status 200
    default-server inter 500ms fall 1 rise 1 on-marked-down shutdown-sessions
$(for n in "${NODES[@]}"; do echo "    server $n 127.0.0.1:$(port "pg_$n") check port $(port "rest_$n")"; done)
EOF
  [ ${#AS[@]} -gt 0 ] && chown -R postgres: "$DIR"
  chmod 700 "$DIR"
}

start_etcd() {
  alive "$(pidof_file "$DIR/etcd.pid")" && return 0
  local ec ep
  ec=$(port etcd_client); ep=$(port etcd_peer)
  "${SPAWN[@]}" etcd --name e1 --data-dir "$DIR/etcd" --listen-client-urls "http://127.0.0.1:$ec" \
    --advertise-client-urls "http://127.0.0.1:$ec" --listen-peer-urls "http://127.0.0.1:$ep" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ep" --initial-cluster "e1=http://127.0.0.1:$ep" \
    --log-level warn >"$DIR/etcd.log" 2>&1 </dev/null &
  echo $! >"$DIR/etcd.pid"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ec/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "etcd did not start (see $DIR/etcd.log)"
}

start_node() {
  local n=$1
  alive "$(pidof_file "$DIR/$n/patroni.pid")" && return 0
  "${SPAWN[@]}" patroni "$DIR/$n/patroni.yml" >>"$DIR/$n/patroni.out" 2>&1 </dev/null &
  echo $! >"$DIR/$n/patroni.pid"
}

start_haproxy() {
  alive "$(pidof_file "$DIR/haproxy.pid")" && return 0
  haproxy -q -D -f "$DIR/haproxy.cfg" || die "haproxy did not start"
}

leader() {
  local n
  for n in "${NODES[@]}"; do [ "$(rest "$n" primary)" = 200 ] && { echo "$n"; return 0; }; done
  return 1
}

node_psql() {  # NODE SQL
  as_pg "$PG_BIN/psql" -X -Atq -v ON_ERROR_STOP=1 -h "$DIR/$1" -p "$(port "pg_$1")" -U postgres -d "${3:-postgres}" -c "$2"
}

wait_ready() {
  local lead="" n sync
  for _ in $(seq 600); do
    if lead=$(leader) && [ "$(node_psql "$lead" "SELECT COUNT(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" = 2 ]; then
      sync=$(node_psql "$lead" "SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state = 'sync'" 2>/dev/null || true)
      [ "$sync" = 1 ] && { echo "$lead"; return 0; }
    fi
    sleep 0.2
  done
  for n in "${NODES[@]}"; do echo "--- $n" >&2; tail -n 15 "$DIR/$n/patroni.out" >&2 || true; done
  die "the cluster did not become ready: $(patronictl_list 2>&1 | tail -n 8)"
}

patronictl_list() { as_pg patronictl -c "$DIR/pg1/patroni.yml" list; }

kill_node() {
  local n=$1 pp pgp kids
  pp=$(pidof_file "$DIR/$n/patroni.pid")
  pgp=$(head -n1 "$DIR/$n/data/postmaster.pid" 2>/dev/null | tr -cd 0-9 || true)
  kids=""
  [ -n "$pgp" ] && kids=$(ps -o pid= --ppid "$pgp" 2>/dev/null | tr -s ' \n' ' ' || true)
  # shellcheck disable=SC2086
  kill -KILL ${pp:-} ${pgp:-} $kids 2>/dev/null || true
  for _ in $(seq 100); do
    local left=0 k
    for k in ${pp:-} ${pgp:-} $kids; do alive "$k" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.05
  done
  die "node $n still alive after SIGKILL"
}

stop_all() {
  local n p
  for n in "${NODES[@]}"; do
    p=$(pidof_file "$DIR/$n/patroni.pid")
    alive "$p" && { kill -CONT "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true; }
  done
  for n in "${NODES[@]}"; do
    p=$(pidof_file "$DIR/$n/patroni.pid")
    for _ in $(seq 300); do alive "$p" || break; sleep 0.1; done
    alive "$p" && kill_node "$n"
    [ -f "$DIR/$n/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DIR/$n/data" -m immediate stop >/dev/null 2>&1 || true
  done
  p=$(pidof_file "$DIR/haproxy.pid"); alive "$p" && kill "$p" 2>/dev/null || true
  p=$(pidof_file "$DIR/etcd.pid"); alive "$p" && kill "$p" 2>/dev/null || true
  for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
  return 0
}

case $cmd in
  start)
    command -v patroni >/dev/null && command -v etcd >/dev/null && command -v haproxy >/dev/null \
      || die "patroni, etcd and haproxy are needed (scripts/deps.sh --ha)"
    [ -f "$DIR/pg1/patroni.yml" ] || write_configs
    start_etcd
    start_node pg1
    # the first node bootstraps alone, so that it is the one that runs initdb
    for _ in $(seq 600); do leader >/dev/null && break; sleep 0.2; done
    leader >/dev/null || die "pg1 did not become primary (see $DIR/pg1/patroni.out)"
    start_node pg2; start_node pg3
    start_haproxy
    lead=$(wait_ready)
    node_psql "$lead" "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ducha') THEN
      CREATE ROLE ducha LOGIN CREATEDB; GRANT pg_monitor TO ducha; END IF; END \$\$"
    node_psql "$lead" "SELECT 1 FROM pg_database WHERE datname = 'ducha'" | grep -q 1 \
      || node_psql "$lead" "CREATE DATABASE ducha OWNER ducha"
    node_psql "$lead" "CREATE EXTENSION IF NOT EXISTS pg_trgm" ducha
    echo "postgres://ducha@127.0.0.1:$(port haproxy_primary)/ducha" >"$DIR/url"
    echo "postgres://ducha@127.0.0.1:$(port haproxy_replicas)/ducha" >"$DIR/replica_url"
    cat "$DIR/url" ;;
  url) cat "$DIR/url" ;;
  leader) leader || { echo "no primary" >&2; exit 3; } ;;
  list) patronictl_list ;;
  kill) kill_node "$NODE" ;;
  freeze) kill -STOP "$(pidof_file "$DIR/$NODE/patroni.pid")" ;;
  thaw) kill -CONT "$(pidof_file "$DIR/$NODE/patroni.pid")" ;;
  start-node) start_node "$NODE" ;;
  ready) for n in "${NODES[@]}"; do start_node "$n"; done; wait_ready ;;
  psql) node_psql "$NODE" "$1" "${2:-postgres}" ;;
  stop) stop_all ;;
  destroy) stop_all; rm -rf "${DIR:?}"/* ;;
  *) die "$usage" ;;
esac
