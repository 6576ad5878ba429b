// The `--html` report: one self-contained page (inline CSS and SVG, no script, no network) with
// throughput over time, the latency percentile spectrum, and per-operation latency, for one
// report or several side by side (`bench compare`).

import type { BenchReport } from './report.js'
import { barChart, escapeXml, lineChart } from './svg.js'

/** Percentiles are plotted at -log10(1 - p/100): 90 % at 1, 99 % at 2, 99.9 % at 3 … */
const nines = (percentile: number): number => -Math.log10(Math.max(1e-7, 1 - percentile / 100))

const PERCENTILE_TICKS = [0, 90, 99, 99.9, 99.99, 99.999, 99.9999]

export const renderHtml = (reports: readonly BenchReport[]): string => {
  const throughput = lineChart({
    title: 'Throughput over time',
    xLabel: 'second',
    yLabel: 'ops/s',
    series: reports.map((r) => ({ name: r.label, points: r.series.map((s) => [s.second, s.ops] as const) })),
  })
  const spectrum = lineChart({
    title: 'Latency by percentile',
    xLabel: 'percentile',
    yLabel: 'latency (ms)',
    series: reports.map((r) => ({ name: r.label, points: r.spectrum.filter((p) => p.percentile < 100).map((p) => [nines(p.percentile), p.ms] as const) })),
    xTicks: PERCENTILE_TICKS.map(nines),
    xTick: (x) => `${PERCENTILE_TICKS[PERCENTILE_TICKS.map(nines).indexOf(x)] ?? ''}%`,
  })
  const ops = [...new Set(reports.flatMap((r) => Object.keys(r.operations)))].sort()
  const levels = [
    ['p50', 'p50'],
    ['p99', 'p99'],
    ['p99.9', 'p999'],
  ] as const
  const groups = ops.flatMap((op) => levels.map(([name]) => `${op} ${name}`))
  const perOperation = barChart({
    title: 'Latency per operation',
    yLabel: 'latency (ms)',
    groups,
    series: reports.map((r) => ({
      name: r.label,
      values: ops.flatMap((op) => levels.map(([, key]) => r.operations[op]?.latencyMs[key] ?? 0)),
    })),
  })
  const rows = reports
    .map((r) => {
      const s = r.summary
      return `<tr><td>${escapeXml(r.label)}</td><td>${escapeXml(r.config.workload)}</td><td>${r.config.clients}</td><td>${r.config.pipeline}</td>` +
        `<td>${Math.round(s.opsPerSecond).toLocaleString('en-US')}</td><td>${s.latencyMs.p50.toFixed(3)}</td><td>${s.latencyMs.p99.toFixed(3)}</td>` +
        `<td>${s.latencyMs.p999.toFixed(3)}</td><td>${s.latencyMs.max.toFixed(3)}</td><td>${s.errors}</td></tr>`
    })
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>we-trust-redis bench</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-bottom: 24px; }
td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 0 0 24px 0; }
</style></head>
<body>
<h1>we-trust-redis bench</h1>
<table>
<tr><th>run</th><th>workload</th><th>clients</th><th>pipeline</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>errors</th></tr>
${rows}
</table>
<figure>${throughput}</figure>
<figure>${spectrum}</figure>
<figure>${perOperation}</figure>
</body></html>
`
}
