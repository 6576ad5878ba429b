// Writes one sorted segment file (docs/segment-format.md) from entries in strictly increasing key
// order, streaming: memory holds one block, the index, the bloom hashes (4 bytes per key) and a
// 1 MiB output buffer, whatever the segment's size. The file appears atomically: it is written
// as `<path>.tmp`, synced, renamed to `path`, and the directory is synced, so after a crash
// `path` is either absent or complete. A `.tmp` left by a crash is garbage for the caller to remove.

import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { syncDirectory } from './durable-dir.js'
import { crc32 } from './crc32.js'
import { BloomFilter, bloomHash } from './bloom.js'
import {
  BLOCK_CHECKSUM_BYTES,
  BlockBuilder,
  compareBytes,
  DEFAULT_BLOCK_BYTES,
  DEFAULT_BLOOM_BITS_PER_KEY,
  DEFAULT_RESTART_INTERVAL,
  encodeFooter,
  IndexBuilder,
  MAX_TYPE_TAG,
  SegmentError,
  type SegmentEntry,
  type SegmentMeta,
} from './segment-format.js'

export interface WriteSegmentOptions {
  /** A block is closed once it reaches this size; one entry larger than it gets a block alone. */
  blockBytes?: number
  /** Every this many entries a key is stored whole, for binary search inside a block. */
  restartInterval?: number
  /** 0 writes no filter (every lookup then reads a block). */
  bloomBitsPerKey?: number
}

/** Output is written to the file in writes of about this size. */
const WRITE_CHUNK_BYTES = 1 << 20

/**
 * Writes `entries` as the segment `path` and resolves with its meta once the file and its
 * directory entry are durable. Rejects (leaving no file at `path` and removing the `.tmp`) if a
 * key is not greater than the one before it, an entry is invalid, or the disk fails. The writer
 * holds on to each entry's buffers until the next entry arrives, so they must not change meanwhile.
 */
export function writeSegment(
  path: string,
  entries: Iterable<SegmentEntry> | AsyncIterable<SegmentEntry>,
  options: WriteSegmentOptions = {},
): Promise<SegmentMeta> {
  return writeSegmentRuns(path, Symbol.asyncIterator in entries ? singles(entries) : [entries], options)
}

async function* singles(entries: AsyncIterable<SegmentEntry>): AsyncIterableIterator<readonly SegmentEntry[]> {
  for await (const entry of entries) yield [entry]
}

/**
 * writeSegment for entries that come in runs (each run in key order after the one before): a
 * producer that must pause between runs (an event-loop turn) pays for one promise per run, not
 * one per entry.
 */
export async function writeSegmentRuns(
  path: string,
  runs: Iterable<Iterable<SegmentEntry>> | AsyncIterable<Iterable<SegmentEntry>>,
  options: WriteSegmentOptions = {},
): Promise<SegmentMeta> {
  const layout = new SegmentLayout(options)
  const tmp = `${path}.tmp`
  const file = await open(tmp, 'w')
  let fileOpen = true
  try {
    let position = 0
    const drain = async (): Promise<void> => {
      const bytes = layout.output.subarray(0, layout.outputLength)
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done)
        done += bytesWritten
      }
      position += bytes.length
      layout.outputLength = 0
      // One huge value grew the buffer; do not keep that much memory for the rest of the file.
      if (layout.output.length > 4 * WRITE_CHUNK_BYTES) layout.output = Buffer.allocUnsafe(WRITE_CHUNK_BYTES + 64 * 1024)
    }
    for await (const run of runs) {
      for (const entry of run) {
        layout.add(entry)
        if (layout.outputLength >= WRITE_CHUNK_BYTES) await drain()
      }
    }
    const meta = layout.finish(path)
    await drain()
    await file.datasync()
    fileOpen = false
    await file.close()
    await rename(tmp, path)
    await syncDirectory(dirname(path))
    return meta
  } catch (error) {
    if (fileOpen) await file.close().catch(() => undefined)
    await rm(tmp, { force: true }).catch(() => undefined)
    throw error
  }
}


/** The file's bytes, assembled entry by entry into `output` (no I/O here). */
class SegmentLayout {
  output = Buffer.allocUnsafe(WRITE_CHUNK_BYTES + 64 * 1024)
  /** Bytes of `output` not yet written to the file. */
  outputLength = 0
  private readonly blockBytes: number
  private readonly bloomBitsPerKey: number
  private readonly block: BlockBuilder
  private readonly index = new IndexBuilder()
  private hashes = new Uint32Array(1024)
  /** File offset of the next block. */
  private offset = 0
  private previousKey: Buffer | undefined
  private firstKey = Buffer.alloc(0)
  private entries = 0
  private tombstones = 0
  private minSeq = 0
  private maxSeq = 0
  private minExpiresAt = 0
  private valueBytes = 0

  constructor(options: WriteSegmentOptions) {
    const {
      blockBytes = DEFAULT_BLOCK_BYTES,
      restartInterval = DEFAULT_RESTART_INTERVAL,
      bloomBitsPerKey = DEFAULT_BLOOM_BITS_PER_KEY,
    } = options
    if (!(Number.isSafeInteger(blockBytes) && blockBytes >= 1)) invalid(`blockBytes must be a positive integer, not ${blockBytes}`)
    if (!(Number.isSafeInteger(restartInterval) && restartInterval >= 1)) invalid(`restartInterval must be a positive integer, not ${restartInterval}`)
    if (!(Number.isFinite(bloomBitsPerKey) && bloomBitsPerKey >= 0)) invalid(`bloomBitsPerKey must be >= 0, not ${bloomBitsPerKey}`)
    this.blockBytes = blockBytes
    this.bloomBitsPerKey = bloomBitsPerKey
    this.block = new BlockBuilder(restartInterval, blockBytes + 1024)
  }

