// The bytes of a sorted segment file (docs/segment-format.md): data blocks of prefix-compressed
// entries with restart points, the block index, and the footer. Pure encoders and decoders, no I/O;
// the bloom filter's bytes are in bloom.ts. All integers are little-endian; lengths are LEB128
// varints. Decoders never trust a length: anything that points outside its buffer throws a
// SegmentFormatError, which the reader turns into a SegmentError naming the file and offset.

/** One version of one key, as a segment stores it. */
export interface SegmentEntry {
  key: Buffer
  /** LSN of the write; when two segments hold the key, the higher seq wins. */
  seq: number
  kind: 'put' | 'delete'
  /** Value type tag: 0 string; hash, list, set and zset come later (docs/segment-format.md). */
  type: number
  /** Absolute expiry in ms since the Unix epoch; 0 means none. */
  expiresAt: number
  /** Empty for a delete. */
  value: Buffer
}

/** What a segment holds, from its footer. firstKey and lastKey are empty when entries is 0. */
export interface SegmentMeta {
  path: string
  id?: number
  entries: number
  tombstones: number
  /** File size. */
  bytes: number
  firstKey: Buffer
  lastKey: Buffer
  minSeq: number
  maxSeq: number
  /** Earliest expiresAt among the entries that carry one; 0 when none does. */
  minExpiresAt: number
  /** Sum of value lengths. */
  valueBytes: number
  blocks: number
}

export type SegmentErrorCode =
  /** A block, the index, the bloom filter or the footer fails its checksum or does not parse. */
  | 'ECORRUPT'
  /** The file ends before its footer does: a write that never completed. */
  | 'ETORN'
  /** The writer was given keys that are not strictly increasing, or an invalid entry. */
  | 'EINVAL'
  /** The reader was closed. */
  | 'ECLOSED'

export class SegmentError extends Error {
  constructor(
    message: string,
    readonly code: SegmentErrorCode,
    readonly path?: string,
    /** Byte offset in the file of the damaged structure, when one is to blame. */
    readonly offset?: number,
  ) {
    super(message)
    this.name = 'SegmentError'
  }
}

/** Bytes that do not parse as this format; the caller knows the file and offset to report. */
export class SegmentFormatError extends Error {
  override name = 'SegmentFormatError'
}

/** Starts the footer. */
export const SEGMENT_MAGIC = Buffer.from('WTR-SEG\n', 'latin1')
/**
 * Ends the file. It differs from SEGMENT_MAGIC so that a file cut just after the footer's first
 * bytes cannot pass for a complete one; a file not ending in it was cut short or is not a segment.
 */
export const SEGMENT_END_MAGIC = Buffer.from('WTR-END\n', 'latin1')
/**
 * The format this build writes. 2: every checksum in the file is a CRC-32 (zlib's); 1: a CRC-32C.
 * The bytes are otherwise the same, and this build reads both.
 */
export const FORMAT_VERSION = 2
/** A checksum function over bytes: which one a file uses follows from its format version. */
export type Checksum = (data: Buffer) => number
/** Each data block is followed by the checksum of its bytes. */
export const BLOCK_CHECKSUM_BYTES = 4
/** Footer bytes before the two keys. */
export const FOOTER_FIXED_BYTES = 104
/** Footer bytes after the two keys: footer length, footer checksum, final magic. */
export const FOOTER_TRAILER_BYTES = 16
export const KIND_PUT = 0
export const KIND_DELETE = 1
/** Type tags are one byte on disk. */
export const MAX_TYPE_TAG = 255

export const DEFAULT_BLOCK_BYTES = 4096
export const DEFAULT_RESTART_INTERVAL = 16
export const DEFAULT_BLOOM_BITS_PER_KEY = 10

const TWO_32 = 0x1_0000_0000

// ---------------------------------------------------------------------------------------------
// Integers

/** Bytes writeVarint uses for `value` (a non-negative safe integer). */
export function varintLength(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    n++
  }
  return n
}

