// Kill -9 under load: every acknowledged write survives, nothing that was never written appears.
// Each cycle runs concurrent writers against the real server (appendfsync always), SIGKILLs it at
// a random moment, restarts it on the same directory and checks everything acknowledged so far.
// Small WAL segments and checkpoint threshold make snapshots and segment recycling happen mid-run.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/server.js'

const CYCLES = Number(process.env.CRASH_CYCLES ?? 5)
const WRITERS = 16
const ARGS = ['--appendfsync', 'always', '--wal-segment-size', '1mb', '--wal-checkpoint-bytes', '1mb']

interface Ledger {
  /** key -> value acknowledged last (the value the key must hold, unless a later one was sent). */
  acked: Map<string, string>
  /** key -> every value ever sent for it. */
  sent: Map<string, Set<string>>
}

const client = (port: number): Redis => {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  // The kill drops every connection: the writers see it as failed commands.
  redis.on('error', () => {})
  return redis
}

/** One writer: unique keys, plus one key it overwrites with increasing values. */
const writer = async (redis: Redis, id: string, ledger: Ledger, stop: { now: boolean }): Promise<number> => {
  let n = 0
  const note = (key: string, value: string): void => {
    let values = ledger.sent.get(key)
    if (values === undefined) ledger.sent.set(key, (values = new Set()))
    values.add(value)
  }
  while (!stop.now) {
    const key = `${id}:k${n}`
    const value = `${id}:v${n}:${Math.random().toString(36).slice(2)}`
    const counterKey = `${id}:last`
    const counter = String(n)
    note(key, value)
    note(counterKey, counter)
    try {
      const replies = await redis.pipeline().set(key, value).set(counterKey, counter).exec()
      if (replies === null || replies.some(([e]) => e !== null)) break
      ledger.acked.set(key, value)
      ledger.acked.set(counterKey, counter)
    } catch {
      break
    }
    n++
  }
  return n
}

const verify = async (port: number, ledger: Ledger): Promise<{ acked: number; lost: string[]; unexpected: string[] }> => {
  const redis = client(port)
  await redis.connect()
  try {
    const lost: string[] = []
    const unexpected: string[] = []
    const keys = [...ledger.sent.keys()]
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500)
      const values = await redis.mget(...slice)
      slice.forEach((key, j) => {
        const got = values[j]
        const acked = ledger.acked.get(key)
        if (got === null) {
          if (acked !== undefined) lost.push(key)
        } else if (!ledger.sent.get(key)!.has(got)) unexpected.push(`${key}=${got}`)
        else if (key.endsWith(':last') && acked !== undefined && Number(got) < Number(acked)) {
          lost.push(`${key} went back from ${acked} to ${got}`)
        }
      })
    }
    // Nothing else exists: every key in the store was sent by a writer.
    let cursor = '0'
    do {
      const [next, found] = await redis.scan(cursor, 'COUNT', 1000)
      cursor = next
      for (const key of found) if (!ledger.sent.has(key)) unexpected.push(key)
    } while (cursor !== '0')
    return { acked: ledger.acked.size, lost, unexpected }
  } finally {
    redis.disconnect()
  }
}

describe('crash recovery (SIGKILL under load, appendfsync always)', function () {
  this.timeout(120_000)
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
    const ledger: Ledger = { acked: new Map(), sent: new Map() }
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      server = await startServer({ dir, args: ARGS })
      if (cycle > 0) {
        const check = await verify(server.port, ledger)
        expect(check.lost, `lost after restart ${cycle}`).to.deep.equal([])
        expect(check.unexpected, `unexpected after restart ${cycle}`).to.deep.equal([])
      }
      const clients = Array.from({ length: WRITERS }, () => client(server!.port))
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
    expect(check.acked).to.be.greaterThan(CYCLES * WRITERS)
    if (process.env.CRASH_CYCLES !== undefined) {
      console.log(`crash-cycles: ${CYCLES} kill -9 cycles, ${check.acked} acknowledged keys verified, 0 lost, 0 unexpected`)
    }
    await server.stop()
    server = undefined
  })
})
