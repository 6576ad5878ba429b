// The memtable's records, held outside the JavaScript heap: each record is a header, its key and
// its value, contiguous in a large slab Buffer, and an open-addressing hash table in an
// Int32Array finds it by key. A lookup touches the table's slot and the record, two cache misses,
// where a Map of record objects touches six or seven heap objects; and the collector sees a few
// large Buffers instead of millions of small objects.
//
// Contracts:
// - Records are append-only. A change appends a new record and marks the old one dead; only a
//   header's access time, expiry and flush state are written in place.
// - Shared slabs are reused: a 1 MB slab released (emptied, or compacted away) goes to a small
//   pool of spares, so overwrites do not make garbage of whole slabs for the collector (each
//   released slab is external memory the collector frees only in a full collection, and their
//   churn started one every few hundred milliseconds under overwrites). So value() copies bytes
//   out of a shared slab: its result may be kept. A record too large to share a slab has one of
//   its own, never reused, and value() hands out a view of it.
// - A released shared slab is reused only from the next check phase of the event loop on: until
//   then its bytes stay as they were. valueView() relies on it to hand out views of shared slabs
//   that hold for the rest of the current synchronous pass (a GET's reply encoded in the same
//   pass), whatever that pass writes meanwhile, since records are append-only.
// - Nor is it reused while the table's undo holder holds a log opened before the release
//   (UndoHolder): the journal keeps views of the records a change replaced, not copies, until
//   the change is durable or undone; a dead record's bytes stay as they were until its slab is
//   reused.
// - When the slab being filled is full and the slabs hold more than twice the live bytes, slabs
//   under half live are compacted (their live records copied to the fresh slab), so dead space
//   stays bounded by about the live bytes plus a slab.
// - A slot index from find* is valid until the next change to the table (put, remove, or a
//   sweep's removal), which may move entries.

import { viewOf } from '../protocol/buffer-view.js'

/** Record header: key length, value length, expiresAt, accessedAt, flush state, flags. */
const HEADER = 32
/** Int32 offsets within a record's header. */
const I_KEY_LEN = 0
const I_VALUE_LEN = 1
const I_STORED = 6
const I_FLAGS = 7
/** Float64 offsets within a record's header. */
const F_EXPIRES = 1
const F_ACCESSED = 2

const LIVE = 1
/** The value is an object held beside the table (objects), not bytes in the slab. */
const OBJECT = 2
/** The string was made in place (StringValue.raw). */
const RAW = 4

/**
 * Regular slabs start small (a database with a handful of keys must not hold a megabyte; a
 * server may have thousands of them) and double with the table up to SLAB_BYTES. A record
 * above LARGE bytes gets a slab of its own.
 */
const FIRST_SLAB_BYTES = 4096
const SLAB_BYTES = 1 << 20
const LARGE = SLAB_BYTES >> 3

/** Hash table slot: [hash, slab id + 1 (0 = empty), offset]. */
const STRIDE = 3
const MIN_SLOTS = 64
/** warm() looks ahead at most this many commands (a socket read's worth at common depths). */
const WARM_MAX = 128
const warmScratch = new Int32Array(WARM_MAX)

/** The flush state of a record the store already holds (see MemoryKeyspace's `stored`). */
export const CLEAN = -1

class Slab {
  readonly i32: Int32Array
  readonly f64: Float64Array
  /** buf's memory and offset in it, read once for valueView (see viewOf). */
  readonly memory: ArrayBufferLike
  readonly base: number
  /** Bytes appended so far. */
  used = 0
  /** Bytes of the live records in it. */
  live = 0

  constructor(
    readonly id: number,
    readonly buf: Buffer,
    /** Holds one large record; released as soon as that record dies. */
    readonly dedicated: boolean,
  ) {
    this.i32 = new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2)
    this.f64 = new Float64Array(buf.buffer, buf.byteOffset, buf.length >> 3)
    this.memory = buf.buffer
    this.base = buf.byteOffset
  }
}

const EMPTY = new Uint8Array(0)

/** Values up to this length are copied out by a loop rather than a native copy. */
const SHORT_COPY = 64

/**
 * Released 1 MB slabs kept for reuse, shared by every table of the process (a server's databases
 * and tenants); beyond spareLimit, a released slab is left to the collector.
 */