/** Writes `value` (a non-negative safe integer) as LEB128 at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    // `& 0x7f` takes the low 7 bits even above 2^32: ToInt32 keeps the value modulo 2^32.
    buf[pos++] = (value & 0x7f) | 0x80
    value = value < TWO_32 ? value >>> 7 : Math.floor(value / 0x80)
  }
  buf[pos++] = value
  return pos
}

/** Writes a safe integer as 8 bytes little-endian. */
export function writeU64(buf: Buffer, pos: number, value: number): void {
  buf.writeUInt32LE(value % TWO_32, pos)
  buf.writeUInt32LE(Math.floor(value / TWO_32), pos + 4)
}

/** Reads 8 bytes little-endian; rejects values a JS number cannot hold exactly. */
export function readU64(buf: Buffer, pos: number): number {
  const high = buf.readUInt32LE(pos + 4)
  if (high >= 0x20_0000) throw new SegmentFormatError(`64-bit field at ${pos} exceeds 2^53`)
  return high * TWO_32 + buf.readUInt32LE(pos)
}

/** A position in a buffer that varints are read from. */
export class Reader {
  constructor(
    public buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  reset(buf: Buffer, pos: number, end: number): this {
    this.buf = buf
    this.pos = pos
    this.end = end
    return this
  }

  varint(): number {
    const buf = this.buf
    let pos = this.pos
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (pos >= this.end) throw new SegmentFormatError(`varint runs past the end at ${pos}`)
      const byte = buf[pos++]!
      result += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new SegmentFormatError(`varint at ${this.pos} exceeds 2^53`)
        this.pos = pos
        return result
      }
      scale *= 0x80
    }
    throw new SegmentFormatError(`varint at ${this.pos} is longer than 8 bytes`)
  }

  byte(): number {
    if (this.pos >= this.end) throw new SegmentFormatError(`byte past the end at ${this.pos}`)
    return this.buf[this.pos++]!
  }

  /** Advances over `length` bytes and returns where they start. */
  skip(length: number): number {
    const start = this.pos
    if (length > this.end - start) throw new SegmentFormatError(`${length} bytes at ${start} run past the end at ${this.end}`)
    this.pos = start + length
    return start
  }
}

// ---------------------------------------------------------------------------------------------
// Byte ranges
//
// Keys are short, and a call into Buffer's native compare or copy costs 130–320 ns whatever the
// length, where a JS loop over 14 bytes takes about 20 ns. Ranges up to SHORT_BYTES go through
// loops; longer ones through the native calls.

const SHORT_BYTES = 64

/** Byte order of a[aStart, aEnd) against b[bStart, bEnd): negative, 0 or positive. */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart
  const bLength = bEnd - bStart
  const common = Math.min(aLength, bLength)
  if (common > SHORT_BYTES) {
    return Buffer.prototype.compare.call(a, b, bStart, bEnd, aStart, aEnd)
  }
  for (let i = 0; i < common; i++) {
    const difference = a[aStart + i]! - b[bStart + i]!
    if (difference !== 0) return difference
  }
  return aLength - bLength
}

/** Copies src[start, end) into dst at dstStart; returns the bytes copied. */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstStart: number): number {
  const length = end - start
  if (length > SHORT_BYTES) dst.set(src.subarray(start, end), dstStart)
  else for (let i = 0; i < length; i++) dst[dstStart + i] = src[start + i]!
  return length
}

/** The value of an entry read without its value (BlockCursor.entry(false)); never written to. */
const NO_VALUE = Buffer.alloc(0)

/** A new Buffer holding a copy of src[start, end). */
export function copyOut(src: Uint8Array, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start)
  copyBytes(src, start, end, out, 0)
  return out
}

// ---------------------------------------------------------------------------------------------
// Data blocks
//
// entry   := shared varint | unshared varint | valueLength varint | key[shared..] (unshared bytes)
//            | kind u8 | type u8 | seq varint | expiresAt varint | value (valueLength bytes)
// block   := entry* | restartOffset u32 × R | R u32
// An entry at a restart offset has shared = 0, so its whole key is in place for binary search.

const ENTRY_HEADER_MAX = 3 * 9 + 2 + 2 * 8

/** Assembles one data block; reused block after block through reset(). */
export class BlockBuilder {
  private buf: Buffer
  private pos = 0
  private readonly restarts: number[] = []
  private sinceRestart = 0
  private previousKey: Buffer | undefined
  /** Entries added since the last reset. */
  count = 0

