#!/usr/bin/env bash
# bench/vs-redis.sh [none|everysec|always]
# Starts this server (built) on a free port with a temporary data directory, runs the shared
# side-by-side benchmark against a private redis-server, and stops the server by PID.
# Environment knobs (ROUNDS, SECS, WORKLOADS, …) pass through to bench-vs-redis.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-none}
SHARED=${SHARED:-../shared}
[ -f dist/main.js ] || npm run build >/dev/null

DATA=$(mktemp -d /tmp/wtr-bench.XXXXXX)
LOG="$DATA/server.log"
case "$MODE" in
  none) PERSIST=(--appendonly no) ;;
  *) PERSIST=(--appendonly yes --appendfsync "$MODE") ;;
esac
node bin/we-trust-redis.js --port 0 --dir "$DATA" "${PERSIST[@]}" >"$LOG" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

for _ in $(seq 100); do
  PORT=$(sed -n 's/.*Ready to accept connections.*:\([0-9]*\)$/\1/p' "$LOG")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "server did not start:"; cat "$LOG"; exit 1; } >&2

echo "we-trust-redis $(git rev-parse --short HEAD 2>/dev/null || echo '?') on :$PORT, node $(node --version), $(date -u +%Y-%m-%dT%H:%MZ)"
"$SHARED/bench/bench-vs-redis.sh" "$PORT" "$MODE"
