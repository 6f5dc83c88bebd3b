#!/usr/bin/env bash
# Runs the hand-built replica layout of docs/deployment.md on one machine, on loopback only:
#   PostgreSQL primary + synchronous streaming replica (pg_basebackup -R with application_name,
#   replication slot, synchronous_standby_names), two `ducha serve`
#   nodes, nginx with TLS (self-signed certificate) balancing them, a write through nginx that
#   appears on the replica, then a failover: the primary is killed, the replica promoted with
#   `pg_ctl promote`, the nodes restarted on it, the audit chain verified and a new write accepted.
#   Also checks the systemd unit file with systemd-analyze.
# Usage: scripts/deploy-check.sh [BIN]   (BIN defaults to build/ducha; needs root or the postgres user)
# Prints one line per step and the figures; exits non-zero at the first failed step. Cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$(realpath "${1:-$ROOT/build/ducha}")
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN" ] || { echo "deploy-check: build $BIN first" >&2; exit 1; }
command -v nginx >/dev/null || { echo "deploy-check: nginx missing (scripts/deps.sh --bench)" >&2; exit 1; }

W=$(mktemp -d /tmp/ducha-deploy.XXXXXX)
chmod 755 "$W"
# the nodes' shared data directory (attachments, the audit key, the checkpoint file): every node and
# every ducha command of this layout uses the same one, never ./data of the checkout
export DUCHA_DATA_DIR=$W/data
PIDS=()
if [ "$(id -u)" -eq 0 ]; then AS=(runuser -u postgres --); chown postgres "$W"; else AS=(); fi
pg() { "${AS[@]}" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  pg "$PG_BIN/pg_ctl" -D "$W/primary" -m immediate stop >/dev/null 2>&1 || true
  pg "$PG_BIN/pg_ctl" -D "$W/standby" -m immediate stop >/dev/null 2>&1 || true
  sleep 0.5
  rm -rf "$W"
}
trap cleanup EXIT
step() { echo "== $*"; }

P1=$(free_port); P2=$(free_port); N1=$(free_port); N2=$(free_port); TLS=$(free_port)

step "primary: initdb, replication role and pg_hba, start on 127.0.0.1:$P1"
pg "$PG_BIN/initdb" -D "$W/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$W/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $P1
unix_socket_directories = '$W'
wal_level = replica
max_wal_senders = 10
hot_standby = on
EOF
cat >"$W/primary/pg_hba.conf" <<EOF
local all all trust
host all ducha 127.0.0.1/32 scram-sha-256
host replication replicator 127.0.0.1/32 scram-sha-256
EOF
pg "$PG_BIN/pg_ctl" -D "$W/primary" -l "$W/primary.log" -w start >/dev/null
pg psql -X -q -h "$W" -p "$P1" -U postgres -c "CREATE ROLE ducha LOGIN PASSWORD 'ducha-pw'" \
  -c "CREATE ROLE replicator REPLICATION LOGIN PASSWORD 'repl-pw'" -c "CREATE DATABASE ducha OWNER ducha"
PRIMARY="postgres://ducha:ducha-pw@127.0.0.1:$P1/ducha"
"$BIN" demo --db "$PRIMARY" >/dev/null