  constructor(
    private readonly restartInterval: number,
    initialBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes))
  }

  /** The size finish() would return. */
  get bytes(): number {
    return this.pos + 4 * this.restarts.length + 4
  }

  /** Appends an entry; the caller guarantees keys strictly increase within the block. */
  add(entry: SegmentEntry): void {
    const { key, value } = entry
    let shared = 0
    if (this.sinceRestart < this.restartInterval && this.previousKey !== undefined) {
      shared = commonPrefix(this.previousKey, key)
    } else {
      this.restarts.push(this.pos)
      this.sinceRestart = 0
    }
    const unshared = key.length - shared
    this.reserve(ENTRY_HEADER_MAX + unshared + value.length)
    const buf = this.buf
    let pos = this.pos
    pos = writeVarint(buf, pos, shared)
    pos = writeVarint(buf, pos, unshared)
    pos = writeVarint(buf, pos, value.length)
    pos += copyBytes(key, shared, key.length, buf, pos)
    buf[pos++] = entry.kind === 'delete' ? KIND_DELETE : KIND_PUT
    buf[pos++] = entry.type
    pos = writeVarint(buf, pos, entry.seq)
    pos = writeVarint(buf, pos, entry.expiresAt)
    pos += copyBytes(value, 0, value.length, buf, pos)
    this.pos = pos
    this.previousKey = key
    this.sinceRestart++
    this.count++
  }

  /** The block's bytes; a view into the builder, valid until the next reset(). */
  finish(): Buffer {
    this.reserve(4 * this.restarts.length + 4)
    let pos = this.pos
    for (const offset of this.restarts) pos = this.buf.writeUInt32LE(offset, pos)
    pos = this.buf.writeUInt32LE(this.restarts.length, pos)
    return this.buf.subarray(0, pos)
  }

  reset(): void {
    this.pos = 0
    this.restarts.length = 0
    this.sinceRestart = 0
    this.previousKey = undefined
    this.count = 0
  }

  private reserve(extra: number): void {
    const needed = this.pos + extra
    if (needed <= this.buf.length) return
    if (needed > 0xffff_ffff) throw new SegmentFormatError('a data block cannot exceed 4 GiB')
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(2 * this.buf.length, 0xffff_ffff)))
    this.buf.copy(grown, 0, 0, this.pos)
    this.buf = grown
  }
}

function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  return i
}

/**
 * Walks the entries of one data block in key order. The current key lives in a scratch buffer
 * the cursor owns (bytes [0, keyLength) of `key`), so searching allocates nothing; entry()
 * copies the current entry out.
 */
export class BlockCursor {
  key: Buffer = Buffer.allocUnsafe(64)
  keyLength = 0
  kind = KIND_PUT
  type = 0
  seq = 0
  expiresAt = 0
  valueStart = 0
  valueLength = 0
  private block: Buffer = Buffer.alloc(0)
  private readonly reader = new Reader(this.block, 0, 0)
  /** Reads restart keys during seek without disturbing `reader`. */
  private readonly probe = new Reader(this.block, 0, 0)
  private restartsAt = 0
  private restartCount = 0

  /** Points the cursor at a block (checksum already verified); it is not positioned yet. */
  reset(block: Buffer): this {
    if (block.length < 4) throw new SegmentFormatError(`block of ${block.length} bytes has no restart count`)
    const count = block.readUInt32LE(block.length - 4)
    const restartsAt = block.length - 4 - 4 * count
    if (count === 0 || restartsAt < 0) throw new SegmentFormatError(`block of ${block.length} bytes claims ${count} restart points`)
    this.block = block
    this.restartCount = count
    this.restartsAt = restartsAt
    return this
  }

  seekToFirst(): boolean {
    this.position(0)
    return this.next()
  }

