#!/usr/bin/env bash
# `npm test`: the same set-up as `npm start`, then type-check, lint and the whole jest suite.
# Each run gets its own databases (cloned from a migrated template) and its own Redis key prefix.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_node_modules
ensure_postgres
ensure_redis
ensure_ffmpeg
ensure_chromium
ensure_pyjwt
ensure_php
build
log "type-checking tests and lint"
node_modules/.bin/tsc -p tsconfig.json --noEmit
node_modules/.bin/tsc -p apps/dashboard/tsconfig.json
node_modules/.bin/eslint --quiet .
log "running tests"
exec node_modules/.bin/jest "$@"
