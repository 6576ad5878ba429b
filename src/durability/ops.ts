// The logical records inside a WAL payload: physical "after images" of keys, so replay is
// deterministic and idempotent (applying a record twice, or over a newer state that a later
// record also reaches, ends in the same state). That idempotence is what lets a flush to the LSM
// store run while writes go on: replaying the WAL from the flush's start LSN over it converges.
//
// Layout (little endian), one op after another, no padding. `space` is the keyspace number:
// tenant u16 * 65536 + database u16 (store-keys.ts).
//   PUT      01 | space u32 | keyLen u32 | key | type u8 | expiresAt i64 (ms, 0 = none) | valueLen u32 | value
//   DEL      02 | space u32 | keyLen u32 | key
//   EXPIRE   03 | space u32 | keyLen u32 | key | expiresAt i64 (0 = persist)
//   FLUSHALL 05                              (read only)
//   FLUSHGEN 06 | space u32 | gen u32        FLUSHDB: the keyspace is empty and at generation gen
//   SETRANGE 07 | space u32 | keyLen u32 | key | offset i64 | bytesLen u32 | bytes
//   HSET     08 | space u32 | keyLen u32 | key | flags u8 | fieldLen u32 | field | valueLen u32 | value
//   HDEL     09 | space u32 | keyLen u32 | key | fieldLen u32 | field
//   DBMAP    0a | tenant u32 | count u32 | (db u32 | space u32) * count
// (04, FLUSHDB without a generation, was never written with 32-bit keyspace numbers.)
//
// DBMAP (SWAPDB) is the tenant's whole database map after the swap: database `db` shows keyspace
// `space`, and every database not listed its own (storage/keyspaces.ts). An after image too: the
// last one replayed decides, whatever a checkpoint's manifest held before it.
//
// SETRANGE is the one op that is not a whole after image: it writes `bytes` into the key's string
// at `offset`, zero-filling any gap, and keeps its expiry (APPEND and SETRANGE of a large string
// log what they add, not the whole string again: appending 100 bytes at a time to a 2 MB string
// logged 2 MB per call). It still replays idempotently: the offset is absolute, so applying it
// twice writes the same bytes, and applied over a newer state, every byte ends as the last op
// that wrote it in the log leaves it (a later PUT or DEL resets the key whole). It is only logged
// over a string value that exists when the command runs; replay applies it to whatever the key
// holds at that point (a key absent there gets a zero-filled string, which a later op of the log
// replaces).
//
// A PUT's value is stored as stored-value.ts says for its type: a string's bytes, a hash's
// encoding (hash-value.ts). HSET and HDEL are the hash's SETRANGE: one field set (flags bit 0: the
// hash is a hashtable after it) or removed, the rest of the hash and its expiry kept, so a change
// to a hash of 100,000 fields logs that field, not the hash. They replay as SETRANGE does: a field
// is absolute, so applying one twice, or over a newer state, ends where the log's last op on that
// field leaves it; a key absent at replay starts as an empty hash; the HDEL of a hash's last field
// is never logged (the command deletes the key: a DEL).

import type { Value } from '../storage/keyspace.js'
import { HashFormatError } from '../storage/hash-value.js'
import { decodeStoredValue, isKnownTypeTag, storedBytesOf, typeTagOf } from '../storage/stored-value.js'

export const OP_PUT = 1
export const OP_DEL = 2
export const OP_EXPIRE = 3
export const OP_FLUSHALL = 5
export const OP_FLUSHGEN = 6
export const OP_SETRANGE = 7
export const OP_HSET = 8
export const OP_HDEL = 9
export const OP_DBMAP = 10

export { TYPE_STRING, TYPE_HASH } from '../storage/stored-value.js'

export const PUT_OVERHEAD = 1 + 4 + 4 + 1 + 8 + 4
export const DEL_OVERHEAD = 1 + 4 + 4
export const EXPIRE_OVERHEAD = 1 + 4 + 4 + 8
export const SETRANGE_OVERHEAD = 1 + 4 + 4 + 8 + 4
export const HSET_OVERHEAD = 1 + 4 + 4 + 1 + 4 + 4
export const HDEL_OVERHEAD = 1 + 4 + 4 + 4
/** HSET's flags: the hash is a hashtable once the field is set. */
const HSET_HASHTABLE = 1
const FLUSHGEN_BYTES = 1 + 4 + 4
const DBMAP_OVERHEAD = 1 + 4 + 4
const DBMAP_ENTRY_BYTES = 4 + 4

