import { expect } from 'chai'
import fc from 'fast-check'
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlockCache } from '../../src/storage/block-cache.js'
import {
  compareBytes,
  copyOut,
  decodeFooter,
  decodeIndex,
  encodeFooter,
  firstAtLeast,
  FOOTER_TRAILER_BYTES,
  IndexBuilder,
  SegmentError,
  SegmentFormatError,
  type BlockIndex,
  type Footer,
  type SegmentEntry,
} from '../../src/storage/segment-format.js'
import { openSegment, waitedForDevice, type SegmentReader } from '../../src/storage/segment-reader.js'
import { writeSegment, type WriteSegmentOptions } from '../../src/storage/segment-writer.js'
import { crc32c } from '../../src/wal/native-wal.js'
import { crc32Tables } from '../../src/storage/crc32.js'

/** The checksums of the formats, computed apart from the code under test. */
const checksumOf = (version: number) => (version === 2 ? crc32Tables : version === 1 ? crc32c : undefined)

/** An entry in a form whose differences read well in a failure. */
const shown = (e: SegmentEntry | undefined) =>
  e === undefined ? undefined : { key: e.key.toString('hex'), seq: e.seq, kind: e.kind, type: e.type, expiresAt: e.expiresAt, value: e.value.toString('hex') }

const collect = async (it: AsyncIterable<SegmentEntry>): Promise<SegmentEntry[]> => {
  const out: SegmentEntry[] = []
  for await (const e of it) out.push(e)
  return out
}

const inRange = (key: Buffer, from: Buffer | undefined, to: Buffer | undefined): boolean =>
  (from === undefined || Buffer.compare(key, from) >= 0) && (to === undefined || Buffer.compare(key, to) < 0)

/** Longer than the ranges byte loops handle, so keys sharing it take the native compare and copy. */
const LONG_PREFIX = Buffer.alloc(80, 0x70)

/**
 * Keys over a small alphabet share prefixes (the compressed case); some share a long prefix; a
 * few are arbitrary bytes.
 */
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ max: 3, maxLength: 10 }).map((a) => Buffer.from(a.map((b) => 0x61 + b))) },
  { weight: 1, arbitrary: fc.uint8Array({ max: 3, maxLength: 4 }).map((a) => Buffer.concat([LONG_PREFIX, a])) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) },
)

const valueArb = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 500, maxLength: 3000 }) },
)

const entryFor = (key: Buffer): fc.Arbitrary<SegmentEntry> =>
  fc.record({
    key: fc.constant(key),
    seq: fc.oneof(fc.nat(1000), fc.maxSafeNat()),
    kind: fc.constantFrom<'put' | 'delete'>('put', 'put', 'put', 'delete'),
    type: fc.integer({ min: 0, max: 255 }),
    expiresAt: fc.oneof(fc.constant(0), fc.maxSafeNat()),
    value: valueArb.map((a) => Buffer.from(a)),
  }).map((e) => (e.kind === 'delete' ? { ...e, value: Buffer.alloc(0) } : e))

/** Distinct keys in byte order, each with a random entry. */
const sortedEntriesArb = (maxLength: number): fc.Arbitrary<SegmentEntry[]> =>
  fc
    .uniqueArray(keyArb, { maxLength, selector: (k) => k.toString('latin1') })
    .map((keys) => keys.sort(Buffer.compare))
    .chain((keys) => fc.tuple(...keys.map(entryFor)))
    .map((entries) => [...entries])

const optionsArb: fc.Arbitrary<WriteSegmentOptions> = fc.record({
  blockBytes: fc.integer({ min: 16, max: 1024 }),
  restartInterval: fc.integer({ min: 1, max: 20 }),
  bloomBitsPerKey: fc.integer({ min: 0, max: 12 }),
})

/** The footer and index of a segment file, decoded by the spec itself to aim damage at them. */
async function layoutOf(path: string): Promise<{ bytes: Buffer; footer: Footer & { version: number }; index: BlockIndex }> {
  const bytes = await readFile(path)
  const footerLength = bytes.readUInt32LE(bytes.length - FOOTER_TRAILER_BYTES)
  const footer = decodeFooter(bytes.subarray(bytes.length - footerLength), checksumOf)
  const index = decodeIndex(bytes.subarray(footer.indexOffset, footer.indexOffset + footer.indexLength))
  return { bytes, footer, index }
}

