#!/usr/bin/env bash
# bench/tiering.sh
# The tiering scenario (bench/tiering.md). Two tenants of KEYS values each on a server capped by
# MAXMEMORY, so reads go to the segments: "busy" keeps being read and stays on SSD, "idle" goes
# cold and migrates to the HDD directory while "busy" is under load. Reports, as markdown:
#   - migration throughput (MB/s) while the server serves GETs,
#   - GET latency (we-trust-redis bench, closed loop) for the SSD-tier and the HDD-tier tenant,
#   - the hot-path cost of access tracking: GET ops/s with tier-tracking yes / no (alternating
#     runs, median ratio).
#
#   bench/tiering.sh                               # 300k keys per tenant, 32mb
#   KEYS=100000 MAXMEMORY=16mb SECONDS_PER_RUN=5 bench/tiering.sh
#
# Uses the built server and harness (npm run build first); needs redis-cli. HDD_DIR may point to
# another filesystem (a real disk) to measure a real second tier; by default it is a directory
# next to the data, on the same device, so the two tiers' latencies only differ by the page cache.
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-300000}
MAXMEMORY=${MAXMEMORY:-32mb}
VALUE=${VALUE:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
PORT=${PORT:-6441}
ROOT=$(mktemp -d)
HDD_DIR_SET=${HDD_DIR:-}
HDD_DIR=${HDD_DIR:-$ROOT/hdd}
BIN=bin/we-trust-redis.js
log() { echo "[tiering] $*" >&2; }

node "$BIN" --port "$PORT" --dir "$ROOT/data" --hdd-dir "$HDD_DIR" --maxmemory "$MAXMEMORY" \
  --tier-cold-after 3600 --tier-scan-interval 1 --tier-promote-heat 1000000000 >"$ROOT/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$ROOT"; }
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

cli() { redis-cli -p "$PORT" "$@"; }
info() { cli info tiering | tr -d '\r' | awk -F: -v f="$1" '$1 == f { print $2 }'; }
tenant_field() { cli tenant info "$1" | awk -v f="$2" 'prev == f { print; exit } { prev = $0 }'; }
harness() { node "$BIN" bench --port "$PORT" --quiet "$@"; }

cli tenant create busy pw >/dev/null
cli tenant create idle pw >/dev/null
for t in busy idle; do
  log "loading $KEYS keys of $VALUE bytes into tenant $t"
  harness --user "$t" --pass pw --workload set --key-dist sequential --keyspace "$KEYS" --requests "$KEYS" \
    --value-size "$VALUE" --clients 20 --pipeline 32 >/dev/null
done
cli bgsave >/dev/null || true
for _ in $(seq 600); do [ "$(cli info persistence | tr -d '\r' | awk -F: '$1=="rdb_bgsave_in_progress"{print $2}')" = 0 ] && break; sleep 0.5; done

log "idle goes cold while busy serves GETs; measuring the migration"
harness --user busy --pass pw --workload get --keyspace "$KEYS" --duration 600s --clients 10 >/dev/null 2>&1 &
LOAD=$!
cli config set tier-cold-after 3 >/dev/null
start_bytes=$(info tier_bytes_moved)
start_ms=$(info tier_move_time_ms)
for _ in $(seq 1200); do
  if [ "$(tenant_field idle ssd_segments)" = 0 ] && [ "$(tenant_field idle hdd_segments)" != 0 ]; then break; fi
  sleep 0.1
done
kill "$LOAD" 2>/dev/null || true; wait "$LOAD" 2>/dev/null || true
moved=$(( $(info tier_bytes_moved) - start_bytes ))
move_ms=$(( $(info tier_move_time_ms) - start_ms ))
# Bytes moved over the time spent moving them (copy, fsyncs, manifest switch, delete).
mbps=$(echo "$moved / 1048576 / (($move_ms + 1) / 1000)" | bc -l)

latency() { # tenant -> "ops p50 p99" from the harness's JSON
  harness --user "$1" --pass pw --workload get --keyspace "$KEYS" --duration "${SECONDS_PER_RUN}s" --clients 50 --json - |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).summary;console.log(`${Math.round(r.opsPerSecond)} ${r.latencyMs.p50} ${r.latencyMs.p99}`)})'
}
log "GET latency per tier"
read -r ssd_ops ssd_p50 ssd_p99 < <(latency busy)
read -r hdd_ops hdd_p50 hdd_p99 < <(latency idle)

log "tracking overhead (alternating runs)"
ratios=()
for run in 1 2 3 4; do
  # The order alternates, so neither setting always runs second (warmer caches, later compactions).
  if [ $((run % 2)) = 1 ]; then
    cli config set tier-tracking yes >/dev/null; read -r on _ _ < <(latency busy)
    cli config set tier-tracking no >/dev/null; read -r off _ _ < <(latency busy)
  else
    cli config set tier-tracking no >/dev/null; read -r off _ _ < <(latency busy)
    cli config set tier-tracking yes >/dev/null; read -r on _ _ < <(latency busy)
  fi
  ratios+=("$(echo "$on / $off" | bc -l)")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (v[2] + v[3]) / 2 }')

cat <<EOF
| measure | value |
|---|---|
| keys per tenant, value bytes, maxmemory | $KEYS, $VALUE, $MAXMEMORY |
| HDD directory | $( [ -n "${HDD_DIR_SET:-}" ] && echo "$HDD_DIR" || echo "same device as SSD" ) |
| bytes migrated to HDD | $moved |
| migration throughput under GET load | $(printf '%.1f' "$mbps") MB/s ($moved bytes in $move_ms ms of moving) |
| GET, SSD-tier tenant: ops/s, p50, p99 (ms) | $ssd_ops, $ssd_p50, $ssd_p99 |
| GET, HDD-tier tenant: ops/s, p50, p99 (ms) | $hdd_ops, $hdd_p50, $hdd_p99 |
| GET ops/s, tracking on / off (median of 4 pairs) | $(printf '%.3f' "$median") ($(printf '%.3f ' "${ratios[@]}")) |
| tiering errors | $(info tier_errors) |
EOF