  add(entry: SegmentEntry): void {
    const { key, seq, expiresAt, value } = entry
    const previous = this.previousKey
    if (previous !== undefined && compareBytes(previous, 0, previous.length, key, 0, key.length) >= 0) {
      invalid(`keys must be strictly increasing: ${describeKey(key)} follows ${describeKey(previous)}`)
    }
    if (!(Number.isSafeInteger(seq) && seq >= 0)) invalid(`seq of ${describeKey(key)} must be a non-negative safe integer, not ${seq}`)
    if (!(Number.isSafeInteger(expiresAt) && expiresAt >= 0)) invalid(`expiresAt of ${describeKey(key)} must be a non-negative safe integer, not ${expiresAt}`)
    if (!(Number.isInteger(entry.type) && entry.type >= 0 && entry.type <= MAX_TYPE_TAG)) invalid(`type of ${describeKey(key)} must be 0..${MAX_TYPE_TAG}, not ${entry.type}`)
    if (entry.kind === 'delete') {
      if (value.length !== 0) invalid(`delete of ${describeKey(key)} carries a ${value.length}-byte value`)
      this.tombstones++
    } else if (entry.kind !== 'put') {
      invalid(`kind of ${describeKey(key)} must be 'put' or 'delete', not ${String(entry.kind)}`)
    }

    if (this.entries === 0) {
      this.firstKey = Buffer.from(key)
      this.minSeq = seq
      this.maxSeq = seq
    } else {
      if (seq < this.minSeq) this.minSeq = seq
      if (seq > this.maxSeq) this.maxSeq = seq
    }
    if (expiresAt > 0 && (this.minExpiresAt === 0 || expiresAt < this.minExpiresAt)) this.minExpiresAt = expiresAt
    this.valueBytes += value.length
    if (this.entries === this.hashes.length) {
      const grown = new Uint32Array(2 * this.hashes.length)
      grown.set(this.hashes)
      this.hashes = grown
    }
    this.hashes[this.entries++] = bloomHash(key)

    this.block.add(entry)
    this.previousKey = key
    if (this.block.bytes >= this.blockBytes) this.finishBlock(key)
  }

  /** Appends the last block, the index, the bloom filter and the footer; returns the meta. */
  finish(path: string): SegmentMeta {
    if (this.block.count > 0) this.finishBlock(this.previousKey!)
    const indexOffset = this.offset
    const index = this.index.finish()
    const bloom = BloomFilter.fromHashes(this.hashes, this.entries, this.bloomBitsPerKey).serialize()
    const lastKey = this.previousKey === undefined ? Buffer.alloc(0) : Buffer.from(this.previousKey)
    const footer = encodeFooter(
      {
        blocks: this.index.count,
        indexOffset,
        indexLength: index.length,
        indexCrc: crc32(index),
        bloomOffset: indexOffset + index.length,
        bloomLength: bloom.length,
        bloomCrc: crc32(bloom),
        entries: this.entries,
        tombstones: this.tombstones,
        minSeq: this.minSeq,
        maxSeq: this.maxSeq,
        minExpiresAt: this.minExpiresAt,
        valueBytes: this.valueBytes,
        firstKey: this.firstKey,
        lastKey,
      },
      crc32,
    )
    this.append(index)
    this.append(bloom)
    this.append(footer)
    return {
      path,
      entries: this.entries,
      tombstones: this.tombstones,
      bytes: indexOffset + index.length + bloom.length + footer.length,
      firstKey: this.firstKey,
      lastKey,
      minSeq: this.minSeq,
      maxSeq: this.maxSeq,
      minExpiresAt: this.minExpiresAt,
      valueBytes: this.valueBytes,
      blocks: this.index.count,
    }
  }

  private finishBlock(lastKey: Buffer): void {
    const block = this.block.finish()
    this.reserve(block.length + BLOCK_CHECKSUM_BYTES)
    block.copy(this.output, this.outputLength)
    this.output.writeUInt32LE(crc32(block), this.outputLength + block.length)
    this.outputLength += block.length + BLOCK_CHECKSUM_BYTES
    this.index.add(lastKey, this.offset, block.length)
    this.offset += block.length + BLOCK_CHECKSUM_BYTES
    this.block.reset()
  }

  private append(bytes: Buffer): void {
    this.reserve(bytes.length)
    this.outputLength += bytes.copy(this.output, this.outputLength)
  }

  private reserve(extra: number): void {
    const needed = this.outputLength + extra
    if (needed <= this.output.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.output.length))
    this.output.copy(grown, 0, 0, this.outputLength)
    this.output = grown
  }
}

function invalid(message: string): never {
  throw new SegmentError(message, 'EINVAL')
}

/** A key for an error message: printable ASCII as is, anything else as hex; long keys cut. */
function describeKey(key: Buffer): string {
  const shown = key.subarray(0, 64)
  const text = /^[\x20-\x7e]*$/.test(shown.toString('latin1')) ? JSON.stringify(shown.toString('latin1')) : `0x${shown.toString('hex')}`
  return key.length > shown.length ? `${text}… (${key.length} bytes)` : text
}
