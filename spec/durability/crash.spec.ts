// Kill -9 under load: every acknowledged write survives, nothing that was never written appears.
// Each cycle runs concurrent writers against the real server (appendfsync always), SIGKILLs it at
// a random moment, restarts it on the same directory and checks everything acknowledged so far.
// Small WAL segments and checkpoint threshold make snapshots and segment recycling happen mid-run.
// Each writer also APPENDs a token per round to a string that starts at 12 KB: the log holds
// those as patches (SETRANGE ops), replayed over the string as the log or a checkpoint left it,
// and past 16 KB the string grows in place.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/server.js'
import { checkLedger, crashClient, newLedger, noteSent, type Ledger } from '../support/ledger.js'

const CYCLES = Number(process.env.CRASH_CYCLES ?? 5)
const WRITERS = 16
const ARGS = ['--appendfsync', 'always', '--wal-segment-size', '1mb', '--wal-checkpoint-bytes', '1mb']

/** A writer's appended string: its first value, and how many APPENDs were sent and acknowledged. */
interface AppendLog {
  readonly key: string
  readonly start: string
  startAcked: boolean
  sent: number
  acked: number
}

const appendLogs: AppendLog[] = []
const APPEND_KEY = ':appended'

/** What a writer's string must hold: its start and tokens 0..m-1, with acked <= m <= sent. */
const checkAppendLogs = async (port: number): Promise<string[]> => {
  const redis = crashClient(port)
  await redis.connect()
  try {
    const wrong: string[] = []
    for (const log of appendLogs) {
      const got = await redis.get(log.key)
      if (got === null) {
        if (log.startAcked) wrong.push(`${log.key} is gone`)
        continue
      }
      const tokens = got.startsWith(log.start) ? got.slice(log.start.length) : undefined
      const m = tokens === undefined ? -1 : tokens === '' ? 0 : tokens.split('|').length - 1
      const expected = log.start + Array.from({ length: Math.max(m, 0) }, (_, i) => `|${i}`).join('')
      if (got !== expected || m < log.acked || m > log.sent) wrong.push(`${log.key}: ${m} tokens (acknowledged ${log.acked}, sent ${log.sent}), ${got.length} bytes`)
    }
    return wrong
  } finally {
    redis.disconnect()
  }
}

/** One writer: unique keys, one key it overwrites with increasing values, and one it appends to. */
const writer = async (redis: Redis, id: string, ledger: Ledger, stop: { now: boolean }): Promise<number> => {
  const log: AppendLog = { key: `${id}${APPEND_KEY}`, start: `${id}:`.padEnd(12 * 1024, '.'), startAcked: false, sent: 0, acked: 0 }
  appendLogs.push(log)
  try {
    if ((await redis.set(log.key, log.start)) !== 'OK') return 0
    log.startAcked = true
  } catch {
    return 0
  }
  let n = 0
  while (!stop.now) {
    const key = `${id}:k${n}`
    const value = `${id}:v${n}:${Math.random().toString(36).slice(2)}`
    const counterKey = `${id}:last`
    const counter = String(n)
    noteSent(ledger, key, value)
    noteSent(ledger, counterKey, counter)
    log.sent = n + 1
    try {
      const replies = await redis.pipeline().set(key, value).set(counterKey, counter).append(log.key, `|${n}`).exec()
      if (replies === null || replies.some(([e]) => e !== null)) break
      ledger.acked.set(key, value)
      ledger.acked.set(counterKey, counter)
      log.acked = n + 1
    } catch {
      break
    }
    n++
  }
  return n
}

const verify = (port: number, ledger: Ledger) =>
  checkLedger(
    port,
    ledger,
    (key) => key.endsWith(':last'),
    (key) => key.endsWith(APPEND_KEY),
  )

describe('crash recovery (SIGKILL under load, appendfsync always)', function () {
  // A cycle takes a few seconds; bench/crash-cycles.sh runs a hundred of them.
  this.timeout(Math.max(120_000, CYCLES * 30_000))
  let dir: string
  let server: RunningServer | undefined

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wtr-crash-'))
  })
  after(async () => {
    await server?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  it(`keeps every acknowledged write across ${CYCLES} kill -9 cycles`, async () => {
    const ledger = newLedger()
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      server = await startServer({ dir, args: ARGS })
      if (cycle > 0) {
        const check = await verify(server.port, ledger)
        expect(check.lost, `lost after restart ${cycle}`).to.deep.equal([])
        expect(check.unexpected, `unexpected after restart ${cycle}`).to.deep.equal([])
        expect(await checkAppendLogs(server.port), `appended strings after restart ${cycle}`).to.deep.equal([])
      }
      const clients = Array.from({ length: WRITERS }, () => crashClient(server!.port))
      await Promise.all(clients.map((c) => c.connect()))
      const stop = { now: false }
      const running = clients.map((c, i) => writer(c, `c${cycle}w${i}`, ledger, stop))
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 1200))
      await server.kill()
      stop.now = true
      const written = await Promise.all(running)
      for (const c of clients) c.disconnect()
      expect(written.reduce((a, b) => a + b, 0), 'writes acknowledged before the kill').to.be.greaterThan(0)
    }
    server = await startServer({ dir, args: ARGS })
    const check = await verify(server.port, ledger)
    expect(check.lost).to.deep.equal([])
    expect(check.unexpected).to.deep.equal([])
    expect(await checkAppendLogs(server.port), 'appended strings').to.deep.equal([])
    expect(check.acked).to.be.greaterThan(CYCLES * WRITERS)
    if (process.env.CRASH_CYCLES !== undefined) {
      console.log(`crash-cycles: ${CYCLES} kill -9 cycles, ${check.acked} acknowledged keys verified, 0 lost, 0 unexpected`)
    }
    await server.stop()
    server = undefined
  })
})
