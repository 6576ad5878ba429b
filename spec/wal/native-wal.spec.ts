import { expect } from 'chai'
import fc from 'fast-check'
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, openSync, readSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nativeLibraryPath, openNativeLibrary } from '../../src/wal/native-library.js'
import { openNativeWal, type NativeWal } from '../../src/wal/native-wal.js'
import type { Wal, WalError, WalOptions } from '../../src/wal/wal.js'
import { CONTRACT_SEGMENT_BYTES, describeWalContract, payloadFor, readAll, rejection } from './wal-contract.js'
import { segmentFiles, storedRecords } from './segment-layout.js'

/** A WAL directory under the system temp dir, and every log opened on it, closed at the end. */
function scratchLog() {
  const dir = mkdtempSync(join(tmpdir(), 'wtr-wal-spec-'))
  const opened: Wal[] = []
  return {
    dir,
    async open(options: Partial<WalOptions> = {}): Promise<NativeWal> {
      const wal = await openNativeWal({
        dir,
        segmentBytes: CONTRACT_SEGMENT_BYTES,
        directIo: false,
        recovery: 'strict',
        ...options,
      })
      opened.push(wal)
      return wal
    },
    async dispose(): Promise<void> {
      await Promise.allSettled(opened.map((wal) => wal.close()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

describeWalContract('native WAL', async () => {
  const log = scratchLog()
  return {
    open: (options) => log.open(options),
    failNext: (wal, op, code) => (wal as NativeWal).failNext(op, code),
    async storedSegments() {
      return readdirSync(log.dir).filter((name) => name.endsWith('.wal')).length
    },
    dispose: () => log.dispose(),
  }
})

/** Writes `count` records of assorted sizes (a few segments' worth) and closes the log. */
async function writeLog(log: ReturnType<typeof scratchLog>, count: number, sizeOf: (lsn: number) => number): Promise<void> {
  const wal = await log.open()
  for (let lsn = 1; lsn <= count; lsn++) await wal.append(lsn, payloadFor(lsn, sizeOf(lsn)), true)
  await wal.close()
}

function flipByte(file: string, offset: number, mask: number): void {
  const fd = openSync(file, 'r+')
  try {
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, offset)
    byte[0] = byte[0]! ^ mask
    writeSync(fd, byte, 0, 1, offset)
  } finally {
    closeSync(fd)
  }
}

describe('native WAL on disk', () => {
  let log: ReturnType<typeof scratchLog>
  beforeEach(() => {
    log = scratchLog()
  })
  afterEach(async () => {
    await log.dispose()
  })

  it('settles an append through poll() while the event loop never gets to read the report', async () => {
    const wal = await log.open()
    for (let lsn = 1; lsn <= 20; lsn++) {
      let settled = false
      void wal.append(lsn, payloadFor(lsn, 300 + lsn), true).then(() => {
        settled = true
      })
      const deadline = performance.now() + 5000
      // Microtasks only: the report socket cannot be read in this loop.
      while (!settled && performance.now() < deadline) {
        wal.poll()
        await Promise.resolve()
      }
      expect(settled, `append ${lsn}`).to.equal(true)
      expect(wal.lastLsn).to.equal(lsn)
      expect(wal.syncedLsn).to.equal(lsn)
    }
    await wal.close()
    const reopened = await log.open()
    const records = await readAll(reopened)
    expect(records.map((r) => r.lsn)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1))
    records.forEach((r) => expect(r.payload.equals(payloadFor(r.lsn, 300 + r.lsn))).to.equal(true))
  })

  it('never settles a failed append through poll(): the failure arrives with its report', async () => {
    const wal = await log.open()
    await wal.append(1, payloadFor(1, 100), true)
    wal.failNext('append', 'EIO')
    let outcome: string | undefined
    wal.append(2, payloadFor(2, 100), true).then(
      () => (outcome = 'ok'),
      (e: WalError) => (outcome = e.code),
    )
    const deadline = performance.now() + 300
    while (performance.now() < deadline) {
      wal.poll()
      await Promise.resolve()
    }
    expect(outcome).to.equal(undefined)
    await new Promise((r) => setTimeout(r, 200))
    expect(outcome).to.equal('EIO')
    expect(wal.lastLsn).to.equal(1)
    await wal.append(2, payloadFor(2, 100, 1), true)
    expect(wal.lastLsn).to.equal(2)
  })

  it('cuts a torn tail at any truncation offset, reports it, and appends on', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 }), async (count, seed) => {
        await log.dispose()
        log = scratchLog()
        const sizeOf = (lsn: number) => 100 + ((lsn * 7919 + seed) % 1900)
        await writeLog(log, count, sizeOf)
        const last = storedRecords(log.dir).at(-1)!
        expect(last.lsn).to.equal(count)
        // Cut inside the last record, past its length and checksum fields.
        const frameEnd = last.offset + 16 + last.payloadBytes
        const cut = last.offset + 8 + (seed % (frameEnd - last.offset - 8))
        truncateSync(last.file, cut)

        const wal = await log.open()
        expect(wal.recovery.tornTail).to.deep.equal({ file: last.file, offset: last.offset, bytes: cut - last.offset })
        expect(wal.recovery.lastLsn).to.equal(count - 1)
        const records = await readAll(wal)
        expect(records.map((record) => record.lsn)).to.deep.equal(Array.from({ length: count - 1 }, (_, i) => i + 1))
        records.forEach((record) => expect(record.payload.equals(payloadFor(record.lsn, sizeOf(record.lsn)))).to.equal(true))
        await wal.append(count, payloadFor(count, 50, 1), true)
        await wal.close()

        const reopened = await log.open()
        expect(reopened.recovery.tornTail).to.equal(undefined)
        expect(reopened.recovery.lastLsn).to.equal(count)
        expect((await readAll(reopened, count - 1))[0]!.payload.equals(payloadFor(count, 50, 1))).to.equal(true)
        await reopened.close()
      }),
      { numRuns: 8 },
    )
  })

  it('refuses a flipped byte before the tail in strict mode, naming file and offset; truncate mode drops it loudly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 255 }), async (seed, mask) => {
        await log.dispose()
        log = scratchLog()
        const count = 60
        const sizeOf = (lsn: number) => 50 + ((lsn * 131 + seed) % 900)
        await writeLog(log, count, sizeOf)
        const records = storedRecords(log.dir)
        expect(records.length).to.equal(count)
        const victim = records[seed % (count - 1)]!
        flipByte(victim.file, victim.offset + (seed % (16 + victim.payloadBytes)), mask)

        const refused = await rejection(log.open())
        expect(refused.code).to.equal('ECORRUPT')
        expect(refused.message).to.include(victim.file).and.include(`offset ${victim.offset}`)

        const wal = await log.open({ recovery: 'truncate' })
        expect(wal.recovery.truncatedCorruption).to.deep.equal({ file: victim.file, offset: victim.offset })
        expect(wal.recovery.lastLsn).to.equal(victim.lsn - 1)
        expect((await readAll(wal)).map((record) => record.lsn)).to.deep.equal(
          Array.from({ length: victim.lsn - 1 }, (_, i) => i + 1),
        )
        await wal.append(victim.lsn, payloadFor(victim.lsn, 10, 1), true)
        await wal.close()

        const reopened = await log.open()
        expect(reopened.recovery.truncatedCorruption).to.equal(undefined)
        expect(reopened.recovery.lastLsn).to.equal(victim.lsn)
        await reopened.close()
      }),
      { numRuns: 8 },
    )
  })

  it('round-trips records through O_DIRECT, resuming a segment in place', async () => {
    const sizes = Array.from({ length: 70 }, (_, i) => (i * 1237) % 5000)
    sizes.push(CONTRACT_SEGMENT_BYTES * 2 + 17)
    const direct = await log.open({ directIo: true })
    for (let i = 0; i < sizes.length; i++) await direct.append(i + 1, payloadFor(i + 1, sizes[i]!), i % 4 === 0)
    await direct.close()
    const resumed = await log.open({ directIo: true })
    expect(resumed.recovery.lastLsn).to.equal(sizes.length)
    await resumed.append(sizes.length + 1, payloadFor(0, 33), true)
    await resumed.close()
    const buffered = await log.open()
    const records = await readAll(buffered)
    expect(records.length).to.equal(sizes.length + 1)
    records.slice(0, -1).forEach((record) => expect(record.payload.equals(payloadFor(record.lsn, sizes[record.lsn - 1]!))).to.equal(true))
    expect(records.at(-1)!.payload.equals(payloadFor(0, 33))).to.equal(true)
  })

  it('reuses recycled segment files by renaming them', async () => {
    const wal = await log.open()
    let lsn = 0
    const appendSegments = async (segments: number) => {
      const target = lsn + segments * 15
      while (lsn < target) {
        lsn++
        await wal.append(lsn, payloadFor(lsn, 1000), true)
      }
    }
    await appendSegments(4)
    await wal.checkpoint(lsn)
    const freeInodes = new Set(
      readdirSync(log.dir)
        .filter((name) => name.startsWith('free-'))
        .map((name) => statSync(join(log.dir, name)).ino),
    )
    expect(freeInodes.size).to.be.greaterThan(1)
    const before = new Set(segmentFiles(log.dir))
    await appendSegments(2)
    const added = segmentFiles(log.dir).filter((file) => !before.has(file))
    expect(added.length).to.be.greaterThan(0)
    expect(added.some((file) => freeInodes.has(statSync(file).ino))).to.equal(true)

    // The reused files still hold their earlier records past the live ones: none may count.
    const checkpointed = lsn - 30
    await wal.close()
    const reopened = await log.open()
    expect(reopened.recovery.tornTail).to.equal(undefined)
    expect(reopened.recovery.lastLsn).to.equal(lsn)
    const records = await readAll(reopened, checkpointed)
    expect(records.map((record) => record.lsn)).to.deep.equal(Array.from({ length: 30 }, (_, i) => checkpointed + 1 + i))
    records.forEach((record) => expect(record.payload.equals(payloadFor(record.lsn, 1000))).to.equal(true))
  })

  it('preallocates segment files with written zeros', async () => {
    const wal = await log.open()
    await wal.append(1, payloadFor(1, 10), true)
    for (const name of readdirSync(log.dir).filter((name) => name.endsWith('.wal'))) {
      const stat = statSync(join(log.dir, name))
      expect(stat.size).to.equal(CONTRACT_SEGMENT_BYTES)
      expect(stat.blocks * 512).to.be.at.least(CONTRACT_SEGMENT_BYTES)
    }
  })

  it('lets one process at a time open a directory', async () => {
    await log.open()
    expect((await rejection(log.open())).code).to.equal('EAGAIN')
  })

  it('reports failures with errno names', async () => {
    const wal = await log.open()
    wal.failNext('append', 'ENOSPC')
    const error = await rejection(wal.append(1, payloadFor(1, 10), true))
    expect(error.code).to.equal('ENOSPC')
    expect(error.message).to.include(log.dir)
  })
})