const SPARE_SLABS = 16
const spares: Buffer[] = []
let spareLimit = SPARE_SLABS
/**
 * Whoever keeps views of a table's dead records for a while (a journal's undo logs, until their
 * changes are durable or undone). Each log gets a stamp, increasing, when it is opened; a slab
 * released after a log was opened may hold records that log views.
 */
export interface UndoHolder {
  /** The stamp of the newest log opened so far (0: none yet). */
  undoStamp(): number
  /** The stamp of the oldest log still held; Infinity when none. */
  oldestHeldStamp(): number
}

/**
 * Released slabs that become spares at the next check phase (see valueView), unless their
 * table's undo holder still holds a log opened before the release: those wait in `held` (see
 * UndoHolder) and are checked again each check phase.
 */
let quarantined: Buffer[] = []
let held: { readonly buf: Buffer; readonly holder: UndoHolder; readonly stamp: number }[] = []
let quarantineEnds: NodeJS.Immediate | undefined
/**
 * Slabs waiting on undo logs, at most: a log is held until its changes are durable (about a
 * millisecond, or for as long as a failing disk stalls the log); beyond, a released slab is
 * left to the collector, which frees it once no view of it is left.
 */
const MAX_HELD = 16

const spare = (buf: Buffer): void => {
  if (spares.length < spareLimit) spares.push(buf)
  else abandon(buf)
}

const endQuarantine = (): void => {
  quarantineEnds = undefined
  const released = quarantined
  quarantined = []
  for (const buf of released) spare(buf)
  if (held.length === 0) return
  const waiting: typeof held = []
  for (const h of held) {
    if (h.holder.oldestHeldStamp() <= h.stamp) waiting.push(h)
    else spare(h.buf)
  }
  held = waiting
  if (waiting.length > 0) quarantineEnds = setImmediate(endQuarantine).unref()
}

/** A released 1 MB slab: a spare once nothing can read it any more (see endQuarantine), or garbage. */
const retire = (buf: Buffer, holder: UndoHolder | undefined): void => {
  const stamp = holder === undefined ? 0 : holder.undoStamp()
  if (holder !== undefined && holder.oldestHeldStamp() <= stamp) {
    if (held.length >= MAX_HELD) abandon(buf)
    else held.push({ buf, holder, stamp })
  } else if (spares.length + quarantined.length >= spareLimit) {
    abandon(buf)
    return
  } else quarantined.push(buf)
  quarantineEnds ??= setImmediate(endQuarantine).unref()
}

/**
 * Values up to this length are handed out as views by valueView; longer ones are copied. Below
 * the reply encoder's direct-payload size (16 KiB), so the encoder copies a view's bytes into
 * its own buffer rather than passing the view to a socket that may hold it past the pass.
 */
export const VIEW_MAX = 8 * 1024

/**
 * Bytes of released slabs the collector has yet to free: garbage, but still external memory
 * until a full collection. The memory gauge leaves them out, or dropping records would look like
 * growth of the rest of the process, and make the budget drop more records.
 */
let unreclaimedBytes = 0
const reclaimed = new FinalizationRegistry<number>((bytes) => {
  unreclaimedBytes -= bytes
})

/** Released slabs not yet freed by the collector (see unreclaimedBytes). */
export const unreclaimedSlabBytes = (): number => unreclaimedBytes

const abandon = (buf: Buffer): void => {
  unreclaimedBytes += buf.buffer.byteLength
  reclaimed.register(buf.buffer, buf.buffer.byteLength)
}

/**
 * Keeps at most `bytes` of spare slabs (at most 16 MB, at least one slab): under a small
 * maxmemory the spares would otherwise hold memory the data's budget needs.
 */
export const limitSpareSlabs = (bytes: number): void => {
  spareLimit = Math.max(1, Math.min(SPARE_SLABS, Math.floor(bytes / SLAB_BYTES)))
  while (spares.length > spareLimit) abandon(spares.pop()!)
}

const align8 = (n: number): number => (n + 7) & ~7

const recordSize = (keyLength: number, valueLength: number): number => align8(HEADER + keyLength + valueLength)

