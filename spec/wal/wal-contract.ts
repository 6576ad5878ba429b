// The contract every Wal implementation keeps (src/wal/wal.ts), run against the native log and
// its in-memory twin by their own spec files.

import { expect } from 'chai'
import { WalError, type Wal, type WalOptions, type WalRecord } from '../../src/wal/wal.js'

/** Small segments, so a few dozen records span several. */
export const CONTRACT_SEGMENT_BYTES = 16 * 1024

export interface WalUnderTest {
  /** Opens the log over the storage the previous log (closed by then) left. */
  open(options?: Partial<WalOptions>): Promise<Wal>
  failNext(wal: Wal, op: 'append' | 'sync', code: string): void
  /** Segment files the storage holds, in use or free. */
  storedSegments(): Promise<number>
  dispose(): Promise<void>
}

/** Deterministic bytes that differ per LSN and per variant. */
export function payloadFor(lsn: number, bytes: number, variant = 0): Buffer {
  const payload = Buffer.allocUnsafe(bytes)
  for (let i = 0; i < bytes; i++) payload[i] = (lsn * 31 + i * 7 + variant * 101) & 0xff
  return payload
}

/** Replays the whole log from `after` on. */
export async function readAll(wal: Wal, after = 0): Promise<WalRecord[]> {
  const records: WalRecord[] = []
  for (;;) {
    const batch = await wal.read(after)
    if (batch.length === 0) return records
    records.push(...batch)
  }
}

export async function rejection(promise: Promise<unknown>): Promise<WalError> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(WalError)
    return error as WalError
  }
  expect.fail('expected the promise to reject')
}

