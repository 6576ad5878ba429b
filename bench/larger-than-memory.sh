#!/usr/bin/env bash
# bench/larger-than-memory.sh
# The larger-than-memory scenario (bench/larger-than-memory.md): loads KEYS values into the built
# server capped by MAXMEMORY, then reports RSS, GET latency (uniform and zipf), space
# amplification and restart times as a markdown table on stdout; progress goes to stderr, JSON
# to $OUT. Exits 1 if any value read back is missing or wrong, or if the run fails.
#
#   bench/larger-than-memory.sh                                      # 5M keys, 100mb
#   KEYS=300000 MAXMEMORY=20mb GET_SECONDS=3 bench/larger-than-memory.sh
#
# Rebuilds dist/ when it is missing or older than src/ (SKIP_BUILD=1 runs dist/ as it is;
# SERVER=<path to another build's bin/we-trust-redis.js> runs that build and skips this one's).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-0}" != 1 ] && [ -z "${SERVER:-}" ]; then
  if [ ! -f dist/main.js ] || [ -n "$(find src -newer dist/main.js -print -quit)" ]; then
    echo "[larger-than-memory] dist/ is missing or older than src/: npm run build" >&2
    npm run build >&2 || { echo "[larger-than-memory] build failed (SKIP_BUILD=1 runs the existing dist/)" >&2; exit 1; }
  fi
fi

exec node bench/larger-than-memory.mjs "$@"
