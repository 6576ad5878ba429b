// `we-trust-redis bench compare a.json b.json … [--html out.html]`.

import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs, UsageError } from './args.js'
import { formatComparison } from './compare.js'
import { renderHtml } from './html.js'
import type { BenchReport } from './report.js'
import { reportProblems } from './reportSchema.js'

export const COMPARE_USAGE = 'usage: we-trust-redis bench compare baseline.json other.json … [--html out.html]'

export const readReport = (path: string): BenchReport => {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'))
  const problems = reportProblems(value)
  if (problems.length > 0) throw new UsageError(`${path} is not a bench report:\n  ${problems.slice(0, 10).join('\n  ')}`)
  return value as BenchReport
}

export const compareCommand = (argv: readonly string[]): number => {
  const { flags, positional } = parseArgs(argv, { html: true, help: false })
  if (flags.has('help')) {
    process.stdout.write(COMPARE_USAGE + '\n')
    return 0
  }
  if (positional.length < 2) throw new UsageError(COMPARE_USAGE)
  const reports = positional.map(readReport)
  // Two runs often share a label (same workload); the file name tells them apart.
  const labelled = reports.map((r, i) =>
    reports.filter((o) => o.label === r.label).length > 1 ? { ...r, label: `${r.label} [${positional[i]}]` } : r,
  )
  process.stdout.write(formatComparison(labelled))
  const html = flags.get('html')
  if (html !== undefined) writeFileSync(html, renderHtml(labelled))
  return 0
}
