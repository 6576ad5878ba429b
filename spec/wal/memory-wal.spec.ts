import { expect } from 'chai'
import { MemoryWal } from '../../src/wal/memory-wal.js'
import type { Wal } from '../../src/wal/wal.js'
import { CONTRACT_SEGMENT_BYTES, describeWalContract, payloadFor, readAll, rejection } from './wal-contract.js'

describeWalContract('MemoryWal', async () => {
  let current: MemoryWal | undefined
  return {
    async open(options) {
      current =
        current === undefined
          ? new MemoryWal({ segmentBytes: options?.segmentBytes ?? CONTRACT_SEGMENT_BYTES })
          : current.crashed()
      return current
    },
    failNext(wal: Wal, op, code) {
      ;(wal as MemoryWal).failNext(op, code)
    },
    async storedSegments() {
      const stats = current?.stats()
      return stats === undefined ? 0 : stats.segments + stats.freeSegments
    },
    async dispose() {},
  }
})

describe('MemoryWal', () => {
  it('after a crash holds only what was synced', async () => {
    const wal = new MemoryWal({ segmentBytes: CONTRACT_SEGMENT_BYTES })
    await wal.append(1, payloadFor(1, 10), true)
    await wal.append(2, payloadFor(2, 10), false)
    const restarted = wal.crashed()
    expect(restarted.recovery).to.deep.equal({ segments: 1, records: 1, lastLsn: 1 })
    expect((await readAll(restarted)).map((record) => record.lsn)).to.deep.equal([1])
    await restarted.append(2, payloadFor(2, 10, 1), true)
    expect(wal.lastLsn).to.equal(2)
  })

  it('fails a checkpoint on request, leaving the log as it was', async () => {
    const wal = new MemoryWal({ segmentBytes: CONTRACT_SEGMENT_BYTES })
    for (let lsn = 1; lsn <= 40; lsn++) await wal.append(lsn, payloadFor(lsn, 1000), true)
    const before = wal.stats()
    wal.failNext('checkpoint', 'EIO')
    expect((await rejection(wal.checkpoint(40))).code).to.equal('EIO')
    expect(wal.stats()).to.deep.equal(before)
    await wal.checkpoint(40)
    expect(wal.stats().segments).to.equal(1)
  })

  it('hands out replay in chunks of bounded size', async () => {
    const wal = new MemoryWal()
    for (let lsn = 1; lsn <= 5; lsn++) await wal.append(lsn, payloadFor(lsn, 400_000), true)
    const restarted = wal.crashed()
    const first = await restarted.read(0)
    expect(first.map((record) => record.lsn)).to.deep.equal([1, 2])
    expect((await readAll(restarted)).map((record) => record.lsn)).to.deep.equal([3, 4, 5])
  })
})
