#!/usr/bin/env bash
# Installs the Debian packages ducha builds, tests and benchmarks with. Idempotent: it installs only
# what is missing and does nothing (not even apt-get update) when everything is present.
# Usage: scripts/deps.sh [--bench] [--ha] [--security]   (--ha: the PostgreSQL cluster, failover and backup
# drills of make test-pg-ha: Patroni, etcd, HAProxy, pgBackRest; --security: sqlmap for make test-security)
set -euo pipefail

pkgs=(
  build-essential pkg-config clang
  libmicrohttpd-dev libsqlite3-dev sqlite3 libjansson-dev libsodium-dev libssl-dev libpq-dev libcurl4-openssl-dev
  libcairo2-dev libpango1.0-dev libxlsxwriter-dev libzip-dev fonts-noto-cjk fonts-wqy-zenhei
  libcmocka-dev
  postgresql postgresql-contrib pgbouncer prometheus
  python3 python3-pytest python3-yaml python3-aiosmtpd python3-jsonschema python3-pil python3-openpyxl poppler-utils unzip
  chromium nodejs npm
  curl
  libmagic-dev zlib1g-dev
)
for a in "$@"; do
  case $a in
    --bench) pkgs+=(wrk nginx-light) ;;
    --ha) pkgs+=(patroni etcd-server etcd-client haproxy pgbackrest) ;;
    --security) pkgs+=(sqlmap) ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# nodejs/npm may come from elsewhere (e.g. a NodeSource or image install); accept a working node and npm.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
