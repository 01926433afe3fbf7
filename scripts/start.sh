#!/usr/bin/env bash
# `npm start`: set everything up, seed the demo workspace, run api, ingest and worker and a demo shop
# page with the chat widget; with no real platform configured, also the platform simulator with a demo
# bot, Instagram account and Divar app.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_node_modules
ensure_postgres
ensure_redis
ensure_ffmpeg
build_if_stale
node dist/tools/db/prepare.js

# In production the defaults are the real platforms; elsewhere, none configured means the simulator.
if [ "${NODE_ENV:-}" != production ] && [ -z "${TELEGRAM_API_ROOT:-}" ] && [ -z "${INSTAGRAM_API_URL:-}" ]; then
  export SIMULATOR_PORT="${SIMULATOR_PORT:-3003}"
  export TELEGRAM_API_ROOT="http://127.0.0.1:$SIMULATOR_PORT" INSTAGRAM_API_URL="http://127.0.0.1:$SIMULATOR_PORT"
  # Instagram attachment URLs point at the simulator's CDN stand-in: allowed as that exact origin.
  export SIMULATOR_CDN_PORT="${SIMULATOR_CDN_PORT:-$((SIMULATOR_PORT + 1))}"
  export INSTAGRAM_MEDIA_HOSTS="${INSTAGRAM_MEDIA_HOSTS:-http://127.0.0.1:$SIMULATOR_CDN_PORT}"
  export INSTAGRAM_APP_SECRET="${INSTAGRAM_APP_SECRET:-parley-demo-app-secret}"
  export INSTAGRAM_VERIFY_TOKEN="${INSTAGRAM_VERIFY_TOKEN:-parley-demo-verify-token}"
  # Divar's API, OAuth and upload hosts are the simulator's too; its attachment links point at the CDN.
  export DIVAR_API_URL="${DIVAR_API_URL:-http://127.0.0.1:$SIMULATOR_PORT/divar}"
  export DIVAR_OAUTH_URL="${DIVAR_OAUTH_URL:-http://127.0.0.1:$SIMULATOR_PORT/divar}"
  export DIVAR_UPLOAD_URL="${DIVAR_UPLOAD_URL:-http://127.0.0.1:$SIMULATOR_PORT/divar-upload}"
  export DIVAR_MEDIA_HOSTS="${DIVAR_MEDIA_HOSTS:-http://127.0.0.1:$SIMULATOR_CDN_PORT}"
  export PARLEY_SIMULATOR=1
  log "no real platform configured: starting the platform simulator on :$SIMULATOR_PORT"
  node dist/tools/simulator/main.js &
  simulator=$!
  trap 'kill $simulator 2>/dev/null || true' EXIT
  wait_port 127.0.0.1 "$SIMULATOR_PORT" || die "the platform simulator did not start"
  wait_port 127.0.0.1 "$SIMULATOR_CDN_PORT" || die "the platform simulator's media CDN did not start"
fi
if [ "${NODE_ENV:-}" = production ]; then
  log "NODE_ENV=production: no demo workspace (sign up your own: POST /api/v1/auth/signup)"
else
  # A sample shop on its own origin with the demo website channel's widget (the seed allows its origin).
  export SHOP_PORT="${SHOP_PORT:-3005}"
  node dist/tools/seed/seed.js
  node dist/tools/demo-shop/main.js &
  shop=$!
  trap 'kill ${simulator:-} $shop 2>/dev/null || true' EXIT
fi

log "starting api, ingest and worker; a crashed one is restarted; Ctrl-C stops all"
# In the background and waited for, so a SIGTERM to this script (a supervisor, `timeout`) reaches
# the apps too: they drain and exit, and the simulator goes with them.
node dist/tools/supervisor/main.js \
  api=dist/apps/api/src/main.js ingest=dist/apps/ingest/src/main.js worker=dist/apps/worker/src/main.js &
apps=$!
trap 'kill -TERM $apps ${simulator:-} ${shop:-} 2>/dev/null || true; wait $apps ${simulator:-} ${shop:-} 2>/dev/null || true' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
wait $apps