step "standby: pg_basebackup -d 'application_name=standby1' -R -X stream -C -S standby1, start on 127.0.0.1:$P2"
printf '127.0.0.1:%s:replication:replicator:repl-pw\n' "$P1" >"$W/pgpass"
chmod 600 "$W/pgpass"; [ ${#AS[@]} -gt 0 ] && chown postgres "$W/pgpass"
# the standby names itself in primary_conninfo: synchronous_standby_names matches it (docs/deployment.md)
pg env PGPASSFILE="$W/pgpass" "$PG_BIN/pg_basebackup" -d "host=127.0.0.1 port=$P1 user=replicator application_name=standby1" \
  -D "$W/standby" -R -X stream -C -S standby1 -c fast
test -f "$W/standby/standby.signal"
grep -q "application_name=standby1" "$W/standby/postgresql.auto.conf"
sed -i "s/^port = .*/port = $P2/" "$W/standby/postgresql.conf"
pg "$PG_BIN/pg_ctl" -D "$W/standby" -l "$W/standby.log" -w start >/dev/null
for i in $(seq 1 100); do  # the walreceiver connects shortly after the standby accepts connections
  state=$(pg psql -X -Atq -h "$W" -p "$P1" -U postgres -c "SELECT state FROM pg_stat_replication")
  [ "$state" = streaming ] && break; sleep 0.1
done
echo "   replication state on the primary: $state"
[ "$state" = streaming ]
pg psql -X -q -h "$W" -p "$P1" -U postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" \
  -c "SELECT pg_reload_conf()" >/dev/null
for i in $(seq 1 50); do
  sync=$(pg psql -X -Atq -h "$W" -p "$P1" -U postgres -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")
  [ "$sync" = sync ] && break; sleep 0.1
done
echo "   synchronous_standby_names = 'standby1': sync_state $sync"
[ "$sync" = sync ]

step "two ducha nodes on the primary (127.0.0.1:$N1, 127.0.0.1:$N2), nginx TLS on 127.0.0.1:$TLS"
for port in "$N1" "$N2"; do
  DUCHA_DB="$PRIMARY" "$BIN" serve --listen "127.0.0.1:$port" >"$W/node-$port.log" 2>&1 &
  PIDS+=($!)
done
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=ducha.test" -keyout "$W/tls.key" -out "$W/tls.crt" \
  2>/dev/null
mkdir -p "$W/nginx"
cat >"$W/nginx.conf" <<EOF
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events {}
http {
    client_body_temp_path $W/nginx; proxy_temp_path $W/nginx; fastcgi_temp_path $W/nginx;
    uwsgi_temp_path $W/nginx; scgi_temp_path $W/nginx;
    access_log $W/nginx-access.log;
    upstream ducha {
        server 127.0.0.1:$N1 max_fails=2 fail_timeout=5s;
        server 127.0.0.1:$N2 max_fails=2 fail_timeout=5s;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$TLS ssl;
        server_name ducha.test;
        ssl_certificate $W/tls.crt;
        ssl_certificate_key $W/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 25m;
        location / {
            proxy_pass http://ducha;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_read_timeout 120s;
        }
    }
}
EOF
nginx -t -c "$W/nginx.conf" -p "$W" 2>&1 | tail -1
nginx -c "$W/nginx.conf" -p "$W"
for i in $(seq 1 100); do curl -skf "https://127.0.0.1:$TLS/api/v1/health" >/dev/null && break; sleep 0.1; done
curl -skf "https://127.0.0.1:$TLS/api/v1/health"; echo

step "sign in and write through nginx; the row reaches the replica"
J=$W/jar
csrf=$(curl -skf -c "$J" -H 'Content-Type: application/json' -d '{"username":"gc_admin","password":"Demo2026"}' \
  "https://127.0.0.1:$TLS/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
gc=$(curl -skf -b "$J" "https://127.0.0.1:$TLS/api/v1/units?q=gc&limit=50" |
  python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin)["units"] if u["code"]=="gc"][0])')
for i in 1 2 3 4; do  # round robin: both nodes serve the same session
  curl -skf -b "$J" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"code\":\"deploy-$i\",\"name\":\"部署检查$i\",\"kind\":\"department\",\"parent_id\":$gc}" \
    "https://127.0.0.1:$TLS/api/v1/units" >/dev/null
done
t0=$(date +%s%N)
for i in $(seq 1 100); do
  n=$(pg psql -X -Atq -h "$W" -p "$P2" -U postgres -d ducha -c "SELECT COUNT(*) FROM units WHERE code LIKE 'deploy-%'")
  [ "$n" = 4 ] && break; sleep 0.05
done
echo "   replica has the 4 units after $(( ($(date +%s%N) - t0) / 1000000 )) ms; replay lag:" \
  "$(pg psql -X -Atq -h "$W" -p "$P1" -U postgres -c 'SELECT replay_lag FROM pg_stat_replication')"
[ "$n" = 4 ]
ro=$(pg psql -X -Atq -h "$W" -p "$P2" -U postgres -d ducha -c "SELECT pg_is_in_recovery()")
[ "$ro" = t ]

step "failover: kill the primary, pg_ctl promote the standby, restart the nodes on it"
pg "$PG_BIN/pg_ctl" -D "$W/primary" -m immediate stop >/dev/null
pg "$PG_BIN/pg_ctl" -D "$W/standby" -w promote >/dev/null
# the new primary has no standby yet: it must not wait for one (the standby inherited none: check)
[ -z "$(pg psql -X -Atq -h "$W" -p "$P2" -U postgres -c 'SHOW synchronous_standby_names')" ]
[ "$(pg psql -X -Atq -h "$W" -p "$P2" -U postgres -c 'SELECT pg_is_in_recovery()')" = f ]
for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
PIDS=()
NEW="postgres://ducha:ducha-pw@127.0.0.1:$P2/ducha"
# the standby's pg_hba.conf came with the base backup
for port in "$N1" "$N2"; do
  DUCHA_DB="$NEW" "$BIN" serve --listen "127.0.0.1:$port" >>"$W/node-$port.log" 2>&1 &
  PIDS+=($!)
done
for i in $(seq 1 100); do curl -skf "https://127.0.0.1:$TLS/api/v1/health" >/dev/null && break; sleep 0.1; done
"$BIN" audit verify --db "$NEW"
csrf=$(curl -skf -c "$J" -H 'Content-Type: application/json' -d '{"username":"gc_admin","password":"Demo2026"}' \
  "https://127.0.0.1:$TLS/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
code=$(curl -sk -o /dev/null -w '%{http_code}' -b "$J" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d "{\"code\":\"deploy-after\",\"name\":\"切换后\",\"kind\":\"department\",\"parent_id\":$gc}" \
  "https://127.0.0.1:$TLS/api/v1/units")
echo "   write after failover: HTTP $code"
[ "$code" = 201 ]

step "systemd unit file (docs/deployment.md) passes systemd-analyze verify"
sed -n '/^```ini ducha.service/,/^```$/p' docs/deployment.md | sed '1d;$d' >"$W/ducha.service"
sed -i "s#^ExecStart=/usr/local/bin/ducha#ExecStart=$BIN#" "$W/ducha.service"
grep -q '^ExecStart=' "$W/ducha.service"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$W/ducha.service"
else
  echo "   (systemd-analyze not installed: skipped)"
fi
echo "deploy-check: all steps passed"