  /** Positions at the first entry whose key is >= target; false when every key is smaller. */
  seek(target: Buffer): boolean {
    // The last restart point whose key is <= target; the entry sought is in its run or after it.
    let lo = 0
    let hi = this.restartCount - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.compareRestartKey(mid, target) <= 0) lo = mid
      else hi = mid - 1
    }
    this.position(this.restartOffset(lo))
    while (this.next()) {
      if (this.compare(target) >= 0) return true
    }
    return false
  }

  /** Decodes the entry at the current position and advances past it; false at the block's end. */
  next(): boolean {
    const r = this.reader
    if (r.pos >= this.restartsAt) return false
    const shared = r.varint()
    const unshared = r.varint()
    const valueLength = r.varint()
    if (shared > this.keyLength) throw new SegmentFormatError(`entry at ${r.pos} shares ${shared} bytes of a ${this.keyLength}-byte key`)
    const keyLength = shared + unshared
    if (keyLength > this.key.length) {
      const grown = Buffer.allocUnsafe(Math.max(keyLength, 2 * this.key.length))
      this.key.copy(grown, 0, 0, shared)
      this.key = grown
    }
    const suffix = r.skip(unshared)
    copyBytes(this.block, suffix, suffix + unshared, this.key, shared)
    this.keyLength = keyLength
    this.kind = r.byte()
    if (this.kind !== KIND_PUT && this.kind !== KIND_DELETE) throw new SegmentFormatError(`entry kind ${this.kind} at ${r.pos - 1}`)
    this.type = r.byte()
    this.seq = r.varint()
    this.expiresAt = r.varint()
    this.valueStart = r.skip(valueLength)
    this.valueLength = valueLength
    return true
  }

  /** Orders the current key against `other`: negative, 0 or positive, as Buffer.compare. */
  compare(other: Buffer): number {
    return compareBytes(this.key, 0, this.keyLength, other, 0, other.length)
  }

  /**
   * The current entry, copied out of the block and the scratch key; with `withValue` false its
   * value is left empty (a reader that wants keys only: counting, KEYS and SCAN). A point read
   * passes the key it sought and found (`sameKey`, the caller's to give away), which is then not
   * copied.
   */
  entry(withValue = true, sameKey?: Buffer): SegmentEntry {
    return {
      key: sameKey ?? copyOut(this.key, 0, this.keyLength),
      seq: this.seq,
      kind: this.kind === KIND_DELETE ? 'delete' : 'put',
      type: this.type,
      expiresAt: this.expiresAt,
      value: withValue ? copyOut(this.block, this.valueStart, this.valueStart + this.valueLength) : NO_VALUE,
    }
  }

  private position(offset: number): void {
    this.reader.reset(this.block, offset, this.restartsAt)
    this.keyLength = 0
  }

  private restartOffset(i: number): number {
    const offset = this.block.readUInt32LE(this.restartsAt + 4 * i)
    if (offset >= this.restartsAt) throw new SegmentFormatError(`restart point ${i} at ${offset} is outside the entries`)
    return offset
  }

  private compareRestartKey(i: number, target: Buffer): number {
    const r = this.probe.reset(this.block, this.restartOffset(i), this.restartsAt)
    if (r.varint() !== 0) throw new SegmentFormatError(`restart point ${i} shares key bytes`)
    const length = r.varint()
    r.varint()
    const start = r.skip(length)
    return compareBytes(this.block, start, start + length, target, 0, target.length)
  }
}

// ---------------------------------------------------------------------------------------------
// Block index
//
// index := count varint | (keyLength varint | lastKey | offset varint | length varint) × count
// `length` excludes the 4 checksum bytes after the block.

/**
 * Keys in ascending order, packed for searching (firstAtLeast): a segment's block index, or the
 * last keys of one level's segments (read-plan.ts).
 */
export interface SortedKeys {
  readonly count: number
  /** Every key, one after another. */
  readonly keys: Buffer
  /** keyEnds[i] is where key i ends in `keys`; it starts at keyEnds[i - 1] (or 0). */
  readonly keyEnds: Uint32Array
  /**
   * Bytes every key begins with (the first and last keys' common prefix: keys sort bytewise, so
   * every key between them shares it). A key sought that begins with them too is compared from
   * there on.
   */
  readonly sharedPrefix: number
  /**
   * fences[i] is fenceOf(key i, sharedPrefix): the bytes that follow the shared prefix as one
   * number, so that a search compares numbers held in one array and reads key bytes only where
   * two fences tie.
   */
  readonly fences: Float64Array
}

/** The index as the reader keeps it: the blocks' last keys, their places in typed arrays. */
export interface BlockIndex extends SortedKeys {
  readonly offsets: Float64Array
  /** A block is at most 4 GiB (BlockBuilder), so 4 bytes each. */
  readonly lengths: Uint32Array
}