/** The size of the record at `off`, read from its header. */
const sizeAt = (slab: Slab, off: number): number => recordSize(slab.i32[(off >> 2) + I_KEY_LEN]!, slab.i32[(off >> 2) + I_VALUE_LEN]!)

/** The key of the record at `off`, as a latin1 string. */
const keyAt = (slab: Slab, off: number): string =>
  slab.buf.toString('latin1', off + HEADER, off + HEADER + slab.i32[(off >> 2) + I_KEY_LEN]!)

// FNV-1a over the bytes, then murmur3's finalizer so the low bits (the table index) mix well.
// hashBytes and hashString must agree for a key's latin1 string and its bytes.
const finish = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

export const hashBytes = (b: Uint8Array, start: number, end: number): number => {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
  return finish(h)
}

export const hashString = (k: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193)
  return finish(h)
}

/** What one record costs in the table beyond its key and value: header, alignment, slot share. */
export const TABLE_RECORD_OVERHEAD = HEADER + 4 + (STRIDE * 4) / 0.5

/** A record as recordMemory and recordOffset named it, alive or dead (undo). */
export const readRecord = (
  memory: ArrayBufferLike,
  offset: number,
): { key: Buffer; value: Buffer; expiresAt: number; accessedAt: number; stored: number; raw: boolean } => {
  const i32 = new Int32Array(memory, offset, HEADER >> 2)
  const f64 = new Float64Array(memory, offset, HEADER >> 3)
  const keyLength = i32[I_KEY_LEN]!
  return {
    key: viewOf(memory, offset + HEADER, keyLength),
    value: viewOf(memory, offset + HEADER + keyLength, i32[I_VALUE_LEN]!),
    expiresAt: f64[F_EXPIRES]!,
    accessedAt: f64[F_ACCESSED]!,
    stored: i32[I_STORED]!,
    raw: (i32[I_FLAGS]! & RAW) !== 0,
  }
}

/** An object value (putObject) and what it counts for. */
interface HeldObject {
  readonly value: unknown
  dataBytes: number
  memoryBytes: number
}

export class RecordTable {
  /** `undoHolder`: whoever keeps views of this table's dead records (see UndoHolder). */
  constructor(private readonly undoHolder?: UndoHolder) {}

  private slots = new Int32Array(MIN_SLOTS * STRIDE)
  private mask = MIN_SLOTS - 1
  private count = 0
  private slabs: (Slab | undefined)[] = []
  private freeIds: number[] = []
  /** Values that are not bytes in a slab (putObject), by key. */
  private objects = new Map<string, HeldObject>()
  /** What the objects hold: their data bytes, and the memory that takes (putObject). */
  private objectData = 0
  private objectMemory = 0
  private active: Slab | undefined
  private slabBytes = 0
  private liveData = 0
  /** Bytes of the live records, headers and alignment included. */
  private liveBytes = 0
  /** The eviction sweep's position: a slab id and an offset in it. */
  private sweepSlab = 0
  private sweepOff = 0
  /** The slab the sweep is in, as it was when the sweep entered it. */
  private sweepIn: Slab | undefined
  /** The sweep stands on the record at sweepOff (it still has to step past it). */
  private sweepOn = false
  /** What warm() loaded, kept so the compiler cannot drop the loads as unused. */
  warmSink = 0

  /** Live records. */
  get size(): number {
    return this.count
  }

  /** Bytes of the live records' keys and values. */
  get dataBytes(): number {
    return this.liveData + this.objectData
  }

  /** Memory held: the slabs (dead space included), the hash table, and the objects' memory. */
  get memoryBytes(): number {
    return this.slabBytes + this.slots.byteLength + this.objectMemory
  }

  // findBytes and findString are the same probe twice, on purpose: each compares keys of one
  // representation, so the loop on the GET and SET path stays monomorphic (no per-byte branch on
  // the key's kind, no comparison callback).

  /** The slot holding the record for these key bytes, or -1. */
  findBytes(key: Uint8Array): number {
    const hash = hashBytes(key, 0, key.length)
    const slots = this.slots
    const mask = this.mask
    let i = hash & mask
    for (;;) {
      const at = i * STRIDE
      const slabId = slots[at + 1]!
      if (slabId === 0) break
      if (slots[at] === hash) {
        const slab = this.slabs[slabId - 1]!
        const off = slots[at + 2]!
        if (slab.i32[off >> 2] === key.length && this.keyEqualsBytes(slab.buf, off + HEADER, key)) return i
      }
      i = (i + 1) & mask
    }
    return -1
  }

