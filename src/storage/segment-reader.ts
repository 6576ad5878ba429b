// Reads one sorted segment file (docs/segment-format.md). Opening loads the footer, the block
// index and the bloom filter into memory; after that a point lookup costs at most one block read
// (none when the block is cached), and a scan reads the blocks of its range one at a time. Every
// block is checked against its checksum (CRC-32, or CRC-32C in format 1) when it comes off the
// disk; a damaged one fails the read with a SegmentError naming the file and the block's offset,
// and leaves other blocks readable.
// A point read takes its block with a pread on the calling thread while the page cache answers
// quickly (readBlockSync); every other file access goes through node:fs/promises (the thread pool).

import { readSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { crc32 } from './crc32.js'
import { crc32c } from './crc32c.js'
import type { BlockCache } from './block-cache.js'
import { BloomFilter, bloomHash } from './bloom.js'
import { entriesOf } from './merge.js'
import {
  BLOCK_CHECKSUM_BYTES,
  BlockCursor,
  compareBytes,
  compareSortedKey,
  type Checksum,
  decodeFooter,
  decodeIndex,
  DEFAULT_BLOCK_BYTES,
  firstAtLeast,
  FOOTER_FIXED_BYTES,
  FOOTER_TRAILER_BYTES,
  footerLengthFromTrailer,
  hex,
  SegmentError,
  SegmentFormatError,
  type BlockIndex,
  type Footer,
  type SegmentEntry,
  type SegmentMeta,
} from './segment-format.js'

/** The first read at open takes this much of the file's end, enough for most footers. */
const TAIL_READ_BYTES = 4096

export interface ScanOptions {
  /**
   * Whether blocks this scan reads enter the block cache (default true). A scan over a whole
   * segment (compaction, a full KEYS) should pass false so it does not push out hot blocks.
   */
  fillCache?: boolean
  /** Whether entries carry their values (default true); false leaves each value empty. */
  values?: boolean
}

/** The largest run of blocks a scan that does not fill the cache reads at once. */
const SCAN_RUN_MAX_BYTES = 256 * 1024

/** A scan's buffer of adjacent blocks: blocks first .. end - 1, from file offset `start`. */
interface ScanRun {
  buf: Buffer
  first: number
  start: number
  end: number
  bytesRead: number
  /** The size this run was read at; the next one doubles it. */
  budget: number
}

const EMPTY = Buffer.alloc(0)

const newRun = (): ScanRun => ({ buf: EMPTY, first: 0, start: 0, end: 0, bytesRead: 0, budget: 0 })

/** The size of the run after `run`: one block's worth first, then twice the last, up to the cap. */
const nextBudget = (run: ScanRun | undefined): number =>
  Math.min(SCAN_RUN_MAX_BYTES, Math.max(DEFAULT_BLOCK_BYTES, 2 * (run?.budget ?? 0)))

/**
 * Opens the segment at `path`. `id` names it in the block cache, so it must be unique among the
 * segments sharing `cache`. Rejects with a SegmentError: ETORN when the file ends before its footer
 * does (a write that never completed), ECORRUPT when the footer, index or bloom filter is damaged.
 */
export async function openSegment(path: string, id: number, cache?: BlockCache): Promise<SegmentReader> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const minimum = FOOTER_FIXED_BYTES + FOOTER_TRAILER_BYTES
    if (size < minimum) {
      throw new SegmentError(`segment ${path} is ${size} bytes, shorter than any footer: it was cut short or is not a segment`, 'ETORN', path, 0)
    }
    const tail = await readExactly(file, path, Math.max(size - TAIL_READ_BYTES, 0), Math.min(size, TAIL_READ_BYTES))
    let footerLength: number
    try {
      footerLength = footerLengthFromTrailer(tail.subarray(tail.length - FOOTER_TRAILER_BYTES))
    } catch {
      throw new SegmentError(`segment ${path} (${size} bytes) does not end with the segment magic: it was cut short or is not a segment`, 'ETORN', path, size - FOOTER_TRAILER_BYTES)
    }
    if (footerLength < minimum || footerLength > size) {
      throw new SegmentError(`segment ${path}: its trailer claims a ${footerLength}-byte footer in a ${size}-byte file`, 'ECORRUPT', path, size - FOOTER_TRAILER_BYTES)
    }
    const footerStart = size - footerLength
    const footerBytes = footerLength <= tail.length ? tail.subarray(tail.length - footerLength) : await readExactly(file, path, footerStart, footerLength)
    const footer = decodeOrThrow(path, footerStart, 'footer', () => decodeFooter(footerBytes, checksumOf))
    const checksum = checksumOf(footer.version)!
    checkLayout(path, footer, footerStart)

    const tables = await readExactly(file, path, footer.indexOffset, footerStart - footer.indexOffset)
    const indexBytes = tables.subarray(0, footer.indexLength)
    const bloomBytes = tables.subarray(footer.indexLength)
    checkCrc(path, 'index', footer.indexOffset, indexBytes, footer.indexCrc, checksum)
    checkCrc(path, 'bloom filter', footer.bloomOffset, bloomBytes, footer.bloomCrc, checksum)
    const index = decodeOrThrow(path, footer.indexOffset, 'index', () => decodeIndex(indexBytes))
    checkIndex(path, footer, index)
    const bloom = decodeOrThrow(path, footer.bloomOffset, 'bloom filter', () => BloomFilter.deserialize(bloomBytes))

    const meta: SegmentMeta = {
      path,
      id,
      entries: footer.entries,
      tombstones: footer.tombstones,
      bytes: size,
      firstKey: footer.firstKey,
      lastKey: footer.lastKey,
      minSeq: footer.minSeq,
      maxSeq: footer.maxSeq,
      minExpiresAt: footer.minExpiresAt,
      valueBytes: footer.valueBytes,
      blocks: footer.blocks,
    }
    return new SegmentReader(file, meta, id, index, bloom, cache, checksum)
  } catch (error) {
    await file.close().catch(() => undefined)
    throw error
  }
}