/** Key bytes a fence holds: 6 bytes are 48 bits, exact in a double. */
const FENCE_BYTES = 6

/**
 * Bytes [from, from + FENCE_BYTES) of key[0, end) as a big-endian number, zero past `end`. Two
 * keys that agree before `from` order as their fences wherever the fences differ (a key that
 * ends early pads with zeros, which no byte is below); equal fences leave the order open.
 */
export function fenceOf(key: Uint8Array, from: number, end: number): number {
  let fence = 0
  for (let i = from; i < from + FENCE_BYTES; i++) fence = fence * 256 + (i < end ? key[i]! : 0)
  return fence
}

/**
 * SortedKeys over keys[0, keyEnds[count - 1]), which must be in ascending order (the caller's
 * to give away).
 */
export function sortedKeys(count: number, keys: Buffer, keyEnds: Uint32Array): SortedKeys {
  let sharedPrefix = 0
  if (count > 0) {
    const lastStart = count === 1 ? 0 : keyEnds[count - 2]!
    const firstEnd = keyEnds[0]!
    const keyBytes = keyEnds[count - 1]!
    while (sharedPrefix < firstEnd && lastStart + sharedPrefix < keyBytes && keys[sharedPrefix] === keys[lastStart + sharedPrefix]) sharedPrefix++
  }
  const fences = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    const start = i === 0 ? 0 : keyEnds[i - 1]!
    fences[i] = fenceOf(keys, start + sharedPrefix, keyEnds[i]!)
  }
  return { count, keys, keyEnds, sharedPrefix, fences }
}

/** SortedKeys of `list`, which must be in ascending order. */
export function packKeys(list: readonly Uint8Array[]): SortedKeys {
  let bytes = 0
  for (const key of list) bytes += key.length
  const keys = Buffer.allocUnsafe(bytes)
  const keyEnds = new Uint32Array(list.length)
  let at = 0
  for (let i = 0; i < list.length; i++) {
    keys.set(list[i]!, at)
    at += list[i]!.length
    keyEnds[i] = at
  }
  return sortedKeys(list.length, keys, keyEnds)
}

/** Accumulates index entries while blocks are written. */
export class IndexBuilder {
  private buf = Buffer.allocUnsafe(1024)
  private pos = 0
  count = 0

  add(lastKey: Buffer, offset: number, length: number): void {
    const needed = this.pos + lastKey.length + 3 * 9
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buf.length))
      this.buf.copy(grown, 0, 0, this.pos)
      this.buf = grown
    }
    this.pos = writeVarint(this.buf, this.pos, lastKey.length)
    this.pos += lastKey.copy(this.buf, this.pos)
    this.pos = writeVarint(this.buf, this.pos, offset)
    this.pos = writeVarint(this.buf, this.pos, length)
    this.count++
  }

  finish(): Buffer {
    const header = Buffer.allocUnsafe(varintLength(this.count))
    writeVarint(header, 0, this.count)
    return Buffer.concat([header, this.buf.subarray(0, this.pos)])
  }
}

export function decodeIndex(buf: Buffer): BlockIndex {
  const r = new Reader(buf, 0, buf.length)
  const count = r.varint()
  // Each index entry takes at least 3 bytes; a larger count is damage, not a reason to allocate.
  if (count > buf.length / 3) throw new SegmentFormatError(`index claims ${count} blocks in ${buf.length} bytes`)
  const keyEnds = new Uint32Array(count)
  const offsets = new Float64Array(count)
  const lengths = new Uint32Array(count)
  const keys = Buffer.allocUnsafe(buf.length)
  let keyBytes = 0
  for (let i = 0; i < count; i++) {
    const keyLength = r.varint()
    const start = r.skip(keyLength)
    keyBytes += buf.copy(keys, keyBytes, start, start + keyLength)
    keyEnds[i] = keyBytes
    offsets[i] = r.varint()
    const length = r.varint()
    if (length > 0xffff_ffff) throw new SegmentFormatError(`index gives block ${i} ${length} bytes, more than a block holds`)
    lengths[i] = length
  }
  if (r.pos !== buf.length) throw new SegmentFormatError(`index has ${buf.length - r.pos} bytes after its last entry`)
  const sorted = sortedKeys(count, Buffer.from(keys.subarray(0, keyBytes)), keyEnds)
  // Spelled out, not spread: a spread object took a shape of its own, and the searches that read
  // both kinds of SortedKeys went megamorphic.
  return { count, keys: sorted.keys, keyEnds, sharedPrefix: sorted.sharedPrefix, fences: sorted.fences, offsets, lengths }
}

