#!/bin/sh
# Chooses the Parley process this container runs.
set -e
case "$1" in
  api | ingest | worker) exec node "dist/apps/$1/src/main.js" ;;
  migrate) exec node dist/tools/db/prepare.js ;;
  seed) exec node dist/tools/seed/seed.js ;;
  *) exec "$@" ;;
esac
