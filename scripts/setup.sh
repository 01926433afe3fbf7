#!/usr/bin/env bash
# Shared set-up for `npm start` and `npm test` on a fresh machine: dependencies, Postgres, Redis, build.
# Sourced by start.sh and test.sh; every step is idempotent and quick when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -f .env ]; then
  # A variable set (non-empty) in the environment wins over .env, as it does for the apps.
  declare -A preset=()
  for name in $(sed -nE 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=.*/\2/p' .env); do
    [ -n "${!name:-}" ] && preset[$name]=${!name}
  done
  set -a && . ./.env && set +a
  for name in "${!preset[@]}"; do export "$name=${preset[$name]}"; done
  unset preset name
fi
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export DATABASE_URL REDIS_URL

# Bold only on a terminal, so logs and tests read plain text.
if [ -t 2 ]; then log() { printf '\033[1mparley:\033[0m %s\n' "$*" >&2; }; else log() { printf 'parley: %s\n' "$*" >&2; }; fi
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

# node_modules holds every package of package-lock.json at its locked version: read from the
# installed packages themselves, not from file times (a git checkout changes them) nor from npm's
# own record (node_modules/.package-lock.json), which can be stale. Optional packages (other
# platforms' binaries) may be absent.
node_modules_current() {
  [ -d node_modules ] && node -e '
    const { readFileSync } = require("node:fs");
    const locked = require("./package-lock.json").packages;
    const installed = (path) => {
      try { return JSON.parse(readFileSync(`${path}/package.json`, "utf8")).version; } catch { return null; }
    };
    const stale = Object.entries(locked).filter(
      ([path, p]) => path && !p.optional && !p.link && installed(path) !== p.version,
    );
    process.exit(stale.length ? 1 : 0);
  ' 2>/dev/null
}

ensure_node_modules() {
  if ! node_modules_current; then
    log "installing npm dependencies"
    # Exactly the locked tree, as the Dockerfile and any CI install it.
    # Dev dependencies too, even with NODE_ENV=production: the build needs them.
    npm ci --include=dev --no-audit --no-fund --loglevel=error
  fi
}

ensure_postgres() {
  local host port
  host=$(url_host "$DATABASE_URL"); port=$(url_port "$DATABASE_URL" 5432)
  port_open "$host" "$port" && return 0
  # A server of someone else's: the apps wait for it and say so.
  is_local "$host" || { log "Postgres at $host:$port does not answer yet (DATABASE_URL); waiting for it"; return 0; }
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
  is_local "$host" || { log "Redis at $host:$port does not answer yet (REDIS_URL); waiting for it"; return 0; }
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

# The worker converts voice notes with Debian's ffmpeg (never a downloaded binary); FFMPEG_PATH overrides.
ensure_ffmpeg() {
  if [ -n "${FFMPEG_PATH:-}" ]; then [ -x "$FFMPEG_PATH" ] && return 0; die "FFMPEG_PATH=$FFMPEG_PATH is not an executable."; fi
  command -v ffmpeg >/dev/null && return 0
  if is_root && command -v apt-get >/dev/null; then apt_install --no-install-recommends ffmpeg; return 0; fi
  # Everything else works without it; voice notes in a format the platform does not take then fail with that reason.
  log "ffmpeg is missing (apt-get install --no-install-recommends ffmpeg): voice notes will not be converted"
}

# The apps test runs the README's Python check of an app's signed context with PyJWT (Debian's python3-jwt).
ensure_pyjwt() {
  { /usr/bin/python3 -c 'import jwt' || python3 -c 'import jwt'; } >/dev/null 2>&1 && return 0
  if is_root && command -v apt-get >/dev/null; then apt_install python3-jwt; return 0; fi
  log "PyJWT is missing (apt-get install python3-jwt): the apps test skips its Python check"
}

# The widget test runs the README's identity lines in PHP with Debian's php-cli.
ensure_php() {
  command -v php >/dev/null && return 0
  if is_root && command -v apt-get >/dev/null; then apt_install php-cli; return 0; fi
  log "php is missing (apt-get install php-cli): the widget test skips the README's PHP lines"
}

# What the build compiles: any of it newer than dist/.build-stamp (written by `npm run build`
# when it succeeds, dated when it began) means dist/ is stale.
BUILD_SOURCES=(apps libs tools migrations bench package.json package-lock.json tsconfig.json tsconfig.build.json)
build_is_current() {
  [ -f dist/.build-stamp ] && [ -z "$(find "${BUILD_SOURCES[@]}" -newer dist/.build-stamp -print -quit 2>/dev/null)" ]
}

build() {
  log "building"
  npm run --silent build
}

build_if_stale() {
  if build_is_current; then log "the build is up to date"; else build; fi
}
