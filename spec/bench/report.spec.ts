import { expect } from 'chai'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareReports } from '../../src/bench/compare.js'
import { decodeHistogram } from '../../src/bench/histogram.js'
import { renderHtml } from '../../src/bench/html.js'
import { BenchConnection } from '../../src/bench/connection.js'
import { main } from '../../src/bench/main.js'
import { REPORT_SCHEMA, type BenchReport } from '../../src/bench/report.js'
import { reportProblems } from '../../src/bench/reportSchema.js'
import { encodeCommand } from '../../src/bench/resp.js'
import { startRedisServer, type RedisServer } from './support/redisServer.js'

describe('bench --json report', function () {
  this.timeout(60_000)
  let redis: RedisServer
  let dir: string
  before(async () => {
    redis = await startRedisServer()
    dir = mkdtempSync(join(tmpdir(), 'wtr-bench-report-'))
  })
  after(async () => {
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const run = async (name: string, ...args: string[]): Promise<BenchReport> => runExpecting(0, name, ...args)
  /** Runs without the default warm-up unless the arguments ask for one, to keep the specs short. */
  const runExpecting = async (code: number, name: string, ...args: string[]): Promise<BenchReport> => {
    const file = join(dir, `${name}.json`)
    const warmup = args.includes('--warmup') ? [] : ['--warmup', '0']
    expect(await main(['--port', String(redis.port), '--quiet', '--json', file, ...warmup, ...args])).to.equal(code)
    return JSON.parse(readFileSync(file, 'utf8')) as BenchReport
  }
  const commandCalls = async (command: string): Promise<number> => {
    const c = await BenchConnection.open({ port: redis.port })
    try {
      const info = await c.request(encodeCommand(['INFO', 'commandstats']))
      const text = info.kind === 'bulk' ? (typeof info.value === 'string' ? info.value : info.value.toString('latin1')) : ''
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(text)?.[1] ?? 0)
    } finally {
      c.close()
    }
  }

  it('writes a report that satisfies the documented schema, with the counts of the run', async () => {
    const report = await run('mixed', '--requests', '3000', '--clients', '4', '--pipeline', '8', '--workload', 'mixed:50', '--keyspace', '500', '--key-dist', 'zipf:0.9', '--value-size', '8-32')
    expect(reportProblems(report)).to.deep.equal([])
    expect(report.schema).to.equal(REPORT_SCHEMA)
    expect(report.config).to.include({ clients: 4, pipeline: 8, workload: 'mixed:50', keyDistribution: 'zipf:0.9', valueSize: '8-32', requests: 3000, rate: null })
    expect(report.summary.requests).to.equal(3000)
    expect(report.summary.errors).to.equal(0)
    expect(Object.keys(report.operations).sort()).to.deep.equal(['get', 'set'])
    const get = report.operations['get']!
    const set = report.operations['set']!
    expect(get.count + set.count).to.equal(3000)
    // About half reads, half writes (fixed seed; a wide band, not a statistical test).
    expect(get.count).to.be.within(1200, 1800)
    expect(decodeHistogram(get.histogram).totalCount).to.equal(get.count)
    expect(report.series.reduce((a, s) => a + s.ops, 0)).to.equal(3000)
    expect(get.latencyMs.p50).to.be.at.most(get.latencyMs.p99)
    expect(get.latencyMs.p99).to.be.at.most(get.latencyMs.max)
    expect(report.spectrum.at(-1)!.percentile).to.equal(100)
  })

  it('records the latency definition and refill in the config: batch by default, request on demand, intended for an open loop', async () => {
    const closed = await run('latency-batch', '--requests', '300', '--clients', '2', '--pipeline', '4', '--workload', 'get')
    const request = await run('latency-request', '--requests', '300', '--clients', '2', '--pipeline', '4', '--workload', 'get', '--latency', 'request', '--refill', 'window')
    const open = await run('latency-open', '--requests', '300', '--clients', '2', '--rate', '3000', '--workload', 'get')
    expect([closed, request, open].map((r) => [r.config.latency, r.config.refill])).to.deep.equal([
      ['batch', 'batch'],
      ['request', 'window'],
      ['intended', null],
    ])
    for (const r of [closed, request, open]) expect(reportProblems(r)).to.deep.equal([])
    expect(await main(['--port', String(redis.port), '--rate', '100', '--latency', 'batch'])).to.equal(2)
    expect(await main(['--port', String(redis.port), '--latency', 'first'])).to.equal(2)
  })

  it('warms up for 1 s by default with the same load, and records only the requests asked for', async () => {
    const before = await commandCalls('ping')
    const report = await main(['--port', String(redis.port), '--quiet', '--json', join(dir, 'warm.json'), '--requests', '200', '--clients', '2', '--workload', 'ping'])
    expect(report).to.equal(0)
    const warm = JSON.parse(readFileSync(join(dir, 'warm.json'), 'utf8')) as BenchReport
    expect(warm.config.warmupSeconds).to.equal(1)
    expect(warm.summary.requests).to.equal(200)
    expect(decodeHistogram(warm.operations['ping']!.histogram).totalCount).to.equal(200)
    // The server answered the warm-up's PINGs as well: a second of load on two connections.
    expect((await commandCalls('ping')) - before).to.be.above(200)
    const cold = await run('cold', '--requests', '200', '--clients', '2', '--workload', 'ping')
    expect(cold.config.warmupSeconds).to.equal(0)
  })

  it('merges the threads of a --threads run into one report with every request', async () => {
    const report = await run('threads', '--requests', '2000', '--clients', '4', '--threads', '2', '--workload', 'set')
    expect(reportProblems(report)).to.deep.equal([])
    expect(report.config.threads).to.equal(2)
    expect(report.summary.requests).to.equal(2000)
    expect(report.operations['set']!.count).to.equal(2000)
  })

  it('reports errors by type instead of latencies when the server refuses', async () => {
    const report = await run('errors', '--requests', '200', '--clients', '2', '--workload', 'set', '--keyspace', '1')
    // Every request failed: the exit code says so.
    const wrongType = await runExpecting(1, 'incr', '--requests', '100', '--clients', '1', '--workload', 'incr', '--keyspace', '1')
    // key:000000000000 holds 'xxx…' after the SET run, so INCR on it is an error.
    expect(report.summary.errors).to.equal(0)
    expect(wrongType.errors).to.deep.equal({ ERR: 100 })
    expect(wrongType.summary.requests).to.equal(0)
    expect(reportProblems(wrongType)).to.deep.equal([])
  })

  it('names what is wrong with a document that is not a report', () => {
    expect(reportProblems({ schema: 'other' })).to.include('report.schema: expected "we-trust-redis/bench-report/1"')
    expect(reportProblems({ schema: 'other' })).to.include('report.summary: missing')
  })

  it('names a field of the wrong type deep inside a valid report', async () => {
    const report = await run('shape', '--requests', '100', '--clients', '1')
    const broken = JSON.parse(JSON.stringify(report)) as { operations: Record<string, { latencyMs: { p99: unknown } }>; series: { ops: unknown }[] }
    const op = Object.keys(broken.operations)[0]!
    broken.operations[op]!.latencyMs.p99 = 'fast'
    broken.series[0]!.ops = -1
    expect(reportProblems(broken)).to.deep.equal([
      `report.operations.${op}.latencyMs.p99: expected a finite number >= 0`,
      'report.series[0].ops: expected an integer >= 0',
    ])
  })

  it('compare gives each metric relative to the first report; the HTML holds one line per report', async () => {
    const a = await run('a', '--requests', '500', '--clients', '2', '--workload', 'get')
    const b = await run('b', '--requests', '500', '--clients', '2', '--workload', 'get', '--label', 'second')
    const rows = compareReports([a, b])
    const ops = rows.find((r) => r.metric === 'ops/s')!
    expect(ops.ratios[0]).to.equal(1)
    expect(ops.ratios[1]).to.be.closeTo(b.summary.opsPerSecond / a.summary.opsPerSecond, 1e-9)
    const html = renderHtml([a, b])
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/)
    expect(html.match(/<svg /g)).to.have.length(3)
    // Two series in each line chart (throughput, spectrum).
    expect(html.match(/class="series"/g)).to.have.length(4)
    expect(html).to.include('second')
  })
})
