#!/usr/bin/env bash
# Shared set-up for `npm start` and `npm test` on a fresh machine: dependencies, Postgres, Redis, build.
# Sourced by start.sh and test.sh; every step is idempotent and quick when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -f .env ] && set -a && . ./.env && set +a
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export DATABASE_URL REDIS_URL

log() { printf '\033[1mparley:\033[0m %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# host and port of a URL like scheme://user:pass@host:port/path
url_host() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
url_port() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; [[ "$rest" == *:* ]] && echo "${rest##*:}" || echo "$2"; }
is_local() { case "$1" in 127.*|localhost|::1|"") return 0 ;; *) return 1 ;; esac; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_port() {
  local i
  for i in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  return 1
}

apt_updated=0
apt_install() {
  is_root && command -v apt-get >/dev/null || die "$1 is missing; install it (apt-get install $*) or point the URL at a running server."
  [ "$apt_updated" = 1 ] || { log "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; }
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies"
    # Exactly the locked tree, as the Dockerfile and any CI install it.
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_postgres() {
  local host port
  host=$(url_host "$DATABASE_URL"); port=$(url_port "$DATABASE_URL" 5432)
  port_open "$host" "$port" && return 0
  is_local "$host" || die "Postgres at $host:$port does not answer (DATABASE_URL)."
  local installed_now=0
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then apt_install postgresql; installed_now=1; fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$installed_now" = 1 ]; then
    # A fresh Debian cluster asks for passwords on TCP; the local default URL connects as postgres without one.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port "$host" "$port" || die "PostgreSQL did not start on $host:$port."
}

ensure_redis() {
  local host port
  host=$(url_host "$REDIS_URL"); port=$(url_port "$REDIS_URL" 6379)
  port_open "$host" "$port" && return 0
  is_local "$host" || die "Redis at $host:$port does not answer (REDIS_URL)."
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting Redis on $port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
  wait_port "$host" "$port" || die "Redis did not start on $host:$port."
}

# The browser tests drive Debian's chromium (never a downloaded browser); CHROMIUM_PATH overrides.
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  apt_install chromium
}

build() {
  log "building"
  npm run --silent build
}
