#!/usr/bin/env bash
# bench/crash-cycles.sh [CYCLES]   (default 100)
# Runs the kill -9 crash spec (spec/durability/crash.spec.ts) for CYCLES cycles instead of the
# five CI runs: concurrent writers, SIGKILL at a random moment, restart, every acknowledged write
# checked. Prints mocha's report, then a summary: the cycles, the outcome, the time, and the
# spec's own `crash-cycles:` lines (its counts of acknowledged writes) when it prints them.
# SPEC overrides the spec file; the built server (dist/) is what runs.
set -uo pipefail
cd "$(dirname "$0")/.."
CYCLES=${1:-100}
SPEC=${SPEC:-spec/durability/crash.spec.ts}
case "$CYCLES" in '' | *[!0-9]*) echo "usage: $0 [CYCLES]" >&2; exit 2 ;; esac
[ -f dist/main.js ] || npm run build >/dev/null || exit 1

# A cycle takes a few seconds (start-up, 0.4-1.6 s of writes, verification); allow 30 s each.
TIMEOUT_MS=$(( CYCLES * 30000 + 60000 ))
LOG=$(mktemp "${TMPDIR:-/tmp}/wtr-crash-cycles.XXXXXX")
trap 'rm -f "$LOG"' EXIT

echo "crash-cycles.sh: $CYCLES cycles of $SPEC, node $(node --version), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
START_MS=$(date +%s%3N)
CRASH_CYCLES=$CYCLES npx mocha --no-config --node-option import=tsx --extension ts \
  --timeout "$TIMEOUT_MS" "$SPEC" 2>&1 | tee "$LOG"
STATUS=${PIPESTATUS[0]}
ELAPSED_MS=$(( $(date +%s%3N) - START_MS ))

echo
grep '^crash-cycles:' "$LOG"
RESULT=$([ "$STATUS" -eq 0 ] && echo passed || echo "FAILED (mocha exit $STATUS)")
awk -v c="$CYCLES" -v r="$RESULT" -v ms="$ELAPSED_MS" \
  'BEGIN { printf "crash-cycles: %d cycles %s in %.1f s (%.2f s per cycle)\n", c, r, ms / 1000, ms / 1000 / c }'
exit "$STATUS"