describe('native WAL calls', () => {
  let log: ReturnType<typeof scratchLog>
  beforeEach(() => {
    log = scratchLog()
  })
  afterEach(async () => {
    await log.dispose()
  })

  /** Blocks the event loop until `done` holds or 10 s pass: only native work already started can progress meanwhile. */
  function blockUntil(done: () => boolean): void {
    const deadline = Date.now() + 10_000
    while (!done() && Date.now() < deadline) {
      // Busy on purpose: the event loop must not turn.
    }
  }

  it('starts a call on an idle log before returning, so the disk works while the caller stays busy', async () => {
    const wal = await log.open()
    await wal.append(1, payloadFor(1, 100), true)
    // A refused call leaves the log idle again.
    expect((await rejection(wal.append(3, payloadFor(3, 100), true))).code).to.equal('EINVAL')
    const before = wal.stats().bytesSinceCheckpoint
    const appended = wal.append(2, payloadFor(2, 500), false)
    blockUntil(() => wal.stats().bytesSinceCheckpoint > before)
    expect(wal.stats().bytesSinceCheckpoint).to.be.greaterThan(before)
    await appended
    expect(wal.lastLsn).to.equal(2)
  })

  it('runs calls made without waiting one at a time, in call order', async () => {
    const wal = await log.open()
    const calls = [
      ...[1, 2, 3, 4, 5].map((lsn) => wal.append(lsn, payloadFor(lsn, 300), lsn === 5)),
      wal.append(7, payloadFor(7, 300), true),
      ...[6, 7].map((lsn) => wal.append(lsn, payloadFor(lsn, 300), false)),
      wal.sync(),
    ]
    const settled = await Promise.allSettled(calls)
    expect(settled.map((result) => result.status)).to.deep.equal([
      ...Array<string>(5).fill('fulfilled'),
      'rejected',
      ...Array<string>(3).fill('fulfilled'),
    ])
    expect(((settled[5] as PromiseRejectedResult).reason as WalError).code).to.equal('EINVAL')
    expect([wal.lastLsn, wal.syncedLsn]).to.deep.equal([7, 7])
    await wal.close()
    const records = await readAll(await log.open())
    expect(records.map((record) => record.lsn)).to.deep.equal([1, 2, 3, 4, 5, 6, 7])
    records.forEach((record) => expect(record.payload.equals(payloadFor(record.lsn, 300))).to.equal(true))
  })
})

describe('native WAL library', () => {
  it('is found beside the sources or through WTR_WAL_LIB', () => {
    expect(nativeLibraryPath({})).to.match(/native\/target\/release\/libwtr_wal\.(so|dylib)$/)
    expect(nativeLibraryPath({ WTR_WAL_LIB: '/opt/wal/lib.so' })).to.equal('/opt/wal/lib.so')
  })

  it('tells the user to run npm install when it is missing', () => {
    expect(() => openNativeLibrary(join(tmpdir(), 'no-such-dir', 'libwtr_wal.so')))
      .to.throw(/npm install/)
      .with.property('code', 'ENOENT')
  })
})