  /**
   * Brings into the cache the hash slots and record headers that probes for these keys (each
   * command's argv[1], where most commands have their first key) will touch first. A hint, with
   * no effect on the table's contents.
   *
   * Why: with a keyspace larger than the caches, a probe costs two dependent memory misses (the
   * slot, then the record), which were two thirds of GET's own time at -P 16. Probes run one
   * command at a time, so those misses come one after the other. Here each pass is a short loop
   * of independent loads, which the processor overlaps: sixteen misses cost about as much as one.
   */
  warm(commands: readonly (readonly Uint8Array[])[]): void {
    const n = Math.min(commands.length, WARM_MAX)
    const slots = this.slots
    const mask = this.mask
    const at = warmScratch
    for (let c = 0; c < n; c++) {
      const argv = commands[c]!
      if (argv.length < 2) {
        at[c] = -1
        continue
      }
      const key = argv[1]!
      at[c] = (hashBytes(key, 0, key.length) & mask) * STRIDE
    }
    let sink = 0
    for (let c = 0; c < n; c++) {
      const i = at[c]!
      if (i >= 0) sink ^= slots[i + 2]!
    }
    const slabs = this.slabs
    for (let c = 0; c < n; c++) {
      const i = at[c]!
      if (i < 0) continue
      const slab = slabs[slots[i + 1]! - 1]
      if (slab !== undefined) sink ^= slab.i32[slots[i + 2]! >> 2]!
    }
    this.warmSink = sink
  }

  /** The slot holding the record for this latin1 key, or -1. */
  findString(k: string): number {
    const hash = hashString(k)
    const slots = this.slots
    const mask = this.mask
    let i = hash & mask
    for (;;) {
      const at = i * STRIDE
      const slabId = slots[at + 1]!
      if (slabId === 0) break
      if (slots[at] === hash) {
        const slab = this.slabs[slabId - 1]!
        const off = slots[at + 2]!
        if (slab.i32[off >> 2] === k.length && this.keyEqualsString(slab.buf, off + HEADER, k)) return i
      }
      i = (i + 1) & mask
    }
    return -1
  }

  has(k: string): boolean {
    return this.findString(k) >= 0
  }

  expiresAt(slot: number): number {
    const off = this.slots[slot * STRIDE + 2]!
    return this.slabOf(slot).f64[(off >> 3) + F_EXPIRES]!
  }

  accessedAt(slot: number): number {
    const off = this.slots[slot * STRIDE + 2]!
    return this.slabOf(slot).f64[(off >> 3) + F_ACCESSED]!
  }

  setAccessed(slot: number, now: number): void {
    const off = this.slots[slot * STRIDE + 2]!
    this.slabOf(slot).f64[(off >> 3) + F_ACCESSED] = now
  }

  stored(slot: number): number {
    const off = this.slots[slot * STRIDE + 2]!
    return this.slabOf(slot).i32[(off >> 2) + I_STORED]!
  }

  setStored(slot: number, stored: number): void {
    const off = this.slots[slot * STRIDE + 2]!
    this.slabOf(slot).i32[(off >> 2) + I_STORED] = stored
  }

  /** Changes the expiry in place; the record becomes changed (not stored) and accessed `now`. */
  setExpiry(slot: number, expiresAt: number, now: number): void {
    const off = this.slots[slot * STRIDE + 2]!
    const slab = this.slabOf(slot)
    slab.f64[(off >> 3) + F_EXPIRES] = expiresAt
    slab.f64[(off >> 3) + F_ACCESSED] = now
    slab.i32[(off >> 2) + I_STORED] = 0
  }