const NOT_FOUND: Promise<undefined> = Promise.resolve(undefined)
/** What tryGet and LsmStore.tryLookup return when the answer needs the thread pool. */
export const WOULD_BLOCK: unique symbol = Symbol('would block')
/** A synchronous point read slower than this may have waited for the device (see waitedForDevice). */
const SLOW_SYNC_READ_MS = 2
/** How long point reads then go through the thread pool. */
const ASYNC_READS_MS = 10_000

/** The process's block reads from storage (getrusage's ru_inblock) when last asked. */
let blockReadsSeen = process.resourceUsage().fsRead

/**
 * Whether a point read that took `elapsedMs` waited for the device: only a slow one, and only if
 * the process read blocks from storage (`blockReads`, the running count) since the last slow
 * read. A read the page cache answers can take milliseconds too, when the thread loses its core
 * during the call (two cores shared with clients and the collector's threads); sending that
 * segment's reads to the thread pool for ASYNC_READS_MS then made 2-3% of all reads wait for
 * it, most of the GETs above the 97th percentile. The count is the whole process's, so a block
 * read by anything else counts too: in doubt, the device waited.
 */
export const waitedForDevice = (elapsedMs: number, blockReads: () => number): boolean => {
  if (elapsedMs <= SLOW_SYNC_READ_MS) return false
  const now = blockReads()
  const waited = now !== blockReadsSeen
  blockReadsSeen = now
  return waited
}

const processBlockReads = (): number => process.resourceUsage().fsRead
/** Where synchronous point reads put blocks the cache does not take (one read at a time). */
let scratch = Buffer.allocUnsafeSlow(16 * 1024)
/**
 * A block larger than this (one huge value) is read into a buffer of its own: the scratch buffer
 * lives as long as the process, and had grown to twice the largest block ever read (40 MB for
 * one read of a 20 MB string).
 */
const SCRATCH_MAX_BYTES = 1024 * 1024

export class SegmentReader {
  /** Reused by get(), whose block search is synchronous. */
  private readonly cursor = new BlockCursor()
  /** Block reads in flight, so concurrent lookups of one cold block read it once. */
  private readonly loading = new Map<number, Promise<Buffer>>()
  private closing: Promise<void> | undefined
  /** Point reads go through the thread pool until then (performance.now() ms); see readBlockSync. */
  private asyncReadsUntil = 0

