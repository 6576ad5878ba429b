// Checks that a value is a BenchReport of the current schema, field by field, so a report written
// by one version and read by `bench compare` (or by other tools) fails loudly when it drifts.
// Returns the problems found; an empty list means valid.

import { REPORT_SCHEMA } from './report.js'

type Check = (value: unknown, path: string, problems: string[]) => void

const number: Check = (v, path, problems) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${path}: expected a finite number >= 0`)
}
const integer: Check = (v, path, problems) => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) problems.push(`${path}: expected an integer >= 0`)
}
const string: Check = (v, path, problems) => {
  if (typeof v !== 'string') problems.push(`${path}: expected a string`)
}
const oneOf =
  (...values: string[]): Check =>
  (v, path, problems) => {
    if (typeof v !== 'string' || !values.includes(v)) problems.push(`${path}: expected one of ${values.join(', ')}`)
  }
const nullable =
  (check: Check): Check =>
  (v, path, problems) => {
    if (v !== null) check(v, path, problems)
  }
const object =
  (fields: Record<string, Check>): Check =>
  (v, path, problems) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return void problems.push(`${path}: expected an object`)
    for (const [name, check] of Object.entries(fields)) {
      if (!(name in v)) problems.push(`${path}.${name}: missing`)
      else check((v as Record<string, unknown>)[name], `${path}.${name}`, problems)
    }
  }
const record =
  (check: Check): Check =>
  (v, path, problems) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return void problems.push(`${path}: expected an object`)
    for (const [name, item] of Object.entries(v)) check(item, `${path}.${name}`, problems)
  }
const list =
  (check: Check): Check =>
  (v, path, problems) => {
    if (!Array.isArray(v)) return void problems.push(`${path}: expected an array`)
    v.forEach((item, i) => check(item, `${path}[${i}]`, problems))
  }

const latency = object({ p50: number, p90: number, p99: number, p999: number, max: number, mean: number })

const report = object({
  schema: (v, path, problems) => {
    if (v !== REPORT_SCHEMA) problems.push(`${path}: expected ${JSON.stringify(REPORT_SCHEMA)}`)
  },
  label: string,
  startedAt: (v, path, problems) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) problems.push(`${path}: expected an ISO date`)
  },
  config: object({
    host: string,
    port: integer,
    clients: integer,
    pipeline: integer,
    refill: nullable(oneOf('batch', 'window')),
    latency: oneOf('batch', 'request', 'intended'),
    threads: integer,
    workload: string,
    keyspace: integer,
    keyDistribution: string,
    valueSize: string,
    rate: nullable(number),
    durationSeconds: nullable(number),
    requests: nullable(integer),
    warmupSeconds: number,
    tenants: nullable(integer),
    seed: integer,
  }),
  summary: object({ elapsedSeconds: number, requests: integer, errors: integer, opsPerSecond: number, latencyMs: latency }),
  operations: record(object({ count: integer, opsPerSecond: number, latencyMs: latency, histogram: string })),
  errors: record(integer),
  series: list(object({ second: integer, ops: integer, errors: integer, p50Ms: number, p99Ms: number, maxMs: number })),
  spectrum: list(
    object({
      percentile: (v, path, problems) => {
        if (typeof v !== 'number' || v < 0 || v > 100) problems.push(`${path}: expected a percentile in [0, 100]`)
      },
      ms: number,
    }),
  ),
})

export const reportProblems = (value: unknown): string[] => {
  const problems: string[] = []
  report(value, 'report', problems)
  return problems
}