/**
 * The first key in `sorted` that is >= key, count if none. For a block index: the only block
 * that can hold the key.
 */
export function firstAtLeast(sorted: SortedKeys, key: Uint8Array): number {
  const count = sorted.count
  if (count === 0) return 0
  // Keys in one segment usually share a long prefix (tenant, database, a key pattern's literal
  // part): checked once here rather than in every comparison of the search.
  const keys = sorted.keys
  const shared = sorted.sharedPrefix
  let skip = Math.min(shared, key.length)
  for (let i = 0; i < skip; i++) {
    if (keys[i] !== key[i]) {
      skip = 0
      break
    }
  }
  let lo = 0
  let hi = count
  if (skip === shared) {
    // Keys whose fence is below the key's are below it, those above are above it: only a run of
    // equal fences is searched by bytes.
    const fences = sorted.fences
    const fence = fenceOf(key, shared, key.length)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (fences[mid]! < fence) lo = mid + 1
      else hi = mid
    }
    hi = lo
    let above = count
    while (hi < above) {
      const mid = (hi + above) >>> 1
      if (fences[mid]! <= fence) hi = mid + 1
      else above = mid
    }
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareSortedKey(sorted, mid, key, skip) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Orders key i of `sorted` against `key`, from byte `skip` on (bytes before it known equal). */
export function compareSortedKey(sorted: SortedKeys, i: number, key: Uint8Array, skip = 0): number {
  const start = i === 0 ? 0 : sorted.keyEnds[i - 1]!
  return compareBytes(sorted.keys, start + skip, sorted.keyEnds[i]!, key, skip, key.length)
}

// ---------------------------------------------------------------------------------------------
// Footer
//
// offset size
//   0     8   magic "WTR-SEG\n"
//   8     4   format version
//  12     4   block count
//  16     8   index offset        24  4  index length        28  4  index CRC-32C
//  32     8   bloom offset        40  4  bloom length        44  4  bloom CRC-32C
//  48     8   entry count         56  8  tombstone count
//  64     8   min seq             72  8  max seq
//  80     8   earliest expiresAt  88  8  total value bytes
//  96     4   first key length F  100 4  last key length L
// 104     F   first key           104+F  L  last key
// then the trailer: footer length u32 (104 + F + L + 16) | CRC-32C of every footer byte before it
// | end magic "WTR-END\n". The trailer's position is fixed relative to the end of the file.

export interface Footer {
  blocks: number
  indexOffset: number
  indexLength: number
  indexCrc: number
  bloomOffset: number
  bloomLength: number
  bloomCrc: number
  entries: number
  tombstones: number
  minSeq: number
  maxSeq: number
  minExpiresAt: number
  valueBytes: number
  firstKey: Buffer
  lastKey: Buffer
}

/** A footer as read back, with the format version of its file. */
export interface DecodedFooter extends Footer {
  readonly version: number
}

/**
 * The footer with its trailer, of format FORMAT_VERSION; `checksum` is that format's (passed in
 * to keep this file pure).
 */
export function encodeFooter(footer: Footer, checksum: Checksum): Buffer {
  const { firstKey, lastKey } = footer
  const length = FOOTER_FIXED_BYTES + firstKey.length + lastKey.length + FOOTER_TRAILER_BYTES
  const buf = Buffer.alloc(length)
  SEGMENT_MAGIC.copy(buf, 0)
  buf.writeUInt32LE(FORMAT_VERSION, 8)
  buf.writeUInt32LE(footer.blocks, 12)
  writeU64(buf, 16, footer.indexOffset)
  buf.writeUInt32LE(footer.indexLength, 24)
  buf.writeUInt32LE(footer.indexCrc, 28)
  writeU64(buf, 32, footer.bloomOffset)
  buf.writeUInt32LE(footer.bloomLength, 40)
  buf.writeUInt32LE(footer.bloomCrc, 44)
  writeU64(buf, 48, footer.entries)
  writeU64(buf, 56, footer.tombstones)
  writeU64(buf, 64, footer.minSeq)
  writeU64(buf, 72, footer.maxSeq)
  writeU64(buf, 80, footer.minExpiresAt)
  writeU64(buf, 88, footer.valueBytes)
  buf.writeUInt32LE(firstKey.length, 96)
  buf.writeUInt32LE(lastKey.length, 100)
  firstKey.copy(buf, FOOTER_FIXED_BYTES)
  lastKey.copy(buf, FOOTER_FIXED_BYTES + firstKey.length)
  const trailer = length - FOOTER_TRAILER_BYTES
  buf.writeUInt32LE(length, trailer)
  buf.writeUInt32LE(checksum(buf.subarray(0, trailer + 4)), trailer + 4)
  SEGMENT_END_MAGIC.copy(buf, trailer + 8)
  return buf
}

/**
 * The footer length the trailer in the last FOOTER_TRAILER_BYTES of a file claims; throws when
 * the end magic is missing (the file was cut short, or is not a segment).
 */
export function footerLengthFromTrailer(trailer: Buffer): number {
  if (trailer.length !== FOOTER_TRAILER_BYTES || !trailer.subarray(8).equals(SEGMENT_END_MAGIC)) {
    throw new SegmentFormatError('the file does not end with the segment end magic')
  }
  return trailer.readUInt32LE(0)
}

/**
 * Parses a whole footer (from its leading magic to the end of the file) and checks its checksum,
 * the one `checksumOf` gives for the format version the footer states (undefined: a format this
 * build does not read).
 */
export function decodeFooter(buf: Buffer, checksumOf: (version: number) => Checksum | undefined): DecodedFooter {
  if (buf.length < FOOTER_FIXED_BYTES + FOOTER_TRAILER_BYTES) throw new SegmentFormatError(`footer of ${buf.length} bytes is too short`)
  const trailer = buf.length - FOOTER_TRAILER_BYTES
  if (buf.readUInt32LE(trailer) !== buf.length) throw new SegmentFormatError(`footer length ${buf.readUInt32LE(trailer)} does not match ${buf.length}`)
  const version = buf.readUInt32LE(8)
  const checksum = checksumOf(version)
  // A version this build does not know is checked with the current format's checksum: damaged
  // bytes are reported as such, and only an intact footer as a format this build cannot read.
  const stored = buf.readUInt32LE(trailer + 4)
  const computed = (checksum ?? checksumOf(FORMAT_VERSION)!)(buf.subarray(0, trailer + 4))
  if (stored !== computed) throw new SegmentFormatError(`footer checksum ${hex(stored)} does not match its bytes (${hex(computed)})`)
  if (!buf.subarray(0, 8).equals(SEGMENT_MAGIC)) throw new SegmentFormatError('footer does not start with the segment magic')
  if (checksum === undefined) throw new SegmentFormatError(`format version ${version}; this build reads 1 to ${FORMAT_VERSION}`)
  const firstLength = buf.readUInt32LE(96)
  const lastLength = buf.readUInt32LE(100)
  if (FOOTER_FIXED_BYTES + firstLength + lastLength !== trailer) throw new SegmentFormatError('footer key lengths do not add up')
  return {
    version,
    blocks: buf.readUInt32LE(12),
    indexOffset: readU64(buf, 16),
    indexLength: buf.readUInt32LE(24),
    indexCrc: buf.readUInt32LE(28),
    bloomOffset: readU64(buf, 32),
    bloomLength: buf.readUInt32LE(40),
    bloomCrc: buf.readUInt32LE(44),
    entries: readU64(buf, 48),
    tombstones: readU64(buf, 56),
    minSeq: readU64(buf, 64),
    maxSeq: readU64(buf, 72),
    minExpiresAt: readU64(buf, 80),
    valueBytes: readU64(buf, 88),
    firstKey: Buffer.from(buf.subarray(FOOTER_FIXED_BYTES, FOOTER_FIXED_BYTES + firstLength)),
    lastKey: Buffer.from(buf.subarray(FOOTER_FIXED_BYTES + firstLength, trailer)),
  }
}

export const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`
