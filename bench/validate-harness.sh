#!/usr/bin/env bash
# bench/validate-harness.sh [RUNS]   (default 3)
# Checks the load-test harness against redis-benchmark: both drive the same redis-server (started
# here on a free port, no persistence unless APPENDFSYNC is set) with the same workload, `-t set,get -c 50` at -P 1
# (-n 200000) and -P 16 (-n 1000000, so that a run lasts about two seconds and one scheduling
# hiccup of the shared machine does not decide its p99), one key and 3-byte values
# (redis-benchmark's defaults without -r/-d), RUNS times each, interleaved. Prints the median ops/s, p50 and p99 of each tool and the ratios
# harness / redis-benchmark. The targets: ops/s within 15 %, p50 and p99 within 20 %.
# The harness runs with its default latency definition (`--latency batch`, redis-benchmark's);
# a third run per round with `--latency request` gives the per-request p50/p99 for comparison.
# BENCH overrides the harness command (default: node bin/we-trust-redis.js bench, from dist/).
# APPENDFSYNC=always|everysec runs redis-server with its AOF on (in a temporary directory), so that
# the server, not a client, limits the rate at -P 1 (see docs/loadtest.md).
# PIN=1 runs redis-server on CPU 0 and both clients on CPU 1 (taskset), so neither client takes
# the server's core. Each run's CPU use is recorded (the client's user+system time over its wall
# time, start-up included, and redis-server's over the same span) and printed: a client near
# 100 % is the bottleneck, and the comparison then measures the clients, not the server.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
N1=${N1:-200000}
N16=${N16:-1000000}
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null || { echo "needs redis-server and redis-benchmark" >&2; exit 2; }
if [ -z "${BENCH:-}" ]; then
  [ -f dist/bench/cli.js ] || npm run build >/dev/null
  BENCH="node bin/we-trust-redis.js bench"
fi

SERVER_CPU=() CLIENT_CPU=()
if [ "${PIN:-0}" = 1 ]; then
  command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ] || { echo "PIN=1 needs taskset and two CPUs" >&2; exit 2; }
  SERVER_CPU=(taskset -c 0) CLIENT_CPU=(taskset -c 1)
fi
TICKS=$(getconf CLK_TCK)
case "${APPENDFSYNC:-}" in
  '') PERSIST=(--appendonly no) ;;
  always|everysec) PERSIST=(--appendonly yes --appendfsync "$APPENDFSYNC") ;;
  *) echo "APPENDFSYNC must be always or everysec" >&2; exit 2 ;;
esac

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
OUT=$(mktemp -d "${TMPDIR:-/tmp}/wtr-validate.XXXXXX")
"${SERVER_CPU[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --save '' --dir "$OUT" "${PERSIST[@]}" --daemonize no >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -rf "$OUT"' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

serverTicks() { awk '{ print $14 + $15 }' "/proc/$REDIS_PID/stat"; }
# measured CPU_FILE OUTPUT_FILE command…: runs the client command (on the clients' CPU) with its
# output in OUTPUT_FILE, and appends "<client CPU %> <redis-server CPU %>" over its wall time to CPU_FILE.
measured() {
  local into=$1 output=$2 ticks0 started times
  shift 2
  ticks0=$(serverTicks)
  started=$(date +%s%N)
  times=$( { TIMEFORMAT='%U %S'; time "${CLIENT_CPU[@]}" "$@" >"$output" 2>/dev/null; } 2>&1 )
  awk -v t="$times" -v wall="$(( $(date +%s%N) - started ))" -v st="$(( $(serverTicks) - ticks0 ))" -v hz="$TICKS" \
    'BEGIN { split(t, u, " "); w = wall / 1e9; printf "%.0f %.0f\n", 100 * (u[1] + u[2]) / w, 100 * st / hz / w }' >>"$into"
}

