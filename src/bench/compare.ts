// `bench compare a.json b.json …`: the reports side by side, each number with its ratio to the
// first report's (the baseline).

import type { BenchReport } from './report.js'

interface Metric {
  readonly name: string
  readonly value: (r: BenchReport) => number | undefined
}

const metricsOf = (reports: readonly BenchReport[]): Metric[] => {
  const ops = [...new Set(reports.flatMap((r) => Object.keys(r.operations)))].sort()
  const metrics: Metric[] = [{ name: 'ops/s', value: (r) => r.summary.opsPerSecond }]
  for (const p of ['p50', 'p90', 'p99', 'p999', 'max'] as const) metrics.push({ name: `${p} ms`, value: (r) => r.summary.latencyMs[p] })
  for (const op of ops) {
    metrics.push({ name: `${op} ops/s`, value: (r) => r.operations[op]?.opsPerSecond })
    for (const p of ['p50', 'p99', 'p999'] as const) metrics.push({ name: `${op} ${p} ms`, value: (r) => r.operations[op]?.latencyMs[p] })
  }
  metrics.push({ name: 'errors', value: (r) => r.summary.errors })
  return metrics
}

export interface ComparisonRow {
  readonly metric: string
  readonly values: readonly (number | undefined)[]
  /** value / baseline value, per report; undefined where either is missing or the baseline is 0. */
  readonly ratios: readonly (number | undefined)[]
}

export const compareReports = (reports: readonly BenchReport[]): ComparisonRow[] =>
  metricsOf(reports).map((m) => {
    const values = reports.map(m.value)
    const base = values[0]
    return {
      metric: m.name,
      values,
      ratios: values.map((v) => (v === undefined || base === undefined || base === 0 ? undefined : v / base)),
    }
  })

const cell = (v: number | undefined): string =>
  v === undefined ? '-' : Number.isInteger(v) || v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(3)

export const formatComparison = (reports: readonly BenchReport[]): string => {
  const rows = compareReports(reports)
  const width = Math.max(22, ...reports.map((r) => r.label.length + 2))
  const header = ['metric'.padEnd(16), ...reports.map((r, i) => (i === 0 ? r.label : `${r.label} (ratio)`).padStart(width))].join('')
  const lines = rows.map((row) =>
    [
      row.metric.padEnd(16),
      ...row.values.map((v, i) => (i === 0 || row.ratios[i] === undefined ? cell(v) : `${cell(v)} (${row.ratios[i]!.toFixed(2)}x)`).padStart(width)),
    ].join(''),
  )
  return [header, ...lines].join('\n') + '\n'
}