/** Receives decoded ops. Keys and values are views into the payload: copy what you keep. */
export interface OpVisitor {
  put(space: number, key: Buffer, value: Value, expiresAt: number): void
  del(space: number, key: Buffer): void
  expire(space: number, key: Buffer, expiresAt: number): void
  /** `bytes` written into the key's string at `offset` (see SETRANGE above). */
  setRange(space: number, key: Buffer, offset: number, bytes: Buffer): void
  /** `field` of the hash at the key set to `value` (undefined: removed); see HSET and HDEL above. */
  hashField(space: number, key: Buffer, field: Buffer, value: Buffer | undefined, hashtable: boolean): void
  /** The keyspace is emptied; `gen` is its new generation. */
  flushDb(space: number, gen: number): void
  flushAll(): void
  /** Tenant number `tenant`'s database map is `moved` (see DBMAP above). */
  databaseMap(tenant: number, moved: { db: number; space: number }[]): void
}

export class OpsFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
    this.name = 'OpsFormatError'
  }
}

const TWO_32 = 4294967296

/**
 * A safe integer as a little-endian int64, in two 32-bit halves: the BigInt the Buffer method
 * takes cost an allocation per op on the write path.
 */
export const writeInt64 = (b: Buffer, value: number, at: number): void => {
  const high = Math.floor(value / TWO_32)
  b.writeUInt32LE(value - high * TWO_32, at)
  b.writeInt32LE(high, at + 4)
}

/** The int64 at `at`, exact while it is a safe integer (expiry times are). */
export const readInt64 = (b: Buffer, at: number): number => b.readInt32LE(at + 4) * TWO_32 + b.readUInt32LE(at)

/**
 * Decodes every op in `payload` (views, not copies). Returns the number of bytes consumed:
 * `payload.length` unless `partial` is set, in which case an op cut off at the end is left
 * for the caller to complete with more bytes (snapshot streaming).
 */
export const decodeOps = (payload: Buffer, visit: OpVisitor, partial = false): number => {
  let at = 0
  while (at < payload.length) {
    const next = opEnd(payload, at)
    if (next < 0) {
      if (partial) return at
      throw truncatedOp(at)
    }
    const op = payload[at]!
    if (op === OP_FLUSHALL) visit.flushAll()
    else if (op === OP_FLUSHGEN) visit.flushDb(payload.readUInt32LE(at + 1), payload.readUInt32LE(at + 5))
    else if (op === OP_DBMAP) visit.databaseMap(payload.readUInt32LE(at + 1), decodeDatabaseMap(payload, at))
    else {
      const space = payload.readUInt32LE(at + 1)
      const keyEnd = at + 9 + payload.readUInt32LE(at + 5)
      const key = payload.subarray(at + 9, keyEnd)
      if (op === OP_DEL) visit.del(space, key)
      else if (op === OP_EXPIRE) visit.expire(space, key, readInt64(payload, keyEnd))
      else if (op === OP_SETRANGE) visit.setRange(space, key, readInt64(payload, keyEnd), payload.subarray(keyEnd + 12, next))
      else if (op === OP_HSET) {
        const fieldEnd = keyEnd + 5 + payload.readUInt32LE(keyEnd + 1)
        visit.hashField(space, key, payload.subarray(keyEnd + 5, fieldEnd), payload.subarray(fieldEnd + 4, next), (payload[keyEnd]! & HSET_HASHTABLE) !== 0)
      } else if (op === OP_HDEL) visit.hashField(space, key, payload.subarray(keyEnd + 4, next), undefined, false)
      else visit.put(space, key, decodePutValue(payload, keyEnd, next), readInt64(payload, keyEnd + 1))
    }
    at = next
  }
  return at
}

/** The value of the PUT whose key ends at `keyEnd` and which ends at `next` (a string: a view). */
const decodePutValue = (payload: Buffer, keyEnd: number, next: number): Value => {
  try {
    return decodeStoredValue(payload[keyEnd]!, payload.subarray(keyEnd + 13, next))
  } catch (e) {
    if (e instanceof HashFormatError) throw new OpsFormatError(`invalid hash value at offset ${keyEnd + 13}: ${e.message}`, keyEnd + 13)
    throw e
  }
}

/** The databases a DBMAP op at `at` lists (opEnd has checked its length). */
export const decodeDatabaseMap = (payload: Buffer, at: number): { db: number; space: number }[] => {
  const moved: { db: number; space: number }[] = []
  const count = payload.readUInt32LE(at + 5)
  for (let i = 0, p = at + DBMAP_OVERHEAD; i < count; i++, p += DBMAP_ENTRY_BYTES) {
    moved.push({ db: payload.readUInt32LE(p), space: payload.readUInt32LE(p + 4) })
  }
  return moved
}

/** The error for an op cut off by the end of its payload at `at`. */
export const truncatedOp = (at: number): OpsFormatError => new OpsFormatError(`truncated op at offset ${at}`, at)

/**
 * Where the op starting at `at` ends, or -1 when the payload ends first; OpsFormatError for an
 * unknown op or value type. The one statement of the framing: decodeOps reads ops with it, and
 * readers that visit ops out of order skip them with it.
 */