echo "validate-harness: redis-server $(redis-server --version | grep -o 'v=[^ ]*'), node $(node --version), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)${SERVER_CPU:+, pinned: redis-server on CPU 0, clients on CPU 1}${APPENDFSYNC:+, redis-server appendfsync $APPENDFSYNC}"
for P in 1 16; do
  N=$([ "$P" = 1 ] && echo "$N1" || echo "$N16")
  for T in set get; do
    for RUN in $(seq "$RUNS"); do
      # redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      measured "$OUT/cpu-rb-$T-$P" "$OUT/last" redis-benchmark -p "$PORT" -t "$T" -n "$N" -c 50 -P "$P" --csv
      tail -1 "$OUT/last" | tr -d '"' | awk -F, '{ print $2, $5, $7 }' >>"$OUT/rb-$T-$P"
      for LATENCY in batch request; do
        # shellcheck disable=SC2086 # BENCH is a command line
        measured "$OUT/cpu-$LATENCY-$T-$P" "$OUT/last" $BENCH --port "$PORT" --workload "$T" --requests "$N" \
          --clients 50 --pipeline "$P" --keyspace 1 --value-size 3 --latency "$LATENCY" --json -
        node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const l=r.summary.latencyMs;console.log(r.summary.opsPerSecond,l.p50,l.p99)' \
          "$OUT/last" >>"$OUT/wtr-$LATENCY-$T-$P"
      done
    done
  done
done

node - "$OUT" <<'JS'
const fs = require('fs')
const dir = process.argv[2]
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const read = (f) => fs.readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number))
const col = (rows, i) => median(rows.map((r) => r[i]))
console.log('\nmedians of each tool; ratio = harness / redis-benchmark (targets: ops/s 0.85-1.15, p50/p99 0.80-1.20)')
console.log('harness with --latency batch (the default); the last two columns: its p50/p99 with --latency request')
console.log('test    P    rb ops/s   h ops/s  ratio     rb p50     h p50  ratio     rb p99     h p99  ratio   req p50   req p99')
for (const P of [1, 16]) for (const T of ['set', 'get']) {
  const rb = read(`rb-${T}-${P}`), h = read(`wtr-batch-${T}-${P}`), req = read(`wtr-request-${T}-${P}`)
  const cells = [0, 1, 2].map((i) => [col(rb, i), col(h, i)])
  const fmt = ([a, b], d) => `${a.toFixed(d).padStart(10)}${b.toFixed(d).padStart(10)} ${(b / a).toFixed(2).padStart(6)}`
  console.log(`${T.padEnd(5)} ${String(P).padStart(3)}${fmt(cells[0], 0)}${fmt(cells[1], 3)}${fmt(cells[2], 3)}${col(req, 1).toFixed(3).padStart(10)}${col(req, 2).toFixed(3).padStart(10)}`)
}
// CPU use, medians: a client near 100 % of its CPU limits the rate, and then the ratios above
// compare the clients rather than measure the server.
console.log('\nCPU use over each run, medians (start-up included): client % / redis-server %')
console.log('test    P   redis-benchmark   harness')
for (const P of [1, 16]) for (const T of ['set', 'get']) {
  const rb = read(`cpu-rb-${T}-${P}`), h = read(`cpu-batch-${T}-${P}`)
  console.log(`${T.padEnd(5)} ${String(P).padStart(3)}   ${`${col(rb, 0)} / ${col(rb, 1)}`.padStart(15)}   ${`${col(h, 0)} / ${col(h, 1)}`.padStart(7)}`)
}
// Each round ran the two tools back to back, so a round's ratio is less exposed to the machine's
// load drifting between rounds than the ratio of the medians.
console.log('\nper-round ratios harness / redis-benchmark, in run order (ops/s; p50; p99)')
for (const P of [1, 16]) for (const T of ['set', 'get']) {
  const rb = read(`rb-${T}-${P}`), h = read(`wtr-batch-${T}-${P}`)
  const ratios = (i) => rb.map((r, k) => (h[k][i] / r[i]).toFixed(2)).join(' ')
  console.log(`${T.padEnd(5)} ${String(P).padStart(3)}  ${ratios(0)};  ${ratios(1)};  ${ratios(2)}`)
}
JS
