// The human-readable summary printed after a run, and the progress line shown during one on a
// terminal.

import type { BenchReport } from './report.js'
import type { Progress } from './threads.js'

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3))
const rate = (v: number): string => Math.round(v).toLocaleString('en-US')
const pad = (text: string, width: number): string => text.padStart(width)

export const formatReport = (report: BenchReport): string => {
  const c = report.config
  const lines: string[] = []
  const loop = c.rate === null ? 'closed loop' : `open loop at ${rate(c.rate)}/s`
  lines.push(
    `${report.label}: ${c.workload} on ${c.host}:${c.port}, ${c.clients} clients, pipeline ${c.pipeline}, ${loop}, ` +
      `${c.threads} thread${c.threads === 1 ? '' : 's'}, keyspace ${c.keyspace} (${c.keyDistribution}), values ${c.valueSize} B`,
  )
  const s = report.summary
  lines.push(`${s.requests} requests in ${s.elapsedSeconds.toFixed(2)} s: ${rate(s.opsPerSecond)} ops/s, ${s.errors} errors`)
  lines.push('')
  lines.push(['op'.padEnd(8), pad('ops/s', 10), pad('p50', 9), pad('p90', 9), pad('p99', 9), pad('p99.9', 9), pad('max', 9), '  (ms)'].join(''))
  const row = (name: string, opsPerSecond: number, l: BenchReport['summary']['latencyMs']): string =>
    [name.padEnd(8), pad(rate(opsPerSecond), 10), ...[l.p50, l.p90, l.p99, l.p999, l.max].map((v) => pad(ms(v), 9))].join('')
  for (const [op, o] of Object.entries(report.operations)) lines.push(row(op, o.opsPerSecond, o.latencyMs))
  if (Object.keys(report.operations).length > 1) lines.push(row('all', s.opsPerSecond, s.latencyMs))
  const errors = Object.entries(report.errors)
  lines.push('')
  lines.push(errors.length === 0 ? 'errors: none' : `errors: ${errors.map(([type, n]) => `${type} ${n}`).join(', ')}`)
  lines.push('')
  lines.push(['second'.padEnd(8), pad('ops/s', 10), pad('errors', 8), pad('p50', 9), pad('p99', 9), pad('max', 9)].join(''))
  for (const p of report.series) {
    lines.push([String(p.second).padEnd(8), pad(rate(p.ops), 10), pad(String(p.errors), 8), pad(ms(p.p50Ms), 9), pad(ms(p.p99Ms), 9), pad(ms(p.maxMs), 9)].join(''))
  }
  return lines.join('\n') + '\n'
}

/**
 * One progress line (no newline): elapsed and remaining time (or requests), the current ops/s
 * and the p99 of the last complete second. `previous` is the progress of the last line, for the
 * current rate.
 */
export const formatProgress = (
  progress: Progress,
  previous: Progress | undefined,
  bound: { readonly durationMs?: number; readonly requests?: number },
): string => {
  const dt = previous === undefined ? progress.elapsedMs : progress.elapsedMs - previous.elapsedMs
  const current = dt > 0 ? ((progress.ops - (previous?.ops ?? 0)) * 1000) / dt : 0
  const elapsed = `${(progress.elapsedMs / 1000).toFixed(1)}s`
  let left: string
  let fraction: number
  if (bound.durationMs !== undefined) {
    fraction = progress.elapsedMs / bound.durationMs
    left = `${Math.max(0, (bound.durationMs - progress.elapsedMs) / 1000).toFixed(1)}s left`
  } else {
    const total = bound.requests ?? 0
    fraction = total > 0 ? progress.ops / total : 0
    left = `${Math.max(0, total - progress.ops)} requests left`
  }
  const width = 20
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)))
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled)
  return `[${bar}] ${elapsed}, ${left}  ${rate(current)} ops/s  p99 ${ms(progress.p99)} ms  errors ${progress.errors}`
}
