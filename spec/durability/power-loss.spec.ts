// Power loss, simulated. A SIGKILL leaves the page cache behind, so it cannot tell "fsynced
// before the reply" from "written before the reply". Here the server runs under the faultfs shim
// (spec/support/faultfs.ts), is SIGKILLed under load, and its data directory is rolled back to
// what its fsyncs made durable before it restarts (without the shim) on the same directory.
// With appendfsync always every acknowledged write must survive that; with appendfsync no some
// must not, which shows the rollback really takes away unsynced data.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildFaultfs, faultfsEnv, revertToLastSync, type RevertReport } from '../support/faultfs.js'
import { startServer } from '../support/server.js'
import { checkLedger, crashClient, newLedger, noteSent, type Ledger, type LedgerCheck } from '../support/ledger.js'

const WRITERS = 20
const WRITE_MS = 1500
const ALWAYS_ROUNDS = 3

const writer = async (redis: Redis, id: number, ledger: Ledger, stop: { now: boolean }): Promise<void> => {
  for (let n = 0; !stop.now; n++) {
    const key = `w${id}:k${n}`
    const value = `w${id}:v${n}:${Math.random().toString(36).slice(2)}`
    noteSent(ledger, key, value)
    try {
      if ((await redis.set(key, value)) !== 'OK') return
    } catch {
      return
    }
    ledger.acked.set(key, value)
  }
}

type Outcome = LedgerCheck & { readonly report: RevertReport; readonly restartLog: string }

/**
 * Checkpoints every few thousand writes, and a memory limit: the power cut falls among flushes
 * to segment files, manifest edits and recycled WAL segments, not only WAL appends.
 */
const CHECKPOINTING = ['--wal-segment-size', '1mb', '--wal-checkpoint-bytes', '1mb', '--wal-checkpoint-ops', '4000', '--maxmemory', '16mb']

/** Load, power loss, rollback to the last syncs, restart, check. */
const powerLoss = async (appendfsync: 'always' | 'no', extraArgs: string[] = []): Promise<Outcome> => {
  const root = mkdtempSync(join(tmpdir(), 'wtr-power-loss-'))
  const dir = join(root, 'data')
  const journalDir = join(root, 'journal')
  mkdirSync(dir)
  mkdirSync(journalDir)
  const args = ['--appendfsync', appendfsync, ...extraArgs]
  try {
    const server = await startServer({ dir, args, env: faultfsEnv({ dir, journalDir }) })
    const ledger = newLedger()
    const stop = { now: false }
    const clients = Array.from({ length: WRITERS }, () => crashClient(server.port))
    let writers: Promise<void>[] = []
    try {
      await Promise.all(clients.map((c) => c.connect()))
      writers = clients.map((c, id) => writer(c, id, ledger, stop))
      await new Promise((resolve) => setTimeout(resolve, WRITE_MS))
    } finally {
      await server.kill()
      stop.now = true
      await Promise.all(writers)
      for (const c of clients) c.disconnect()
    }

    const report = await revertToLastSync(dir, journalDir)
    const restarted = await startServer({ dir, args })
    try {
      return { report, restartLog: restarted.output(), ...(await checkLedger(restarted.port, ledger)) }
    } finally {
      await restarted.stop()
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const describeOutcome = (o: Outcome): string =>
  `${o.acked} acknowledged, ${o.lost.length} lost (${o.lost.slice(0, 3).join(', ')}), ` +
  `${o.unexpected.length} unexpected (${o.unexpected.slice(0, 3).join(', ')}); rollback: ${JSON.stringify(o.report)}`

describe('power loss (writes rolled back to the last fsync)', function () {
  this.timeout(20_000)

  before(async () => {
    await buildFaultfs()
  })

  for (let round = 1; round <= ALWAYS_ROUNDS; round++) {
    it(`appendfsync always: every acknowledged write survives (round ${round})`, async () => {
      const outcome = await powerLoss('always')
      expect(outcome.acked, describeOutcome(outcome)).to.be.greaterThan(0)
      expect(outcome.lost, describeOutcome(outcome)).to.deep.equal([])
      expect(outcome.unexpected, describeOutcome(outcome)).to.deep.equal([])
    })
  }

  for (let round = 1; round <= ALWAYS_ROUNDS; round++) {
    it(`appendfsync always, checkpointing every few thousand writes under maxmemory: every acknowledged write survives (round ${round})`, async () => {
      const outcome = await powerLoss('always', CHECKPOINTING)
      // The restart found flushed segments: checkpoints ran before the cut.
      expect(outcome.restartLog).to.match(/[1-9]\d* segment\(s\) opened/)
      expect(outcome.acked, describeOutcome(outcome)).to.be.greaterThan(0)
      expect(outcome.lost, describeOutcome(outcome)).to.deep.equal([])
      expect(outcome.unexpected, describeOutcome(outcome)).to.deep.equal([])
    })
  }

  it('appendfsync no: some acknowledged writes are lost, and nothing unsent appears', async () => {
    const outcome = await powerLoss('no')
    expect(outcome.acked, describeOutcome(outcome)).to.be.greaterThan(0)
    expect(outcome.lost.length, describeOutcome(outcome)).to.be.greaterThan(0)
    expect(outcome.unexpected, describeOutcome(outcome)).to.deep.equal([])
  })
})