export const opEnd = (payload: Buffer, at: number): number => {
  const end = payload.length
  const op = payload[at]!
  if (op === OP_FLUSHALL) return at + 1
  if (op === OP_FLUSHGEN) return at + FLUSHGEN_BYTES > end ? -1 : at + FLUSHGEN_BYTES
  if (op === OP_DBMAP) {
    if (at + DBMAP_OVERHEAD > end) return -1
    const mapEnd = at + DBMAP_OVERHEAD + payload.readUInt32LE(at + 5) * DBMAP_ENTRY_BYTES
    return mapEnd > end ? -1 : mapEnd
  }
  if (op !== OP_PUT && op !== OP_DEL && op !== OP_EXPIRE && op !== OP_SETRANGE && op !== OP_HSET && op !== OP_HDEL) throw new OpsFormatError(`unknown op ${op} at offset ${at}`, at)
  if (at + 9 > end) return -1
  const keyEnd = at + 9 + payload.readUInt32LE(at + 5)
  if (op === OP_DEL) return keyEnd > end ? -1 : keyEnd
  if (op === OP_EXPIRE) return keyEnd + 8 > end ? -1 : keyEnd + 8
  if (op === OP_SETRANGE) {
    if (keyEnd + 12 > end) return -1
    const offset = readInt64(payload, keyEnd)
    if (!(offset >= 0 && Number.isSafeInteger(offset))) throw new OpsFormatError(`invalid SETRANGE offset ${offset} at offset ${keyEnd}`, keyEnd)
    const bytesEnd = keyEnd + 12 + payload.readUInt32LE(keyEnd + 8)
    return bytesEnd > end ? -1 : bytesEnd
  }
  if (op === OP_HSET) {
    if (keyEnd + 5 > end) return -1
    if ((payload[keyEnd]! & ~HSET_HASHTABLE) !== 0) throw new OpsFormatError(`unknown HSET flags ${payload[keyEnd]} at offset ${keyEnd}`, keyEnd)
    const fieldEnd = keyEnd + 5 + payload.readUInt32LE(keyEnd + 1)
    if (fieldEnd + 4 > end) return -1
    const valueEnd = fieldEnd + 4 + payload.readUInt32LE(fieldEnd)
    return valueEnd > end ? -1 : valueEnd
  }
  if (op === OP_HDEL) {
    if (keyEnd + 4 > end) return -1
    const fieldEnd = keyEnd + 4 + payload.readUInt32LE(keyEnd)
    return fieldEnd > end ? -1 : fieldEnd
  }
  if (keyEnd + 13 > end) return -1
  if (!isKnownTypeTag(payload[keyEnd]!)) throw new OpsFormatError(`unknown value type ${payload[keyEnd]} at offset ${keyEnd}`, keyEnd)
  const valueEnd = keyEnd + 13 + payload.readUInt32LE(keyEnd + 9)
  return valueEnd > end ? -1 : valueEnd
}

/** Slabs kept for reuse: enough for the ranges of a few commits in flight or waiting. */
const MAX_SPARE_SLABS = 4

/**
 * Appends encoded ops to slabs. A sealed range is never written again (a new slab is started
 * instead), so a payload handed to the WAL stays valid while the native call reads it. A slab
 * left behind is reused once every range taken from it is released (copied into a commit), so
 * a steady write load allocates no new slabs.
 */
export class OpWriter {
  private slab: Buffer
  private start = 0
  private at = 0
  /** take() calls so far: a taken range is named by this count after its take. */
  private takes = 0
  /** Slabs left behind, oldest first, each with the last take that has bytes in it. */
  private retired: { slab: Buffer; lastTake: number }[] = []
  private spares: Buffer[] = []

  constructor(private readonly slabBytes = 1 << 20) {
    this.slab = Buffer.allocUnsafeSlow(slabBytes)
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.at - this.start
  }

  /** The number the next take() returns with its range (see release). */
  get nextTake(): number {
    return this.takes + 1
  }

  /** The bytes written since the last call, as one Buffer, valid until released. */
  take(): Buffer {
    const bytes = this.slab.subarray(this.start, this.at)
    this.start = this.at
    this.takes++
    return bytes
  }

  /**
   * Contract: the ranges of takes 1..`take` are no longer read (copied into a commit, or
   * dropped): the slabs that held only them may be written again.
   */
  release(take: number): void {
    const retired = this.retired
    let n = 0
    while (n < retired.length && retired[n]!.lastTake <= take) this.keepSpare(retired[n++]!.slab)
    if (n > 0) retired.splice(0, n)
  }

  private keepSpare(slab: Buffer): void {
    if (slab.length === this.slabBytes && this.spares.length < MAX_SPARE_SLABS) this.spares.push(slab)
  }