async function expectRejection(promise: Promise<unknown>): Promise<SegmentError> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(SegmentError)
    return error as SegmentError
  }
  throw new Error('expected a rejection')
}

describe('byte ranges', () => {
  it('compare and copy as Buffer does, short ranges and long', () => {
    const bytesArb = fc.oneof(fc.uint8Array({ max: 2, maxLength: 8 }), fc.uint8Array({ max: 2, minLength: 60, maxLength: 150 }))
    fc.assert(
      fc.property(bytesArb, bytesArb, fc.nat(3), fc.nat(3), (a, b, skipA, skipB) => {
        const x = Buffer.concat([Buffer.alloc(skipA, 9), a])
        const y = Buffer.concat([Buffer.alloc(skipB, 9), b])
        const order = compareBytes(x, skipA, x.length, y, skipB, y.length)
        expect(Math.sign(order)).to.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)))
        expect(copyOut(x, skipA, x.length).equals(Buffer.from(a))).to.equal(true)
      }),
      { numRuns: 500 },
    )
  })
})

describe('block index', () => {
  it('finds the first block whose last key is >= the key, as a linear search does, whatever prefix the keys share', () => {
    const byte = fc.integer({ min: 0, max: 3 })
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 30 }),
        // Suffixes longer than a fence (six bytes), so that fences tie and bytes decide.
        fc.uniqueArray(fc.array(byte, { maxLength: 10 }), { minLength: 1, maxLength: 40, selector: (a) => a.join(',') }),
        fc.array(fc.tuple(fc.nat(40), fc.array(byte, { maxLength: 11 })), { maxLength: 30 }),
        (prefix, suffixes, probes) => {
          // Block last keys: one shared prefix and distinct suffixes, in order.
          const lastKeys = suffixes.map((s) => Buffer.concat([prefix, Buffer.from(s)])).sort(Buffer.compare)
          const builder = new IndexBuilder()
          lastKeys.forEach((k, i) => builder.add(k, i * 100, 90))
          const index = decodeIndex(builder.finish())
          expect(index.sharedPrefix).to.be.at.least(lastKeys.length === 1 ? lastKeys[0]!.length : prefix.length)
          // Keys sought: with the whole prefix, with part of it, without it, or beyond it.
          for (const [cut, tail] of probes) {
            const key = Buffer.concat([prefix.subarray(0, cut % (prefix.length + 1)), Buffer.from(tail)])
            const expected = lastKeys.findIndex((k) => Buffer.compare(k, key) >= 0)
            expect(firstAtLeast(index, key)).to.equal(expected === -1 ? lastKeys.length : expected)
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('block index lengths', () => {
  it('refuses an index that gives a block more than 4 GiB (damage: a block never holds that much)', () => {
    const builder = new IndexBuilder()
    builder.add(Buffer.from('a'), 0, 2 ** 33)
    expect(() => decodeIndex(builder.finish())).to.throw(SegmentFormatError, /more than a block holds/)
    const fine = new IndexBuilder()
    fine.add(Buffer.from('a'), 0, 0xffff_ffff)
    expect(decodeIndex(fine.finish()).lengths[0]).to.equal(0xffff_ffff)
  })
})

describe('point reads on the calling thread', () => {
  it('count a slow read as a wait for the device only when the process read blocks from storage since the last slow one', () => {
    let blockReads = 1000
    const count = () => blockReads
    // Settles what the counter stood at.
    waitedForDevice(50, count)
    // Fast reads never ask.
    blockReads += 8
    expect(waitedForDevice(0.2, count)).to.equal(false)
    // A slow read after block reads: the device was waited for.
    expect(waitedForDevice(5, count)).to.equal(true)
    // Slow again, no block read since: the thread lost its core; the page cache answered.
    expect(waitedForDevice(5, count)).to.equal(false)
    expect(waitedForDevice(40, count)).to.equal(false)
    blockReads += 256
    expect(waitedForDevice(3, count)).to.equal(true)
  })
})

describe('segment files', () => {
  let dir: string
  let fileNumber = 0
  const nextPath = () => join(dir, `${++fileNumber}.seg`)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wtr-segment-spec-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('round-trips random sorted entries: get of every key and of absent keys, scans of random ranges', async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedEntriesArb(150),
        optionsArb,
        fc.array(keyArb, { maxLength: 30 }),
        fc.array(fc.tuple(fc.option(keyArb, { nil: undefined }), fc.option(keyArb, { nil: undefined })), { maxLength: 8 }),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        async (entries, options, probes, ranges, cacheBytes) => {
          const path = nextPath()
          const written = await writeSegment(path, entries, options)
          const cache = cacheBytes === undefined ? undefined : new BlockCache(cacheBytes)
          const segment = await openSegment(path, fileNumber, cache)
          try {
            const expiring = entries.filter((e) => e.expiresAt > 0).map((e) => e.expiresAt)
            const expectedMeta = {
              entries: entries.length,
              tombstones: entries.filter((e) => e.kind === 'delete').length,
              valueBytes: entries.reduce((n, e) => n + e.value.length, 0),
              minSeq: entries.length === 0 ? 0 : Math.min(...entries.map((e) => e.seq)),
              maxSeq: entries.length === 0 ? 0 : Math.max(...entries.map((e) => e.seq)),
              minExpiresAt: expiring.length === 0 ? 0 : Math.min(...expiring),
              firstKey: entries[0]?.key.toString('hex') ?? '',
              lastKey: entries.at(-1)?.key.toString('hex') ?? '',
            }
            for (const meta of [written, segment.meta]) {
              expect({ ...meta, firstKey: meta.firstKey.toString('hex'), lastKey: meta.lastKey.toString('hex') }).to.include(expectedMeta)
            }
            expect(segment.meta).to.deep.include({ bytes: written.bytes, blocks: written.blocks, path, id: fileNumber })

            for (const e of entries) expect(shown(await segment.get(e.key))).to.deep.equal(shown(e))
            const present = new Set(entries.map((e) => e.key.toString('latin1')))
            for (const probe of probes) {
              if (!present.has(probe.toString('latin1'))) expect(await segment.get(probe)).to.equal(undefined)
            }
            for (const [from, to] of [[undefined, undefined] as const, ...ranges]) {
              const expected = entries.filter((e) => inRange(e.key, from, to)).map(shown)
              expect((await collect(segment.scan(from, to))).map(shown)).to.deep.equal(expected)
              // In runs of blocks read at once, and without values.
              expect((await collect(segment.scan(from, to, { fillCache: false }))).map(shown)).to.deep.equal(expected)
              const keysOnly = (await collect(segment.scan(from, to, { fillCache: false, values: false }))).map(shown)
              expect(keysOnly).to.deep.equal(expected.map((e) => ({ ...e!, value: '' })))
            }
          } finally {
            await segment.close()
            await rm(path)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('writes the same bytes from an async iterable as from an array', async () => {
    const entries = await fc.sample(sortedEntriesArb(100), { numRuns: 1, seed: 7 })[0]!
    async function* stream() {
      for (const e of entries) {
        await Promise.resolve()
        yield e
      }
    }
    const a = nextPath()
    const b = nextPath()
    await writeSegment(a, entries, { blockBytes: 128 })
    await writeSegment(b, stream(), { blockBytes: 128 })
    expect((await readFile(a)).equals(await readFile(b))).to.equal(true)
  })

  it('lays out bytes as docs/segment-format.md describes', async () => {
    const path = nextPath()
    const meta = await writeSegment(
      path,
      [
        { key: Buffer.from('abc'), seq: 300, kind: 'put', type: 0, expiresAt: 0, value: Buffer.from('V') },
        { key: Buffer.from('abd'), seq: 5, kind: 'delete', type: 0, expiresAt: 0, value: Buffer.alloc(0) },
      ],
      { restartInterval: 16 },
    )
    const { bytes, footer, index } = await layoutOf(path)
    // entry 1: shared 0, unshared 3, value length 1, "abc", kind put, type 0, seq 300 (LEB128 ac 02), expiresAt 0, "V"
    // entry 2: shared 2, unshared 1, value length 0, "d", kind delete, type 0, seq 5, expiresAt 0
    // restart offsets [0], restart count 1, then the block's CRC-32 (format 2)
    const block = Buffer.from('000301616263' + '0000ac0200' + '56' + '020100' + '64' + '0100' + '0500' + '00000000' + '01000000', 'hex')
    expect(bytes.subarray(0, block.length).toString('hex')).to.equal(block.toString('hex'))
    expect(bytes.readUInt32LE(block.length)).to.equal(crc32Tables(block))
    expect(crc32Tables(Buffer.from('123456789'))).to.equal(0xcbf43926)
    expect(footer.version).to.equal(2)
    expect(index.count).to.equal(1)
    expect(index.offsets[0]).to.equal(0)
    expect(index.lengths[0]).to.equal(block.length)
    expect(footer).to.deep.include({ blocks: 1, indexOffset: block.length + 4, entries: 2, tombstones: 1, minSeq: 5, maxSeq: 300, valueBytes: 1 })
    expect(bytes.subarray(-8).toString('latin1')).to.equal('WTR-END\n')
    const footerStart = bytes.length - bytes.readUInt32LE(bytes.length - 16)
    expect(bytes.subarray(footerStart, footerStart + 8).toString('latin1')).to.equal('WTR-SEG\n')
    expect(footerStart).to.equal(footer.bloomOffset + footer.bloomLength)
    expect(meta.bytes).to.equal(bytes.length)
  })

  it('reads a file of format 1 (CRC-32C checksums), as earlier builds wrote', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({
      key: Buffer.from(`key:${String(i).padStart(5, '0')}`),
      seq: i + 1,
      kind: 'put' as const,
      type: 0,
      expiresAt: 0,
      value: Buffer.from(`value ${i} `.repeat(1 + (i % 7))),
    }))
    const path = nextPath()
    await writeSegment(path, entries, { blockBytes: 256 })
    // Rewrite every checksum as CRC-32C and the version as 1: the bytes of a format-1 file.
    const { bytes, footer, index } = await layoutOf(path)
    for (let i = 0; i < index.count; i++) {
      const start = index.offsets[i]!
      const end = start + index.lengths[i]!
      bytes.writeUInt32LE(crc32c(bytes.subarray(start, end)), end)
    }
    const tables = bytes.subarray(footer.indexOffset, footer.bloomOffset + footer.bloomLength)
    const v1Footer = encodeFooter(
      {
        ...footer,
        indexCrc: crc32c(tables.subarray(0, footer.indexLength)),
        bloomCrc: crc32c(tables.subarray(footer.indexLength)),
      },
      crc32c,
    )
    v1Footer.writeUInt32LE(1, 8)
    const trailer = v1Footer.length - FOOTER_TRAILER_BYTES
    v1Footer.writeUInt32LE(crc32c(v1Footer.subarray(0, trailer + 4)), trailer + 4)
    const v1 = Buffer.concat([bytes.subarray(0, footer.bloomOffset + footer.bloomLength), v1Footer])
    const v1Path = nextPath()
    await writeFile(v1Path, v1)
    const reader = await openSegment(v1Path, 1, new BlockCache(1 << 20))
    try {
      for (const e of entries) expect((await reader.get(e.key))?.value.toString()).to.equal(e.value.toString())
      const scanned: string[] = []
      for await (const e of reader.scan()) scanned.push(e.key.toString())
      expect(scanned).to.deep.equal(entries.map((e) => e.key.toString()))
    } finally {
      await reader.close()
    }
    // One flipped byte in a block fails that block's CRC-32C.
    v1[index.offsets[3]! + 2]! ^= 0x40
    await writeFile(v1Path, v1)
    const damaged = await openSegment(v1Path, 2, undefined)
    try {
      const error = await expectRejection(Promise.all(entries.map((e) => damaged.get(e.key))))
      expect(error.message).to.match(/fails its checksum/)
    } finally {
      await damaged.close()
    }
  })

  it('refuses a file of a format version it does not know, and says so', async () => {
    const path = nextPath()
    await writeSegment(path, [{ key: Buffer.from('k'), seq: 1, kind: 'put', type: 0, expiresAt: 0, value: Buffer.from('v') }])
    const bytes = await readFile(path)
    const footerStart = bytes.length - bytes.readUInt32LE(bytes.length - FOOTER_TRAILER_BYTES)
    bytes.writeUInt32LE(3, footerStart + 8)
    const trailer = bytes.length - FOOTER_TRAILER_BYTES
    bytes.writeUInt32LE(crc32Tables(bytes.subarray(footerStart, trailer + 4)), trailer + 4)
    await writeFile(path, bytes)
    const error = await expectRejection(openSegment(path, 1, undefined))
    expect(error.message).to.match(/format version 3; this build reads 1 to 2/)
  })

  it('keeps a value larger than a block, and larger than a write chunk, inline', async () => {
    const big = Buffer.alloc(3 << 20, 0x5a)
    const path = nextPath()
    const entries: SegmentEntry[] = [
      { key: Buffer.from('a'), seq: 1, kind: 'put', type: 0, expiresAt: 0, value: Buffer.from('small') },
      { key: Buffer.from('b'), seq: 2, kind: 'put', type: 0, expiresAt: 0, value: big },
      { key: Buffer.from('c'), seq: 3, kind: 'put', type: 0, expiresAt: 0, value: Buffer.from('after') },
    ]
    const meta = await writeSegment(path, entries, { blockBytes: 4096 })
    expect(meta.blocks).to.equal(2)
    const segment = await openSegment(path, 1)
    try {
      expect((await segment.get(Buffer.from('b')))!.value.equals(big)).to.equal(true)
      expect((await collect(segment.scan())).map((e) => e.value.length)).to.deep.equal([5, big.length, 5])
      // Read in runs: a block larger than the largest run is a run alone.
      const runs = await collect(segment.scan(undefined, undefined, { fillCache: false }))
      expect(runs.map((e) => e.value.length)).to.deep.equal([5, big.length, 5])
      expect(runs[1]!.value.equals(big)).to.equal(true)
    } finally {
      await segment.close()
    }
  })

  it('writes and reads an empty segment', async () => {
    const path = nextPath()
    const meta = await writeSegment(path, [])
    expect(meta).to.deep.include({ entries: 0, blocks: 0 })
    const segment = await openSegment(path, 1)
    try {
      expect(segment.mayContain(Buffer.alloc(0))).to.equal(false)
      expect(await segment.get(Buffer.from('x'))).to.equal(undefined)
      expect(await collect(segment.scan())).to.deep.equal([])
    } finally {
      await segment.close()
    }
  })

  describe('the writer refuses', () => {
    const put = (key: string, seq = 1): SegmentEntry => ({ key: Buffer.from(key), seq, kind: 'put', type: 0, expiresAt: 0, value: Buffer.from('v') })
    const refusals: [string, SegmentEntry[]][] = [
      ['a key equal to the one before', [put('a'), put('b'), put('b')]],
      ['a key smaller than the one before', [put('a'), put('c'), put('b')]],
      ['a delete that carries a value', [{ ...put('a'), kind: 'delete' }]],
      ['a seq that is not a non-negative safe integer', [put('a', -1)]],
      ['a type tag beyond one byte', [{ ...put('a'), type: 256 }]],
    ]
    for (const [what, entries] of refusals) {
      it(`${what}, and leaves no file behind`, async () => {
        const sub = await mkdtemp(join(dir, 'refused-'))
        const path = join(sub, 'x.seg')
        // More than one 1 MiB write of entries first, so the .tmp has content when the bad one arrives.
        const many = Array.from({ length: 3000 }, (_, i) => ({ ...put(`0-${String(i).padStart(6, '0')}`), value: Buffer.alloc(400) }))
        const error = await expectRejection(writeSegment(path, [...many, ...entries], { blockBytes: 64 }))
        expect(error.code).to.equal('EINVAL')
        expect(await readdir(sub)).to.deep.equal([])
      })
    }
  })

  describe('damage', () => {
    const entries: SegmentEntry[] = Array.from({ length: 600 }, (_, i) => ({
      key: Buffer.from(`key:${String(i).padStart(5, '0')}`),
      seq: i + 1,
      kind: i % 7 === 0 ? 'delete' : 'put',
      type: 0,
      expiresAt: 0,
      value: i % 7 === 0 ? Buffer.alloc(0) : Buffer.from(`value-${i}`.repeat(1 + (i % 5))),
    }))
    let original: string
    let layout: Awaited<ReturnType<typeof layoutOf>>

    before(async () => {
      original = nextPath()
      await writeSegment(original, entries, { blockBytes: 256, restartInterval: 4 })
      layout = await layoutOf(original)
      expect(layout.index.count).to.be.greaterThan(20)
    })

    /** The block holding file offset `position`. */
    const blockAt = (position: number): number => {
      const { index } = layout
      for (let i = 0; i < index.count; i++) if (position < index.offsets[i]! + index.lengths[i]! + 4) return i
      throw new Error(`${position} is past the blocks`)
    }
    const lastKeyOf = (i: number): Buffer => layout.index.keys.subarray(i === 0 ? 0 : layout.index.keyEnds[i - 1]!, layout.index.keyEnds[i]!)
    const blockOf = (key: Buffer): number => {
      for (let i = 0; i < layout.index.count; i++) if (Buffer.compare(key, lastKeyOf(i)) <= 0) return i
      throw new Error('key past the last block')
    }

    it('a flipped byte in a block fails that block\'s reads with the file and offset; other blocks still read', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(layout.footer.indexOffset - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), fc.boolean(), async (position, mask, cached, runs) => {
          const path = nextPath()
          const bytes = Buffer.from(layout.bytes)
          bytes[position]! ^= mask
          await writeFile(path, bytes)
          const damaged = blockAt(position)
          const damagedOffset = layout.index.offsets[damaged]!
          const segment = await openSegment(path, fileNumber, cached ? new BlockCache(1 << 20) : undefined)
          const expectDamageError = (error: SegmentError) => {
            expect(error.code).to.equal('ECORRUPT')
            expect(error.path).to.equal(path)
            expect(error.offset).to.equal(damagedOffset)
            expect(error.message).to.include(path).and.to.include(`offset ${damagedOffset}`)
          }
          try {
            for (const e of entries) {
              if (blockOf(e.key) === damaged) expectDamageError(await expectRejection(segment.get(e.key)))
              else expect(shown(await segment.get(e.key))).to.deep.equal(shown(e))
            }
            // A full scan yields every entry before the damaged block, then fails; block by block
            // or in runs of blocks read at once (a scan that leaves the cache alone).
            const options = { fillCache: !runs }
            const seen: SegmentEntry[] = []
            const scan = (async () => {
              for await (const e of segment.scan(undefined, undefined, options)) seen.push(e)
            })()
            expectDamageError(await expectRejection(scan))
            expect(seen.map(shown)).to.deep.equal(entries.filter((e) => blockOf(e.key) < damaged).map(shown))
            // A scan of the blocks after it does not touch it.
            if (damaged + 1 < layout.index.count) {
              const after = entries.filter((e) => blockOf(e.key) > damaged)
              expect((await collect(segment.scan(after[0]!.key, undefined, options))).map(shown)).to.deep.equal(after.map(shown))
            }
          } finally {
            await segment.close()
            await rm(path)
          }
        }),
        { numRuns: 15 },
      )
    })

    it('a file cut short anywhere fails to open as torn, naming the file', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(layout.bytes.length - 1), async (length) => {
          const path = nextPath()
          await writeFile(path, layout.bytes)
          await truncate(path, length)
          const error = await expectRejection(openSegment(path, 1))
          expect(error.code).to.equal('ETORN')
          expect(error.message).to.include(path)
          await rm(path)
        }),
        { numRuns: 40 },
      )
    })

    it('a flipped byte in the index, the bloom filter or the footer fails the open, naming the file', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: layout.footer.indexOffset, max: layout.bytes.length - 1 }),
          fc.integer({ min: 1, max: 255 }),
          async (position, mask) => {
            const path = nextPath()
            const bytes = Buffer.from(layout.bytes)
            bytes[position]! ^= mask
            await writeFile(path, bytes)
            const error = await expectRejection(openSegment(path, 1))
            // Damage to the end magic reads as a file that never finished; anything else as corruption.
            expect(error.code).to.equal(position >= bytes.length - 8 ? 'ETORN' : 'ECORRUPT')
            expect(error.message).to.include(path)
            await rm(path)
          },
        ),
        { numRuns: 60 },
      )
    })

    it('a file that is not a segment fails to open as torn', async () => {
      const path = nextPath()
      await writeFile(path, 'just some text, long enough to hold a footer if it were one. '.repeat(4))
      const error = await expectRejection(openSegment(path, 1))
      expect(error.code).to.equal('ETORN')
      expect(error.message).to.include(path).and.to.include('magic')
    })
  })

  describe('reader', () => {
    const entries: SegmentEntry[] = Array.from({ length: 200 }, (_, i) => ({
      key: Buffer.from(`k${String(i).padStart(4, '0')}`),
      seq: i,
      kind: 'put',
      type: 0,
      expiresAt: 1000 + i,
      value: Buffer.alloc(50, i),
    }))
    let path: string
    let cache: BlockCache
    let segment: SegmentReader

    beforeEach(async () => {
      path = nextPath()
      await writeSegment(path, entries, { blockBytes: 512 })
      cache = new BlockCache(1 << 20)
      segment = await openSegment(path, 42, cache)
    })
    afterEach(async () => {
      await segment.close()
    })

    it('admits a block to the cache on its third read, then serves it from there', async () => {
      // A block read once or twice may never be read again (uniform reads over far more data
      // than the cache): it is not cached until it is read a third time.
      await segment.get(entries[0]!.key)
      expect(cache.stats()).to.include({ misses: 1, hits: 0, blocks: 0 })
      await segment.get(entries[1]!.key)
      expect(cache.stats()).to.include({ misses: 2, hits: 0, blocks: 0 })
      await segment.get(entries[2]!.key)
      expect(cache.stats()).to.include({ misses: 3, hits: 0, blocks: 1 })
      await segment.get(entries[3]!.key)
      expect(cache.stats()).to.include({ misses: 3, hits: 1, blocks: 1 })
    })

    it('reads a cold block once for concurrent lookups', async () => {
      const results = await Promise.all([segment.get(entries[0]!.key), segment.get(entries[1]!.key), segment.get(entries[2]!.key)])
      expect(results.map((e) => e?.seq)).to.deep.equal([0, 1, 2])
      expect(cache.stats()).to.include({ blocks: 1 })
    })

    it('skips the disk for keys outside its range or rejected by the bloom filter', async () => {
      expect(segment.mayContain(Buffer.from('a'))).to.equal(false)
      expect(segment.mayContain(Buffer.from('z'))).to.equal(false)
      expect(await segment.get(Buffer.from('z'))).to.equal(undefined)
      let rejected = 0
      for (let i = 0; i < 200; i++) {
        const key = Buffer.from(`k${String(i).padStart(4, '0')}x`)
        if (!segment.mayContain(key)) rejected++
        expect(await segment.get(key)).to.equal(undefined)
      }
      expect(rejected).to.be.greaterThan(180)
      // Only the bloom filter's false positives reached the cache (and the disk).
      const { hits, misses } = cache.stats()
      expect(hits + misses).to.equal(200 - rejected)
    })

    it('lets a scan leave the cache alone when asked', async () => {
      expect(await collect(segment.scan(undefined, undefined, { fillCache: false }))).to.have.length(entries.length)
      expect(cache.stats()).to.include({ blocks: 0 })
      expect(await collect(segment.scan())).to.have.length(entries.length)
      expect(cache.stats().blocks).to.equal(segment.meta.blocks)
    })

    it('reports what it holds in memory outside the cache', () => {
      expect(segment.residentBytes).to.be.greaterThan(segment.meta.blocks * 5)
      expect(segment.residentBytes).to.be.lessThan(segment.meta.bytes)
    })

    it('refuses reads once closed, and drops its blocks from the cache', async () => {
      await collect(segment.scan())
      expect(cache.stats().blocks).to.be.greaterThan(0)
      await segment.close()
      expect(cache.stats().blocks).to.equal(0)
      expect((await expectRejection(segment.get(entries[0]!.key))).code).to.equal('ECLOSED')
      expect((await expectRejection(collect(segment.scan()))).code).to.equal('ECLOSED')
    })
  })
})