  constructor(
    private readonly file: FileHandle,
    readonly meta: SegmentMeta,
    readonly id: number,
    private readonly index: BlockIndex,
    private readonly bloom: BloomFilter,
    private readonly cache: BlockCache | undefined,
    /** The checksum of the file's format version. */
    private readonly checksum: Checksum,
  ) {}

  /** Memory the open segment holds outside the block cache (index and bloom filter). */
  get residentBytes(): number {
    const index = this.index
    return index.keys.length + index.keyEnds.byteLength + index.fences.byteLength + index.offsets.byteLength + index.lengths.byteLength + this.bloom.byteLength
  }

  /**
   * The last key of a randomly chosen block among those that may hold keys in [from, to) (a
   * copy), or undefined when none does: a cheap random point in the segment's keys.
   */
  sampleKey(from: Buffer, to: Buffer | undefined): Buffer | undefined {
    const index = this.index
    const first = firstAtLeast(index, from)
    const last = to === undefined ? index.count : Math.min(index.count, firstAtLeast(index, to) + 1)
    if (first >= last) return undefined
    const i = first + Math.floor(Math.random() * (last - first))
    const key = Buffer.from(index.keys.subarray(i === 0 ? 0 : index.keyEnds[i - 1]!, index.keyEnds[i]!))
    return to !== undefined && Buffer.compare(key, to) >= 0 ? undefined : key
  }

  /**
   * False when the key is certainly absent (outside the key range, or rejected by the bloom
   * filter). `hash` is bloomHash(key), for callers probing many segments with one key.
   */
  mayContain(key: Buffer, hash?: number): boolean {
    const { meta } = this
    if (compareBytes(key, 0, key.length, meta.firstKey, 0, meta.firstKey.length) < 0) return false
    if (compareBytes(key, 0, key.length, meta.lastKey, 0, meta.lastKey.length) > 0) return false
    return this.mayContainInRange(hash ?? bloomHash(key))
  }

  /**
   * mayContain for a key the caller knows lies in the segment's key range (a deeper level's
   * segment that the read plan chose by range): the bloom filter alone.
   */
  mayContainInRange(hash: number): boolean {
    return this.meta.entries > 0 && this.bloom.mayContainHash(hash)
  }

  /**
   * The entry for `key` (a put or a delete), or undefined when the segment does not hold it.
   * Reads at most one block, through the cache.
   */
  get(key: Buffer, hash?: number): Promise<SegmentEntry | undefined> {
    let found: SegmentEntry | undefined | typeof WOULD_BLOCK
    try {
      found = this.tryGet(key, hash)
    } catch (error) {
      return Promise.reject(error)
    }
    if (found !== WOULD_BLOCK) return found === undefined ? NOT_FOUND : Promise.resolve(found)
    if (this.closing !== undefined) return Promise.reject(this.closedError())
    const i = firstAtLeast(this.index, key)
    return this.loadBlock(i, true).then((block) => this.findInBlock(block, i, key))
  }

  /**
   * get() without a promise, when it can answer on this thread: from the cache, or by a read of
   * the page cache (see readBlockSync). WOULD_BLOCK when the block must come through the thread
   * pool (a read of it is in flight, reads are routed there for a while, or the segment is
   * closing); get() does that. Throws what get() rejects with.
   */
  tryGet(key: Buffer, hash?: number): SegmentEntry | undefined | typeof WOULD_BLOCK {
    if (this.closing !== undefined) return WOULD_BLOCK
    if (!this.mayContain(key, hash)) return undefined
    const i = firstAtLeast(this.index, key)
    if (i === this.index.count) return undefined
    const cached = this.cache?.get(this.id, this.index.offsets[i]!)
    if (cached !== undefined) return this.findInBlock(cached, i, key)
    if (this.loading.get(i) !== undefined || performance.now() < this.asyncReadsUntil) return WOULD_BLOCK
    return this.findInBlock(this.readBlockSync(i), i, key)
  }

