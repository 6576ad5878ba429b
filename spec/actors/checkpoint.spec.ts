// The checkpoint actor's retry policy, with a store whose flush fails as on a full disk: automatic
// checkpoints wait after a failure, longer after each one, and resume at once after a success;
// BGSAVE (run) is never held back.

import { expect } from 'chai'
import { Checkpointer } from '../../src/actors/checkpoint.js'

const silent = { warning: () => {}, notice: () => {}, verbose: () => {} }

const setUp = () => {
  let now = 0
  let failing = true
  let flushes = 0
  const store = {
    flush: async () => {
      flushes++
      if (failing) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
      return { installed: true, records: 0, bytes: 0 }
    },
    compact: async () => {},
  }
  const durability = {
    lastLsn: 7,
    stats: { failedBatches: 0, fragments: 0, ops: 0 },
    whenSettled: async () => {},
  }
  const wal = { checkpoint: async () => {}, stats: () => ({ bytesSinceCheckpoint: 0 }) }
  const checkpointer = new Checkpointer(
    [],
    store as never,
    wal as never,
    durability as never,
    { bytes: () => Infinity, ops: () => Infinity },
    silent as never,
    0,
    undefined,
    0,
    () => now,
  )
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
  }
  return {
    checkpointer,
    settle,
    flushes: () => flushes,
    at: (ms: number) => (now = ms),
    heal: () => (failing = false),
  }
}

describe('Checkpointer after failed flushes', () => {
  it('waits 1 s, then 2 s, … before the next automatic checkpoint, and resumes at once after a success', async () => {
    const t = setUp()
    t.checkpointer.runAutomatic()
    await t.settle()
    expect(t.flushes()).to.equal(1)
    expect(t.checkpointer.lastOk).to.equal(false)

    t.at(999)
    t.checkpointer.runAutomatic()
    await t.settle()
    expect(t.flushes(), 'within the first second').to.equal(1)
    t.at(1000)
    t.checkpointer.runAutomatic()
    await t.settle()
    expect(t.flushes(), 'after it').to.equal(2)

    t.at(2999)
    t.checkpointer.runAutomatic()
    await t.settle()
    expect(t.flushes(), 'the second wait is twice as long').to.equal(2)
    t.heal()
    t.at(3000)
    t.checkpointer.runAutomatic()
    await t.settle()
    expect(t.flushes()).to.equal(3)
    expect(t.checkpointer.lastOk).to.equal(true)

    t.checkpointer.runAutomatic()
    await t.settle()
    expect(t.flushes(), 'no wait after a success').to.equal(4)
  })

  it('never holds back an explicit checkpoint (BGSAVE)', async () => {
    const t = setUp()
    await t.checkpointer.run()
    await t.checkpointer.run()
    expect(t.flushes()).to.equal(2)
  })

  it('never waits more than 30 s between attempts', async () => {
    const t = setUp()
    let clock = 0
    const gaps: number[] = []
    let last = 0
    for (let attempt = 0; attempt < 10; attempt++) {
      // Step the clock until the next automatic attempt is let through.
      const before = t.flushes()
      while (t.flushes() === before) {
        t.at(clock)
        t.checkpointer.runAutomatic()
        await t.settle()
        if (t.flushes() === before) clock += 500
      }
      gaps.push(clock - last)
      last = clock
    }
    expect(gaps.slice(1)).to.deep.equal([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000])
  })
})
