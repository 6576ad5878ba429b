// Kill -9 under load: every acknowledged write survives, nothing that was never written appears.
// Each cycle runs concurrent writers against the real server (appendfsync always), SIGKILLs it at
// a random moment, restarts it on the same directory and checks everything acknowledged so far.
// Small WAL segments and checkpoint threshold make snapshots and segment recycling happen mid-run.

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

/** One writer: unique keys, plus one key it overwrites with increasing values. */
const writer = async (redis: Redis, id: string, ledger: Ledger, stop: { now: boolean }): Promise<number> => {
  let n = 0
  while (!stop.now) {
    const key = `${id}:k${n}`
    const value = `${id}:v${n}:${Math.random().toString(36).slice(2)}`
    const counterKey = `${id}:last`
    const counter = String(n)
    noteSent(ledger, key, value)
    noteSent(ledger, counterKey, counter)
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

const verify = (port: number, ledger: Ledger) => checkLedger(port, ledger, (key) => key.endsWith(':last'))

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
    expect(check.acked).to.be.greaterThan(CYCLES * WRITERS)
    if (process.env.CRASH_CYCLES !== undefined) {
      console.log(`crash-cycles: ${CYCLES} kill -9 cycles, ${check.acked} acknowledged keys verified, 0 lost, 0 unexpected`)
    }
    await server.stop()
    server = undefined
  })
})