  /**
   * A point read of one block on the calling thread. From the page cache a pread costs a few
   * microseconds, several times less than a round trip through the thread pool; a read that had
   * to wait for the device switches this segment's point reads to the thread pool for a while,
   * so a cold or slow disk never stalls the event loop twice in a row (a slow read that made no
   * block read lost the core, not the race for the disk, and switches nothing).
   */
  private readBlockSync(i: number): Buffer {
    const offset = this.index.offsets[i]!
    const length = this.index.lengths[i]!
    const cache = this.cache
    // A block the cache does not admit is read into a scratch buffer: the caller copies the
    // entry out before anything else reads (findInBlock), so nothing keeps it.
    const admit = cache !== undefined && cache.shouldAdmit(this.id, offset)
    const size = length + BLOCK_CHECKSUM_BYTES
    const ownBuffer = admit || size > SCRATCH_MAX_BYTES
    if (!ownBuffer && scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(size, 2 * scratch.length)))
    // The scratch buffer whole, not a view of it: verifyBlock cuts the one view the caller gets.
    const buf = ownBuffer ? Buffer.allocUnsafeSlow(size) : scratch
    const started = performance.now()
    const bytesRead = readSync(this.file.fd, buf, 0, size, offset)
    if (waitedForDevice(performance.now() - started, processBlockReads)) this.asyncReadsUntil = performance.now() + ASYNC_READS_MS
    const block = this.verifyBlock(i, buf, size, bytesRead)
    if (admit) cache.set(this.id, offset, block)
    return block
  }

  /**
   * The entries with from <= key < to, in key order (either bound may be left out). Seeks with
   * the index. A scan that fills the cache reads one block at a time, each its own buffer; one
   * that does not reads runs of adjacent blocks (they tile the file), each run twice the last up
   * to SCAN_RUN_MAX_BYTES, so a short scan reads little and a long one makes one round trip
   * through the thread pool per run instead of per block. While one run is decoded the next is
   * read into a second buffer, and the two take turns: entries are copied out of a block before
   * it is yielded from, so a buffer may be read into again once the scan has moved past it.
   */
  scan(from?: Buffer, to?: Buffer, options: ScanOptions = {}): AsyncIterableIterator<SegmentEntry> {
    return entriesOf(this.scanBatches(from, to, options))
  }

  /** scan() a block at a time: each batch holds a block's entries in the range (never none). */
  async *scanBatches(from?: Buffer, to?: Buffer, options: ScanOptions = {}): AsyncIterableIterator<SegmentEntry[]> {
    const fillCache = options.fillCache ?? true
    const withValues = options.values ?? true
    const index = this.index
    if (from !== undefined && to !== undefined && Buffer.compare(from, to) >= 0) return
    const cursor = new BlockCursor()
    const first = from === undefined ? 0 : firstAtLeast(index, from)
    const runs: [ScanRun, ScanRun] = [newRun(), newRun()]
    const spareOf = (run: ScanRun | undefined): ScanRun => (run === runs[0] ? runs[1] : runs[0])
    let current: ScanRun | undefined
    /** The read of the run after `current` into the other buffer, when one is under way. */
    let ahead: Promise<ScanRun> | undefined
    for (let i = first; i < index.count; i++) {
      if (this.closing !== undefined) throw this.closedError()
      let block = this.cache?.get(this.id, index.offsets[i]!)
      if (block === undefined) {
        if (fillCache) block = await this.loadBlock(i, true)
        else {
          if (current === undefined || i >= current.end) {
            // The run read ahead starts where the last one ended; a cached block since may have
            // moved the scan on, and then it is waited out (it fills the spare) and read again.
            const prefetched = await ahead
            ahead = undefined
            current = prefetched?.first === i ? prefetched : await this.readRun(spareOf(current), i, to, nextBudget(current))
            const next = current.end
            if (next < index.count && (to === undefined || compareSortedKey(index, next - 1, to) < 0)) {
              ahead = this.readRun(spareOf(current), next, to, nextBudget(current))
              // A scan abandoned meanwhile never awaits it; its failure is reported if awaited.
              ahead.catch(() => undefined)
            }
          }
          block = this.blockOfRun(current, i)
        }
      }
      // Decoded a block at a time, so a damaged one fails before any of its entries is yielded.
      const decoded = block
      const entries = this.decodeBlock(i, () => {
        const found: SegmentEntry[] = []
        cursor.reset(decoded)
        const seekTo = i === first ? from : undefined
        for (let more = seekTo === undefined ? cursor.seekToFirst() : cursor.seek(seekTo); more; more = cursor.next()) {
          if (to !== undefined && cursor.compare(to) >= 0) break
          found.push(cursor.entry(withValues))
        }
        return found
      })
      if (entries.length > 0) yield entries
      // Every key of the next block is greater than this block's last key.
      if (to !== undefined && compareSortedKey(index, i, to) >= 0) return
    }
  }

  /**
   * Reads into `run` the run of blocks from block `i` (blocks i .. run.end - 1): as many as fit
   * `budget` bytes (at least one), none past the block holding `to`.
   */
  private async readRun(run: ScanRun, i: number, to: Buffer | undefined, budget: number): Promise<ScanRun> {
    const index = this.index
    const start = index.offsets[i]!
    let end = i + 1
    let bytes = index.lengths[i]! + BLOCK_CHECKSUM_BYTES
    while (end < index.count && (to === undefined || compareSortedKey(index, end - 1, to) < 0)) {
      const next = index.lengths[end]! + BLOCK_CHECKSUM_BYTES
      if (bytes + next > budget) break
      bytes += next
      end++
    }
    if (run.buf.length < bytes) run.buf = Buffer.allocUnsafeSlow(Math.max(bytes, budget))
    const { bytesRead } = await this.file.read(run.buf, 0, bytes, start).catch((error: unknown) => {
      throw this.closing !== undefined ? this.closedError() : error
    })
    run.first = i
    run.start = start
    run.end = end
    run.bytesRead = bytesRead
    run.budget = budget
    return run
  }

  /** Block i of the run last read, checked as readBlock checks a block read on its own. */
  private blockOfRun(run: ScanRun, i: number): Buffer {
    const at = this.index.offsets[i]! - run.start
    const size = this.index.lengths[i]! + BLOCK_CHECKSUM_BYTES
    return this.verifyBlock(i, run.buf.subarray(at, at + size), size, Math.max(0, Math.min(size, run.bytesRead - at)))
  }

  /** Closes the file and drops the segment's blocks from the cache; reads after this reject. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.cache?.dropSegment(this.id)
      this.closing = this.file.close()
    }
    return this.closing
  }

  private findInBlock(block: Buffer, i: number, key: Buffer): SegmentEntry | undefined {
    // Not through decodeBlock: its closure was an allocation per point read.
    try {
      const cursor = this.cursor.reset(block)
      return cursor.seek(key) && cursor.compare(key) === 0 ? cursor.entry(true, key) : undefined
    } catch (error) {
      throw this.decodeError(i, error)
    }
  }

  /** Runs a decode of block i, naming the file and offset if its bytes do not parse. */
  private decodeBlock<T>(i: number, decode: () => T): T {
    try {
      return decode()
    } catch (error) {
      throw this.decodeError(i, error)
    }
  }

  /** What a decode of block i throws: a format error names the file and offset. */
  private decodeError(i: number, error: unknown): unknown {
    if (!(error instanceof SegmentFormatError)) return error
    const offset = this.index.offsets[i]!
    return new SegmentError(`segment ${this.meta.path}: block ${i} at offset ${offset} does not parse: ${error.message}`, 'ECORRUPT', this.meta.path, offset)
  }

  private loadBlock(i: number, fillCache: boolean): Promise<Buffer> {
    const inFlight = this.loading.get(i)
    if (inFlight !== undefined) return inFlight
    const loaded = this.readBlock(i)
      .then((block) => {
        if (fillCache && this.closing === undefined) this.cache?.set(this.id, this.index.offsets[i]!, block)
        return block
      })
      .finally(() => this.loading.delete(i))
    this.loading.set(i, loaded)
    return loaded
  }

  private async readBlock(i: number): Promise<Buffer> {
    const offset = this.index.offsets[i]!
    const length = this.index.lengths[i]!
    // Not from the shared pool: a cached block must not keep a pool slab of unrelated bytes alive.
    const buf = Buffer.allocUnsafeSlow(length + BLOCK_CHECKSUM_BYTES)
    const { bytesRead } = await this.file.read(buf, 0, buf.length, offset).catch((error: unknown) => {
      throw this.closing !== undefined ? this.closedError() : error
    })
    return this.verifyBlock(i, buf, buf.length, bytesRead)
  }

  /**
   * The block in the first `size` bytes of `buf` (data and checksum, as read) once its length and
   * checksum check out.
   */
  private verifyBlock(i: number, buf: Buffer, size: number, bytesRead: number): Buffer {
    const path = this.meta.path
    const offset = this.index.offsets[i]!
    const length = this.index.lengths[i]!
    if (bytesRead !== size) {
      throw new SegmentError(`segment ${path}: block ${i} at offset ${offset} is cut short (${bytesRead} of ${size} bytes)`, 'ECORRUPT', path, offset)
    }
    const block = buf.subarray(0, length)
    const stored = buf.readUInt32LE(length)
    const computed = this.checksum(block)
    if (stored !== computed) {
      throw new SegmentError(
        `segment ${path}: block ${i} at offset ${offset} (${length} bytes) fails its checksum: stored ${hex(stored)}, computed ${hex(computed)}`,
        'ECORRUPT',
        path,
        offset,
      )
    }
    return block
  }

  private closedError(): SegmentError {
    return new SegmentError(`segment ${this.meta.path} is closed`, 'ECLOSED', this.meta.path)
  }
}

