// SIGKILL during a flush and during a compaction, with the data larger than maxmemory: every
// acknowledged write survives, nothing never written appears. Tiny checkpoints make flushes and
// compactions run most of the time; each cycle waits until INFO shows the one it targets in
// progress, then kills the server at once. Writers overwrite keys of earlier cycles too, which
// by then live only on disk, so staging reads run while the server dies.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/server.js'
import { checkLedger, crashClient, newLedger, noteSent, type Ledger } from '../support/ledger.js'

const CYCLES = 6
const WRITERS = 8
const ARGS = [
  '--appendfsync', 'always',
  '--maxmemory', '2mb',
  '--wal-segment-size', '1mb',
  '--wal-checkpoint-bytes', '1mb',
]
const VALUE = 'x'.repeat(400)

/** Unique keys of its own, overwrites of keys written in earlier cycles, and an increasing counter. */
const writer = async (redis: Redis, id: string, older: readonly string[], ledger: Ledger, stop: { now: boolean }): Promise<number> => {
  let n = 0
  while (!stop.now) {
    const key = older.length > 0 && n % 3 === 0 ? older[Math.floor(Math.random() * older.length)]! : `${id}:k${n}`
    const value = `${id}:v${n}:${VALUE}`
    const counterKey = `${id}:last`
    noteSent(ledger, key, value)
    noteSent(ledger, counterKey, String(n))
    try {
      const replies = await redis.pipeline().set(key, value).set(counterKey, String(n)).exec()
      if (replies === null || replies.some(([e]) => e !== null)) break
      ledger.acked.set(key, value)
      ledger.acked.set(counterKey, String(n))
    } catch {
      break
    }
    n++
  }
  return n
}

const inProgress = async (redis: Redis, field: string): Promise<boolean> =>
  new RegExp(`^${field}:1`, 'm').test(await redis.info('persistence'))

describe('crash recovery during flushes and compactions (SIGKILL, data larger than maxmemory)', function () {
  this.timeout(180_000)
  let dir: string
  let server: RunningServer | undefined

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wtr-crash-flush-'))
  })
  let passed = false
  after(async () => {
    await server?.kill()
    // A failure keeps the data directory for inspection (manifest, segments, WAL).
    if (passed) rmSync(dir, { recursive: true, force: true })
    else console.log(`crash-during-flush: data kept in ${dir}`)
  })

  it(`keeps every acknowledged write when killed mid-flush and mid-compaction, ${CYCLES} cycles`, async () => {
    const ledger = newLedger()
    const killedDuring: string[] = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      server = await startServer({ dir, args: ARGS })
      if (cycle > 0) {
        // Overwrites of a key whose version is unknown (sent, never acknowledged) may leave either.
        const check = await checkLedger(server.port, ledger, (key) => key.endsWith(':last'))
        expect(check.lost, `lost after restart ${cycle}; the server said:\n${server.output()}`).to.deep.equal([])
        expect(check.unexpected, `unexpected after restart ${cycle}`).to.deep.equal([])
      }
      const older = [...ledger.acked.keys()].filter((k) => !k.endsWith(':last'))
      const clients = Array.from({ length: WRITERS }, () => crashClient(server!.port))
      const watcher = crashClient(server.port)
      await Promise.all([...clients, watcher].map((c) => c.connect()))
      const stop = { now: false }
      const running = clients.map((c, i) => writer(c, `c${cycle}w${i}`, older, ledger, stop))
      const target = cycle % 2 === 0 ? 'rdb_bgsave_in_progress' : 'store_compaction_in_progress'
      const deadline = Date.now() + 15_000
      // Some load first, so there is something to flush and compact.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 500))
      let caught = false
      while (!caught && Date.now() < deadline) caught = await inProgress(watcher, target)
      await server.kill()
      if (caught) killedDuring.push(target)
      stop.now = true
      const written = await Promise.all(running)
      for (const c of [...clients, watcher]) c.disconnect()
      expect(written.reduce((a, b) => a + b, 0), 'writes acknowledged before the kill').to.be.greaterThan(0)
    }
    server = await startServer({ dir, args: ARGS })
    const check = await checkLedger(server.port, ledger, (key) => key.endsWith(':last'))
    expect(check.lost).to.deep.equal([])
    expect(check.unexpected).to.deep.equal([])
    // The kills landed where they were aimed: during flushes and during compactions.
    expect(killedDuring.filter((t) => t === 'rdb_bgsave_in_progress').length, 'kills during a flush').to.be.greaterThan(0)
    expect(killedDuring.filter((t) => t === 'store_compaction_in_progress').length, 'kills during a compaction').to.be.greaterThan(0)
    await server.stop()
    server = undefined
    passed = true
  })
})