  put(space: number, key: Buffer, value: Value, expiresAt: number): void {
    const data = storedBytesOf(value)
    const b = this.reserve(PUT_OVERHEAD + key.length + data.length)
    let at = this.at
    b[at] = OP_PUT
    b.writeUInt32LE(space, at + 1)
    b.writeUInt32LE(key.length, at + 5)
    at += 9
    // TypedArray set, not Buffer copy: the copy is a call into C++, the set a builtin.
    b.set(key, at)
    at += key.length
    b[at] = typeTagOf(value)
    writeInt64(b, expiresAt, at + 1)
    b.writeUInt32LE(data.length, at + 9)
    at += 13
    b.set(data, at)
    this.at = at + data.length
  }

  del(space: number, key: Buffer): void {
    const b = this.reserve(DEL_OVERHEAD + key.length)
    const at = this.at
    b[at] = OP_DEL
    b.writeUInt32LE(space, at + 1)
    b.writeUInt32LE(key.length, at + 5)
    b.set(key, at + 9)
    this.at = at + 9 + key.length
  }

  expire(space: number, key: Buffer, expiresAt: number): void {
    const b = this.reserve(EXPIRE_OVERHEAD + key.length)
    let at = this.at
    b[at] = OP_EXPIRE
    b.writeUInt32LE(space, at + 1)
    b.writeUInt32LE(key.length, at + 5)
    at += 9
    b.set(key, at)
    at += key.length
    writeInt64(b, expiresAt, at)
    this.at = at + 8
  }

  setRange(space: number, key: Buffer, offset: number, bytes: Buffer): void {
    const b = this.reserve(SETRANGE_OVERHEAD + key.length + bytes.length)
    let at = this.at
    b[at] = OP_SETRANGE
    b.writeUInt32LE(space, at + 1)
    b.writeUInt32LE(key.length, at + 5)
    at += 9
    b.set(key, at)
    at += key.length
    writeInt64(b, offset, at)
    b.writeUInt32LE(bytes.length, at + 8)
    at += 12
    b.set(bytes, at)
    this.at = at + bytes.length
  }

  hashField(space: number, key: Buffer, field: Buffer, value: Buffer | undefined, hashtable: boolean): void {
    const set = value !== undefined
    const b = this.reserve((set ? HSET_OVERHEAD + value.length : HDEL_OVERHEAD) + key.length + field.length)
    let at = this.at
    b[at] = set ? OP_HSET : OP_HDEL
    b.writeUInt32LE(space, at + 1)
    b.writeUInt32LE(key.length, at + 5)
    at += 9
    b.set(key, at)
    at += key.length
    if (set) b[at++] = hashtable ? HSET_HASHTABLE : 0
    b.writeUInt32LE(field.length, at)
    b.set(field, at + 4)
    at += 4 + field.length
    if (set) {
      b.writeUInt32LE(value.length, at)
      b.set(value, at + 4)
      at += 4 + value.length
    }
    this.at = at
  }

  flushDb(space: number, gen: number): void {
    const b = this.reserve(FLUSHGEN_BYTES)
    b[this.at] = OP_FLUSHGEN
    b.writeUInt32LE(space, this.at + 1)
    b.writeUInt32LE(gen, this.at + 5)
    this.at += FLUSHGEN_BYTES
  }

  databaseMap(tenant: number, moved: readonly { readonly db: number; readonly space: number }[]): void {
    const b = this.reserve(DBMAP_OVERHEAD + moved.length * DBMAP_ENTRY_BYTES)
    let at = this.at
    b[at] = OP_DBMAP
    b.writeUInt32LE(tenant, at + 1)
    b.writeUInt32LE(moved.length, at + 5)
    at += DBMAP_OVERHEAD
    for (const m of moved) {
      b.writeUInt32LE(m.db, at)
      b.writeUInt32LE(m.space, at + 4)
      at += DBMAP_ENTRY_BYTES
    }
    this.at = at
  }

  /** Room for `n` more bytes after `at`; moves the unsealed bytes to a new slab if needed. */
  private reserve(n: number): Buffer {
    if (this.at + n <= this.slab.length) return this.slab
    const pending = this.at - this.start
    // Growing by what is pending keeps a long unsealed stretch (a big MSET) linear, without
    // doubling the room for one huge value.
    const next =
      pending + n <= this.slabBytes / 2
        ? (this.spares.pop() ?? Buffer.allocUnsafeSlow(this.slabBytes))
        : Buffer.allocUnsafeSlow(pending + n + Math.max(pending, this.slabBytes))
    this.slab.copy(next, 0, this.start, this.at)
    // Its taken bytes (takes up to now) may still be read; its unsealed ones moved with `pending`.
    if (this.start > 0) this.retired.push({ slab: this.slab, lastTake: this.takes })
    else this.keepSpare(this.slab)
    this.slab = next
    this.start = 0
    this.at = pending
    return next
  }
}
