#!/usr/bin/env bash
# `npm start`: set everything up, seed the demo workspace, run api, ingest and worker.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_node_modules
ensure_postgres
ensure_redis
build
node dist/tools/db/prepare.js
node dist/tools/seed/seed.js

log "starting api (:${API_PORT:-3000}), ingest (:${INGEST_PORT:-3001}) and worker (:${WORKER_PORT:-3002}); Ctrl-C stops all"
exec node_modules/.bin/concurrently --kill-others --names api,ingest,worker --prefix-colors blue,green,magenta \
  "node dist/apps/api/src/main.js" "node dist/apps/ingest/src/main.js" "node dist/apps/worker/src/main.js"
