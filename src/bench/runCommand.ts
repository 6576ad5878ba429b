// `we-trust-redis bench [options]`: one load run, printed as text, written as JSON and HTML.

import { writeFileSync } from 'node:fs'
import { parseArgs, parseCount, parseDuration, UsageError } from './args.js'
import { formatKeyDistribution, parseKeyDistribution } from './keyDistribution.js'
import { formatProgress, formatReport } from './format.js'
import { renderHtml } from './html.js'
import { buildReport, type BenchReport } from './report.js'
import type { RunOptions } from './runner.js'
import { runThreads, type Progress } from './threads.js'
import { formatValueSize, parseValueSize } from './valueSize.js'
import { formatWorkload, parseWorkload } from './workload.js'

export const RUN_USAGE = `usage: we-trust-redis bench [--host H] [--port P] [--user U --pass W | --tenants K --pass W]
         [--clients N] [--pipeline P] [--refill batch|window] [--latency batch|request]
         [--duration 30s | --requests N] [--warmup 1s]
         [--workload set|get|incr|ping|mixed:<read%>] [--keyspace N] [--key-dist uniform|zipf:<s>|sequential]
         [--value-size N|min-max] [--rate R] [--threads T] [--seed S] [--label TEXT]
         [--json out.json|-] [--html out.html] [--quiet]
defaults: 127.0.0.1:6379, 50 clients, pipeline 1, 10s after a 1s warm-up, mixed:80, keyspace 100000, uniform,
          64-byte values, closed loop with redis-benchmark's batch latency`

/** Long enough for the harness's own JIT compilation of its hot path, measured at 0.5–1 s on two cores. */
const DEFAULT_WARMUP = '1s'

const FLAGS = {
  host: true,
  port: true,
  user: true,
  pass: true,
  tenants: true,
  clients: true,
  pipeline: true,
  refill: true,
  latency: true,
  duration: true,
  requests: true,
  warmup: true,
  workload: true,
  keyspace: true,
  'key-dist': true,
  'value-size': true,
  rate: true,
  threads: true,
  seed: true,
  label: true,
  json: true,
  html: true,
  quiet: false,
  help: false,
} as const

export interface RunRequest {
  readonly options: RunOptions
  readonly threads: number
  readonly label?: string
  readonly json?: string
  readonly html?: string
  readonly quiet: boolean
}

export const parseRunArgs = (argv: readonly string[]): RunRequest => {
  const { flags, positional } = parseArgs(argv, FLAGS)
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`)
  const get = (name: string): string | undefined => flags.get(name)
  if (get('duration') !== undefined && get('requests') !== undefined) throw new UsageError('give --duration or --requests, not both')
  if (get('tenants') !== undefined && get('user') !== undefined) throw new UsageError('give --user or --tenants, not both')
  if (get('tenants') !== undefined && get('pass') === undefined) throw new UsageError('--tenants needs --pass')
  const refill = get('refill') ?? 'batch'
  if (refill !== 'batch' && refill !== 'window') throw new UsageError('--refill is batch or window')
  const latency = get('latency') ?? 'batch'
  if (latency !== 'batch' && latency !== 'request') throw new UsageError('--latency is batch or request')
  if (get('rate') !== undefined && get('latency') !== undefined) throw new UsageError('--latency is for a closed loop; an open loop (--rate) measures from the intended send time')
  const rate = get('rate')
  const options: RunOptions = {
    host: get('host') ?? '127.0.0.1',
    port: parseCount('port', get('port') ?? '6379'),
    clients: parseCount('clients', get('clients') ?? '50'),
    pipeline: parseCount('pipeline', get('pipeline') ?? '1'),
    refill,
    latency,
    workload: parseWorkload(get('workload') ?? 'mixed:80'),
    keyspace: parseCount('keyspace', get('keyspace') ?? '100000'),
    keyDistribution: parseKeyDistribution(get('key-dist') ?? 'uniform'),
    valueSize: parseValueSize(get('value-size') ?? '64'),
    seed: parseCount('seed', get('seed') ?? '1', 0),
    ...(get('requests') !== undefined
      ? { requests: parseCount('requests', get('requests')!) }
      : { durationMs: parseDuration(get('duration') ?? '10s') }),
    warmupMs: parseDuration(get('warmup') ?? DEFAULT_WARMUP),
    ...(rate === undefined ? {} : { rate: parseCount('rate', rate) }),
    ...(get('user') === undefined ? {} : { user: get('user')! }),
    ...(get('pass') === undefined ? {} : { password: get('pass')! }),
    ...(get('tenants') === undefined ? {} : { tenants: parseCount('tenants', get('tenants')!) }),
  }
  return {
    options,
    threads: parseCount('threads', get('threads') ?? '1'),
    quiet: flags.has('quiet'),
    ...(get('label') === undefined ? {} : { label: get('label')! }),
    ...(get('json') === undefined ? {} : { json: get('json')! }),
    ...(get('html') === undefined ? {} : { html: get('html')! }),
  }
}

export const configOf = (request: RunRequest): BenchReport['config'] => {
  const o = request.options
  return {
    host: o.host,
    port: o.port,
    clients: o.clients,
    pipeline: o.pipeline,
    refill: o.rate === undefined ? (o.refill ?? 'batch') : null,
    latency: o.rate === undefined ? (o.latency ?? 'batch') : 'intended',
    threads: Math.min(request.threads, o.clients),
    workload: formatWorkload(o.workload),
    keyspace: o.keyspace,
    keyDistribution: formatKeyDistribution(o.keyDistribution),
    valueSize: formatValueSize(o.valueSize),
    rate: o.rate ?? null,
    durationSeconds: o.durationMs === undefined ? null : o.durationMs / 1000,
    warmupSeconds: (o.warmupMs ?? 0) / 1000,
    requests: o.requests ?? null,
    tenants: o.tenants ?? null,
    seed: o.seed,
  }
}

export const runCommand = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes('--help')) {
    process.stdout.write(RUN_USAGE + '\n')
    return 0
  }
  const request = parseRunArgs(argv)
  const jsonToStdout = request.json === '-'
  // Progress only for a person watching: a terminal, and no machine-readable output on stdout.
  const showProgress = process.stderr.isTTY === true && !jsonToStdout && !request.quiet
  let previous: Progress | undefined
  const onProgress = showProgress
    ? (p: Progress) => {
        process.stderr.write('\r' + formatProgress(p, previous, request.options) + '\x1b[K')
        previous = p
      }
    : undefined
  const startedAt = new Date()
  const snapshot = await runThreads(request.options, request.threads, onProgress)
  if (showProgress) process.stderr.write('\r\x1b[K')
  const report = buildReport(configOf(request), snapshot, startedAt, request.label)
  if (jsonToStdout) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  else if (!request.quiet) process.stdout.write(formatReport(report))
  if (request.json !== undefined && !jsonToStdout) writeFileSync(request.json, JSON.stringify(report, null, 2) + '\n')
  if (request.html !== undefined) writeFileSync(request.html, renderHtml([report]))
  return report.summary.requests === 0 && report.summary.errors > 0 ? 1 : 0
}