export function describeWalContract(name: string, setup: () => Promise<WalUnderTest>): void {
  describe(`${name}: the Wal contract`, () => {
    let subject: WalUnderTest
    beforeEach(async () => {
      subject = await setup()
    })
    afterEach(async () => {
      await subject.dispose()
    })

    it('reads appended records back in LSN order after reopening', async () => {
      const wal = await subject.open()
      expect(wal.recovery).to.deep.equal({ segments: 0, records: 0, lastLsn: 0 })
      const sizes = Array.from({ length: 80 }, (_, i) => (i * 397) % 1500)
      for (let lsn = 1; lsn <= sizes.length; lsn++) await wal.append(lsn, payloadFor(lsn, sizes[lsn - 1]!), lsn % 2 === 0)
      await wal.close()
      const reopened = await subject.open()
      expect(reopened.recovery.records).to.equal(80)
      expect(reopened.recovery.lastLsn).to.equal(80)
      expect(reopened.recovery.segments).to.be.greaterThan(1)
      expect([reopened.lastLsn, reopened.syncedLsn]).to.deep.equal([80, 80])
      const records = await readAll(reopened)
      expect(records.map((record) => record.lsn)).to.deep.equal(sizes.map((_, i) => i + 1))
      records.forEach((record) => expect(record.payload.equals(payloadFor(record.lsn, sizes[record.lsn - 1]!))).to.equal(true))
    })

    it('refuses an LSN other than lastLsn + 1', async () => {
      const wal = await subject.open()
      await wal.append(1, payloadFor(1, 10), true)
      await wal.append(2, payloadFor(2, 10), true)
      expect((await rejection(wal.append(4, payloadFor(4, 10), true))).code).to.equal('EINVAL')
      expect((await rejection(wal.append(2, payloadFor(2, 10), true))).code).to.equal('EINVAL')
      expect(wal.lastLsn).to.equal(2)
      await wal.append(3, payloadFor(3, 10), true)
      expect(wal.lastLsn).to.equal(3)
    })

    it('takes any first LSN while the log is empty', async () => {
      const wal = await subject.open()
      await wal.append(1000, payloadFor(1000, 5), true)
      await wal.append(1001, payloadFor(1001, 5), true)
      await wal.close()
      const reopened = await subject.open()
      expect((await readAll(reopened)).map((record) => record.lsn)).to.deep.equal([1000, 1001])
    })

    it('advances syncedLsn only when an fdatasync covers the record', async () => {
      const wal = await subject.open()
      await wal.append(1, payloadFor(1, 100), false)
      await wal.append(2, payloadFor(2, 100), false)
      expect([wal.lastLsn, wal.syncedLsn]).to.deep.equal([2, 0])
      await wal.sync()
      expect(wal.syncedLsn).to.equal(2)
      await wal.append(3, payloadFor(3, 100), true)
      expect([wal.lastLsn, wal.syncedLsn]).to.deep.equal([3, 3])
    })

    it('recycles segments at checkpoints, so their number stays bounded', async () => {
      const wal = await subject.open()
      let lsn = 0
      let most = 0
      for (let round = 0; round < 30; round++) {
        for (let i = 0; i < 20; i++) {
          lsn++
          await wal.append(lsn, payloadFor(lsn, 1000), true)
        }
        expect(wal.stats().bytesSinceCheckpoint).to.be.greaterThan(20_000)
        await wal.checkpoint(lsn)
        expect(wal.stats().bytesSinceCheckpoint).to.equal(0)
        const stats = wal.stats()
        most = Math.max(most, stats.segments + stats.freeSegments, await subject.storedSegments())
      }
      // 30 rounds wrote about 40 segments' worth.
      expect(most).to.be.within(2, 8)
      expect(wal.stats().segments).to.equal(1)
    })

    it('recovers exactly the records after the checkpoint on reopening', async () => {
      const wal = await subject.open()
      for (let lsn = 1; lsn <= 50; lsn++) await wal.append(lsn, payloadFor(lsn, 1000), true)
      await wal.checkpoint(30)
      for (let lsn = 51; lsn <= 60; lsn++) await wal.append(lsn, payloadFor(lsn, 1000), lsn === 60)
      await wal.close()
      const reopened = await subject.open()
      expect(reopened.recovery.lastLsn).to.equal(60)
      const records = await readAll(reopened, 30)
      expect(records.map((record) => record.lsn)).to.deep.equal(Array.from({ length: 30 }, (_, i) => 31 + i))
      records.forEach((record) => expect(record.payload.equals(payloadFor(record.lsn, 1000))).to.equal(true))
    })

    it('stores a record bigger than a segment', async () => {
      const wal = await subject.open()
      const big = payloadFor(2, Math.floor(CONTRACT_SEGMENT_BYTES * 3.5))
      await wal.append(1, payloadFor(1, 10), true)
      await wal.append(2, big, true)
      await wal.append(3, payloadFor(3, 10), true)
      await wal.close()
      const reopened = await subject.open()
      const records = await readAll(reopened)
      expect(records.map((record) => record.lsn)).to.deep.equal([1, 2, 3])
      expect(records[1]!.payload.equals(big)).to.equal(true)
      await reopened.append(4, payloadFor(4, 10), true)
    })

    it('after a failed append, takes the same LSN again and keeps only the retry', async () => {
      const wal = await subject.open()
      for (let lsn = 1; lsn <= 3; lsn++) await wal.append(lsn, payloadFor(lsn, 200), true)
      subject.failNext(wal, 'append', 'EIO')
      expect((await rejection(wal.append(4, payloadFor(4, 200, 1), true))).code).to.equal('EIO')
      expect([wal.lastLsn, wal.syncedLsn]).to.deep.equal([3, 3])
      await wal.append(4, payloadFor(4, 200, 2), true)
      await wal.append(5, payloadFor(5, 200), true)
      await wal.close()
      const reopened = await subject.open()
      const records = await readAll(reopened)
      expect(records.map((record) => record.lsn)).to.deep.equal([1, 2, 3, 4, 5])
      expect(records[3]!.payload.equals(payloadFor(4, 200, 2))).to.equal(true)
    })

    it('after a failed fdatasync, trusts nothing that was not synced', async () => {
      const wal = await subject.open()
      await wal.append(1, payloadFor(1, 100), true)
      await wal.append(2, payloadFor(2, 100), false)
      await wal.append(3, payloadFor(3, 100), false)
      subject.failNext(wal, 'sync', 'EIO')
      expect((await rejection(wal.sync())).code).to.equal('EIO')
      expect([wal.lastLsn, wal.syncedLsn]).to.deep.equal([1, 1])
      expect((await rejection(wal.append(4, payloadFor(4, 100), true))).code).to.equal('EINVAL')
      await wal.append(2, payloadFor(2, 100, 1), true)
      await wal.close()
      const reopened = await subject.open()
      const records = await readAll(reopened)
      expect(records.map((record) => record.lsn)).to.deep.equal([1, 2])
      expect(records[1]!.payload.equals(payloadFor(2, 100, 1))).to.equal(true)
    })

    it('fails an append whose fdatasync fails, and takes its LSN again', async () => {
      const wal = await subject.open()
      await wal.append(1, payloadFor(1, 100), true)
      subject.failNext(wal, 'sync', 'ENOSPC')
      expect((await rejection(wal.append(2, payloadFor(2, 100), true))).code).to.equal('ENOSPC')
      expect(wal.lastLsn).to.equal(1)
      await wal.append(2, payloadFor(2, 100, 1), true)
      await wal.close()
      const records = await readAll(await subject.open())
      expect(records[1]!.payload.equals(payloadFor(2, 100, 1))).to.equal(true)
    })

    it('keeps the bytes a payload had during the append', async () => {
      const wal = await subject.open()
      const payload = payloadFor(1, 300)
      await wal.append(1, payload, true)
      payload.fill(0)
      await wal.close()
      const records = await readAll(await subject.open())
      expect(records[0]!.payload.equals(payloadFor(1, 300))).to.equal(true)
    })

    it('replays only before the first append', async () => {
      const wal = await subject.open()
      await wal.append(1, payloadFor(1, 10), true)
      await wal.close()
      const reopened = await subject.open()
      await reopened.append(2, payloadFor(2, 10), true)
      expect((await rejection(reopened.read(0))).code).to.equal('EINVAL')
    })

    it('closes idempotently, and refuses work afterwards', async () => {
      const wal = await subject.open()
      await wal.append(1, payloadFor(1, 10), false)
      await Promise.all([wal.close(), wal.close()])
      await wal.close()
      expect(wal.syncedLsn).to.equal(1)
      expect((await rejection(wal.append(2, payloadFor(2, 10), true))).code).to.equal('ECLOSED')
      expect((await rejection(wal.sync())).code).to.equal('ECLOSED')
      expect(wal.stats().segments).to.equal(1)
    })
  })
}