  /**
   * The value's bytes, for the caller to keep: a copy from a shared slab (those are reused), a
   * view of a slab of its own (never reused, never written again).
   */
  value(slot: number): Buffer {
    const off = this.slots[slot * STRIDE + 2]!
    const slab = this.slabOf(slot)
    const start = off + HEADER + slab.i32[off >> 2]!
    const length = slab.i32[(off >> 2) + I_VALUE_LEN]!
    if (slab.dedicated) return slab.buf.subarray(start, start + length)
    const copy = Buffer.allocUnsafe(length)
    if (length <= SHORT_COPY) {
      const from = slab.buf
      for (let i = 0; i < length; i++) copy[i] = from[start + i]!
    } else slab.buf.copy(copy, 0, start, start + length)
    return copy
  }

  /**
   * The value's bytes, as a view when they sit in a shared slab and are at most VIEW_MAX long
   * (a copy otherwise): valid until the current synchronous pass of the event loop ends, even
   * across changes to the table. A holder past that must copy it (see detachReplies).
   */
  valueView(slot: number): Buffer {
    const off = this.slots[slot * STRIDE + 2]!
    const slab = this.slabOf(slot)
    const length = slab.i32[(off >> 2) + I_VALUE_LEN]!
    if (length > VIEW_MAX) return this.value(slot)
    const start = off + HEADER + slab.i32[off >> 2]!
    return viewOf(slab.memory, slab.base + start, length)
  }

  /**
   * The value's bytes as a view whatever their length, for an undo log: valid while a log opened
   * before the record dies is held (see UndoHolder), since a slab is not reused until then.
   */
  undoView(slot: number): Buffer {
    const off = this.slots[slot * STRIDE + 2]!
    const slab = this.slabOf(slot)
    const start = off + HEADER + slab.i32[off >> 2]!
    return viewOf(slab.memory, slab.base + start, slab.i32[(off >> 2) + I_VALUE_LEN]!)
  }

  /**
   * The memory and the byte offset in it of the record in `slot`, which stay as they are once it
   * dies, as long as undoView's do: an undo log keeps these two instead of any object.
   */
  recordMemory(slot: number): ArrayBufferLike {
    return this.slabOf(slot).memory
  }

  recordOffset(slot: number): number {
    return this.slabOf(slot).base + this.slots[slot * STRIDE + 2]!
  }

  /** Where the record sits, as "slab:offset": diagnostics, and how specs see compaction move it. */
  location(slot: number): string {
    return `${this.slots[slot * STRIDE + 1]! - 1}:${this.slots[slot * STRIDE + 2]!}`
  }

  valueLength(slot: number): number {
    const off = this.slots[slot * STRIDE + 2]!
    return this.slabOf(slot).i32[(off >> 2) + I_VALUE_LEN]!
  }

  /** Whether the record's string was made in place (put's `raw`). */
  isRaw(slot: number): boolean {
    const off = this.slots[slot * STRIDE + 2]!
    return (this.slabOf(slot).i32[(off >> 2) + I_FLAGS]! & RAW) !== 0
  }

  /** Whether the record holds an object (putObject) rather than bytes. */
  isObject(slot: number): boolean {
    const off = this.slots[slot * STRIDE + 2]!
    return (this.slabOf(slot).i32[(off >> 2) + I_FLAGS]! & OBJECT) !== 0
  }

  object(slot: number): unknown {
    return this.objects.get(this.key(slot))?.value
  }

  /**
   * As put, for a value held as an object beside the table (it has no bytes in a slab).
   * `dataBytes` and `memoryBytes` are what it counts for in dataBytes and memoryBytes.
   */
  putObject(slot: number, k: string, value: unknown, expiresAt: number, accessedAt: number, stored: number, dataBytes = 0, memoryBytes = 0): boolean {
    const created = this.put(slot, k, EMPTY, expiresAt, accessedAt, stored)
    const found = this.findString(k)
    const off = this.slots[found * STRIDE + 2]!
    this.slabOf(found).i32[(off >> 2) + I_FLAGS] = LIVE | OBJECT
    this.objects.set(k, { value, dataBytes, memoryBytes })
    this.objectData += dataBytes
    this.objectMemory += memoryBytes
    return created
  }

  /**
   * The object in `slot` was changed in place (a hash's field): it now counts for `dataBytes`
   * and `memoryBytes` (see putObject).
   */
  resizeObject(slot: number, dataBytes: number, memoryBytes: number): void {
    const held = this.objects.get(this.key(slot))
    if (held === undefined) return
    this.objectData += dataBytes - held.dataBytes
    this.objectMemory += memoryBytes - held.memoryBytes
    held.dataBytes = dataBytes
    held.memoryBytes = memoryBytes
  }

