// The report of a run: what was asked (config), what came back (summary, per operation, errors,
// per-second series), and each operation's full histogram so reports can be merged or compared
// later. This is the `--json` document; docs/loadtest.md describes it field by field and
// reportSchema.ts checks it.

import { decodeHistogram, latencyHistogram, percentileSpectrum, summarize, type LatencySummary } from './histogram.js'
import type { LatencyDefinition } from './completion.js'
import type { RecorderSnapshot } from './recorder.js'

export const REPORT_SCHEMA = 'we-trust-redis/bench-report/1'

export interface BenchConfig {
  readonly host: string
  readonly port: number
  readonly clients: number
  readonly pipeline: number
  /** A closed loop's refill (`batch` or `window`); null for an open loop. */
  readonly refill: 'batch' | 'window' | null
  /** The latency definition: `batch` or `request` (closed loop), `intended` (open loop). */
  readonly latency: LatencyDefinition
  readonly threads: number
  readonly workload: string
  readonly keyspace: number
  readonly keyDistribution: string
  readonly valueSize: string
  /** Requests per second for an open loop; null for a closed loop. */
  readonly rate: number | null
  readonly durationSeconds: number | null
  readonly requests: number | null
  /** The unrecorded warm-up before the measured run (0 for none). */
  readonly warmupSeconds: number
  readonly tenants: number | null
  readonly seed: number
}

export interface OperationReport {
  readonly count: number
  readonly opsPerSecond: number
  readonly latencyMs: LatencySummary
  /** hdr-histogram-js compressed base64 of the latencies in microseconds. */
  readonly histogram: string
}

export interface SecondReport {
  readonly second: number
  readonly ops: number
  readonly errors: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface BenchReport {
  readonly schema: typeof REPORT_SCHEMA
  /** A label shown by `bench compare` and in HTML legends. */
  readonly label: string
  readonly startedAt: string
  readonly config: BenchConfig
  readonly summary: {
    readonly elapsedSeconds: number
    readonly requests: number
    readonly errors: number
    readonly opsPerSecond: number
    readonly latencyMs: LatencySummary
  }
  readonly operations: Readonly<Record<string, OperationReport>>
  readonly errors: Readonly<Record<string, number>>
  readonly series: readonly SecondReport[]
  /** Latency of all operations together at percentiles 0, 50, 75, 87.5 … 100. */
  readonly spectrum: readonly { readonly percentile: number; readonly ms: number }[]
}

export const buildReport = (config: BenchConfig, snapshot: RecorderSnapshot, startedAt: Date, label?: string): BenchReport => {
  const seconds = snapshot.elapsedMs / 1000
  const perSecond = (n: number): number => (seconds > 0 ? n / seconds : 0)
  const all = latencyHistogram()
  const operations: Record<string, OperationReport> = {}
  for (const [op, encoded] of Object.entries(snapshot.operations).sort(([a], [b]) => a.localeCompare(b))) {
    const h = decodeHistogram(encoded)
    all.add(h)
    operations[op] = { count: h.totalCount, opsPerSecond: perSecond(h.totalCount), latencyMs: summarize(h), histogram: encoded }
  }
  const errors = Object.values(snapshot.errors).reduce((a, b) => a + b, 0)
  return {
    schema: REPORT_SCHEMA,
    label: label ?? `${config.workload} c${config.clients} P${config.pipeline}`,
    startedAt: startedAt.toISOString(),
    config,
    summary: {
      elapsedSeconds: seconds,
      requests: all.totalCount,
      errors,
      opsPerSecond: perSecond(all.totalCount),
      latencyMs: summarize(all),
    },
    operations,
    errors: snapshot.errors,
    series: snapshot.series.map((s) => {
      const h = decodeHistogram(s.histogram)
      const l = summarize(h)
      return { second: s.second, ops: s.ops, errors: s.errors, p50Ms: l.p50, p99Ms: l.p99, maxMs: l.max }
    }),
    spectrum: percentileSpectrum(all),
  }
}