async function readExactly(file: FileHandle, path: string, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  if (done !== length) {
    throw new SegmentError(`segment ${path}: ${length} bytes at offset ${position} end after ${done}: the file was cut short`, 'ETORN', path, position)
  }
  return buf
}

function decodeOrThrow<T>(path: string, offset: number, what: string, decode: () => T): T {
  try {
    return decode()
  } catch (error) {
    if (error instanceof SegmentError) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new SegmentError(`segment ${path}: the ${what} at offset ${offset} is damaged: ${reason}`, 'ECORRUPT', path, offset)
  }
}

/** The checksum of each format version this build reads. */
const checksumOf = (version: number): Checksum | undefined => (version === 2 ? crc32 : version === 1 ? crc32c : undefined)

function checkCrc(path: string, what: string, offset: number, bytes: Buffer, stored: number, checksum: Checksum): void {
  const computed = checksum(bytes)
  if (computed !== stored) {
    throw new SegmentError(`segment ${path}: the ${what} at offset ${offset} fails its checksum: stored ${hex(stored)}, computed ${hex(computed)}`, 'ECORRUPT', path, offset)
  }
}

/** The index, the bloom filter and the footer must tile the end of the file exactly. */
function checkLayout(path: string, footer: Footer, footerStart: number): void {
  if (footer.indexOffset + footer.indexLength !== footer.bloomOffset || footer.bloomOffset + footer.bloomLength !== footerStart) {
    throw new SegmentError(
      `segment ${path}: the footer places the index at ${footer.indexOffset}+${footer.indexLength} and the bloom filter at ${footer.bloomOffset}+${footer.bloomLength}, which do not end at the footer (${footerStart})`,
      'ECORRUPT',
      path,
      footerStart,
    )
  }
}

/** The blocks must tile the file from offset 0 to the index, as many as the footer says. */
function checkIndex(path: string, footer: Footer, index: BlockIndex): void {
  let expected = 0
  for (let i = 0; i < index.count; i++) {
    if (index.offsets[i] !== expected) {
      throw new SegmentError(`segment ${path}: the index puts block ${i} at ${index.offsets[i]}, not ${expected}`, 'ECORRUPT', path, footer.indexOffset)
    }
    expected += index.lengths[i]! + BLOCK_CHECKSUM_BYTES
  }
  if (index.count !== footer.blocks || expected !== footer.indexOffset) {
    throw new SegmentError(`segment ${path}: the index lists ${index.count} blocks ending at ${expected}; the footer says ${footer.blocks} ending at ${footer.indexOffset}`, 'ECORRUPT', path, footer.indexOffset)
  }
}