  key(slot: number): string {
    return keyAt(this.slabOf(slot), this.slots[slot * STRIDE + 2]!)
  }

  /**
   * Stores a record for `k`, replacing any previous one. `slot` is what findString(k) or
   * findBytes returned for this key with no change to the table since (-1: absent). `keyBytes`,
   * when the caller has them, are the key's bytes (copied faster than the string's). `raw`
   * marks a string made in place (StringValue.raw). Returns true when the key was created. `k`
   * may be undefined when `keyBytes` is given.
   */
  put(
    slot: number,
    k: string | undefined,
    data: Uint8Array,
    expiresAt: number,
    accessedAt: number,
    stored: number,
    keyBytes?: Uint8Array,
    raw = false,
  ): boolean {
    const keyLength = keyBytes !== undefined ? keyBytes.length : k!.length
    const size = recordSize(keyLength, data.length)
    const slab = this.room(size)
    // room() may move records (compaction): that rewrites their slots' locations in place, so
    // `slot` still holds this key's record.
    const off = slab.used
    slab.used += size
    slab.live += size
    this.liveBytes += size
    const i32 = slab.i32
    const base = off >> 2
    i32[base + I_KEY_LEN] = keyLength
    i32[base + I_VALUE_LEN] = data.length
    slab.f64[(off >> 3) + F_EXPIRES] = expiresAt
    slab.f64[(off >> 3) + F_ACCESSED] = accessedAt
    i32[base + I_STORED] = stored
    i32[base + I_FLAGS] = raw ? LIVE | RAW : LIVE
    if (keyBytes !== undefined) slab.buf.set(keyBytes, off + HEADER)
    else slab.buf.write(k!, off + HEADER, keyLength, 'latin1')
    slab.buf.set(data, off + HEADER + keyLength)
    this.liveData += keyLength + data.length
    if (slot >= 0) {
      const at = slot * STRIDE
      this.kill(this.slabs[this.slots[at + 1]! - 1]!, this.slots[at + 2]!)
      this.slots[at + 1] = slab.id + 1
      this.slots[at + 2] = off
      return false
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow()
    const hash = keyBytes !== undefined ? hashBytes(keyBytes, 0, keyBytes.length) : hashString(k!)
    const at = this.probeFree(hash) * STRIDE
    this.slots[at] = hash
    this.slots[at + 1] = slab.id + 1
    this.slots[at + 2] = off
    this.count++
    return true
  }

  /** Removes the record in `slot`. */
  remove(slot: number): void {
    const at = slot * STRIDE
    this.kill(this.slabs[this.slots[at + 1]! - 1]!, this.slots[at + 2]!)
    this.clearSlot(slot)
  }

  /** Drops every record. */
  clear(): void {
    this.slots = new Int32Array(MIN_SLOTS * STRIDE)
    this.mask = MIN_SLOTS - 1
    this.count = 0
    this.slabs = []
    this.freeIds = []
    this.objects.clear()
    this.objectData = 0
    this.objectMemory = 0
    this.active = undefined
    this.slabBytes = 0
    this.liveData = 0
    this.liveBytes = 0
    this.sweepSlab = 0
    this.sweepOff = 0
    this.sweepIn = undefined
    this.sweepOn = false
  }

  /**
   * Advances the eviction sweep to the next live record, in slab order (records appended
   * together are visited together, so evicting them frees whole slabs). Returns false when the
   * sweep has wrapped around to the start (call again to begin the next round) or the table is
   * empty.
   */
  sweepNext(): boolean {
    if (this.count === 0) return false
    const slabs = this.slabs
    for (;;) {
      const slab = slabs[this.sweepSlab]
      let off = this.sweepOff
      if (slab !== this.sweepIn) {
        // The slab under the sweep was released (and its id perhaps reused): start it afresh.
        this.sweepIn = slab
        this.sweepOn = false
        off = 0
      }
      if (this.sweepOn && slab !== undefined) {
        off += sizeAt(slab, off)
        this.sweepOn = false
      }
      while (slab !== undefined && off < slab.used) {
        if ((slab.i32[(off >> 2) + I_FLAGS]! & LIVE) !== 0) {
          this.sweepOff = off
          this.sweepOn = true
          return true
        }
        off += sizeAt(slab, off)
      }
      this.sweepOff = 0
      this.sweepIn = undefined
      if (++this.sweepSlab >= slabs.length) {
        this.sweepSlab = 0
        return false
      }
      this.sweepIn = slabs[this.sweepSlab]
    }
  }

  /** The record the sweep stands on (after sweepNext returned true): its flush state. */
  sweepStored(): number {
    return this.sweepIn!.i32[(this.sweepOff >> 2) + I_STORED]!
  }

  sweepAccessedAt(): number {
    return this.sweepIn!.f64[(this.sweepOff >> 3) + F_ACCESSED]!
  }

  sweepExpiresAt(): number {
    return this.sweepIn!.f64[(this.sweepOff >> 3) + F_EXPIRES]!
  }

  sweepKey(): string {
    return keyAt(this.sweepIn!, this.sweepOff)
  }

  /** The bytes of the record the sweep stands on: key and value. */
  sweepDataBytes(): number {
    const slab = this.sweepIn!
    const base = this.sweepOff >> 2
    const bytes = slab.i32[base]! + slab.i32[base + I_VALUE_LEN]!
    if ((slab.i32[base + I_FLAGS]! & OBJECT) === 0) return bytes
    return bytes + (this.objects.get(keyAt(slab, this.sweepOff))?.memoryBytes ?? 0)
  }

  /** Removes the record the sweep stands on. */
  sweepRemove(): void {
    const slab = this.sweepIn!
    const off = this.sweepOff
    const slot = this.slotOf(slab, off)
    // The sweep stays on the dead record: sweepNext steps past it (or past the slab, if dropped).
    this.kill(slab, off)
    this.clearSlot(slot)
  }

  private slabOf(slot: number): Slab {
    return this.slabs[this.slots[slot * STRIDE + 1]! - 1]!
  }

  private keyEqualsBytes(buf: Buffer, start: number, key: Uint8Array): boolean {
    for (let i = 0; i < key.length; i++) if (buf[start + i] !== key[i]) return false
    return true
  }

  private keyEqualsString(buf: Buffer, start: number, k: string): boolean {
    for (let i = 0; i < k.length; i++) if (buf[start + i] !== k.charCodeAt(i)) return false
    return true
  }

  /** Marks a record dead; a slab left with nothing live (other than the one being filled) goes. */
  private kill(slab: Slab, off: number): void {
    const i32 = slab.i32
    const base = off >> 2
    if ((i32[base + I_FLAGS]! & OBJECT) !== 0) {
      const k = keyAt(slab, off)
      const held = this.objects.get(k)
      if (held !== undefined) {
        this.objectData -= held.dataBytes
        this.objectMemory -= held.memoryBytes
        this.objects.delete(k)
      }
    }
    i32[base + I_FLAGS] = 0
    const keyLength = i32[base + I_KEY_LEN]!
    const valueLength = i32[base + I_VALUE_LEN]!
    this.liveData -= keyLength + valueLength
    const size = recordSize(keyLength, valueLength)
    slab.live -= size
    this.liveBytes -= size
    if (slab.live === 0 && slab !== this.active) this.release(slab)
  }

  private release(slab: Slab): void {
    this.slabs[slab.id] = undefined
    this.freeIds.push(slab.id)
    this.slabBytes -= slab.buf.length
    if (!slab.dedicated && slab.buf.length === SLAB_BYTES) retire(slab.buf, this.undoHolder)
    else abandon(slab.buf)
  }

  /** A slab with `size` bytes free at its end. */
  private room(size: number): Slab {
    if (size > LARGE) return this.newSlab(size, true)
    const active = this.active
    if (active !== undefined && active.used + size <= active.buf.length) return active
    let bytes = Math.min(SLAB_BYTES, Math.max(FIRST_SLAB_BYTES, active === undefined ? 0 : active.buf.length * 2))
    while (bytes < size) bytes *= 2
    const fresh = this.newSlab(bytes, false)
    if (active !== undefined && active.live === 0) this.release(active)
    this.active = fresh
    while (this.slabBytes > 2 * this.liveBytes + fresh.buf.length && this.compactOne(fresh, size)) {}
    return fresh
  }

  private newSlab(bytes: number, dedicated: boolean): Slab {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.slabs.length
    const reuse = !dedicated && bytes === SLAB_BYTES ? spares.pop() : undefined
    const slab = new Slab(id, reuse ?? Buffer.allocUnsafeSlow(align8(bytes)), dedicated)
    this.slabs[id] = slab
    this.slabBytes += slab.buf.length
    return slab
  }

  /**
   * Copies the live records of the regular slab with the lowest live share, under half, into `into` (a fresh
   * slab), keeping `reserve` bytes free there, and releases it; false when no slab qualifies.
   * The slabs then hold at most about twice the live bytes, and each copy frees more than it
   * copies.
   */
  private compactOne(into: Slab, reserve: number): boolean {
    let victim: Slab | undefined
    const room = into.buf.length - into.used - reserve
    for (const slab of this.slabs) {
      if (slab === undefined || slab === into || slab.dedicated || slab.live * 2 >= slab.used || slab.live > room) continue
      if (victim === undefined || slab.live * victim.buf.length < victim.live * slab.buf.length) victim = slab
    }
    if (victim === undefined) return false
    const from = victim.buf
    let off = 0
    while (off < victim.used) {
      const size = sizeAt(victim, off)
      if ((victim.i32[(off >> 2) + I_FLAGS]! & LIVE) !== 0) {
        const slot = this.slotOf(victim, off)
        const to = into.used
        from.copy(into.buf, to, off, off + size)
        into.used += size
        into.live += size
        victim.live -= size
        this.slots[slot * STRIDE + 1] = into.id + 1
        this.slots[slot * STRIDE + 2] = to
      }
      off += size
    }
    this.release(victim)
    return true
  }

  /** The slot that points at the record at `off` in `slab`. */
  private slotOf(slab: Slab, off: number): number {
    const keyStart = off + HEADER
    const hash = hashBytes(slab.buf, keyStart, keyStart + slab.i32[off >> 2]!)
    const slots = this.slots
    const id = slab.id + 1
    let i = hash & this.mask
    for (;;) {
      const at = i * STRIDE
      if (slots[at + 1] === id && slots[at + 2] === off) return i
      if (slots[at + 1] === 0) throw new Error('record table: a live record has no slot')
      i = (i + 1) & this.mask
    }
  }

  private probeFree(hash: number): number {
    let i = hash & this.mask
    while (this.slots[i * STRIDE + 1] !== 0) i = (i + 1) & this.mask
    return i
  }

  /** Backward-shift deletion: no tombstones, so probes stay short under churn. */
  private clearSlot(slot: number): void {
    const slots = this.slots
    const mask = this.mask
    let hole = slot
    let i = (slot + 1) & mask
    for (;;) {
      const at = i * STRIDE
      if (slots[at + 1] === 0) break
      const home = slots[at]! & mask
      // The entry at i may move into the hole if its home is not cyclically within (hole, i].
      const inRange = hole <= i ? home > hole && home <= i : home > hole || home <= i
      if (!inRange) {
        const to = hole * STRIDE
        slots[to] = slots[at]!
        slots[to + 1] = slots[at + 1]!
        slots[to + 2] = slots[at + 2]!
        hole = i
      }
      i = (i + 1) & mask
    }
    slots[hole * STRIDE + 1] = 0
    this.count--
    // A table emptied by eviction gives its slots back: they count against the memory budget.
    if (this.count * 8 < mask + 1 && mask + 1 > MIN_SLOTS) this.resize((mask + 1) >> 1)
  }

  private grow(): void {
    this.resize((this.mask + 1) * 2)
  }

  /** Rehashes into `capacity` slots (a power of two, over twice the live count). */
  private resize(capacity: number): void {
    const old = this.slots
    this.slots = new Int32Array(capacity * STRIDE)
    this.mask = capacity - 1
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + 1] === 0) continue
      const i = this.probeFree(old[at]!) * STRIDE
      this.slots[i] = old[at]!
      this.slots[i + 1] = old[at + 1]!
      this.slots[i + 2] = old[at + 2]!
    }
  }
}
