// A hash, held whole (phase 1 of docs/segment-format.md "Collections"): its fields and values in
// one Map, which is what Redis's listpack encoding is. Unlike a string, a hash is changed in
// place: HSET of one field into a hash of 100,000 must not copy the other 99,999. So the keyspace
// (memory-keyspace.ts) is the only writer: it logs each field change as its own WAL op, keeps the
// field's before-image for undo, and re-counts the record's bytes. Commands only read the Map.
//
// Stored form (segments, the WAL's PUT of a whole hash; little endian, varints as in
// segment-format.ts):
//   flags u8 (bit 0: hashtable encoding) | count varint | ( fieldLen varint | field | valueLen varint | value ) × count
// Fields are in the Map's order, so a hash read back keeps the order Redis's listpack keeps.

import { Reader, varintLength, writeVarint } from './segment-format.js'

export interface HashValue {
  readonly type: 'hash'
  /**
   * Field to value, both latin1 strings (one char per byte). Insertion order is listpack order:
   * a new field goes last, an update keeps its place, HDEL closes the gap.
   */
  readonly fields: Map<string, string>
  /** Bytes of every field and value (quotas, MEMORY USAGE). */
  dataBytes: number
  /**
   * Redis's hashtable encoding: set once the hash outgrew hash-max-listpack-entries or one of its
   * fields or values outgrew hash-max-listpack-value, and never cleared (Redis never converts
   * back), also when the hash shrinks.
   */
  hashtable: boolean
}

/** hash-max-listpack-entries and hash-max-listpack-value: when a hash turns into a hashtable. */
export interface HashLimits {
  readonly entries: number
  readonly value: number
}


const HASHTABLE_FLAG = 1

/**
 * What one field costs on the heap beside its bytes: the Map's entry and the two strings'
 * headers. The figure the memory budget and MEMORY USAGE count, measured roughly (a Map entry of
 * two short strings is 60-90 bytes on Node 20).
 */
export const FIELD_OVERHEAD = 64
/** What a hash costs on the heap beside its fields: the value object and the empty Map. */
export const HASH_OVERHEAD = 200

export const newHash = (): HashValue => ({ type: 'hash', fields: new Map(), dataBytes: 0, hashtable: false })

/** A hash of these fields, in this order. */
export const hashOf = (pairs: Iterable<readonly [string, string]>, hashtable = false): HashValue => {
  const hash = newHash()
  hash.hashtable = hashtable
  for (const [field, value] of pairs) setField(hash, field, value)
  return hash
}

/** A copy that shares nothing mutable with `hash` (COPY, a flush's snapshot). */
export const copyHash = (hash: HashValue): HashValue => ({ type: 'hash', fields: new Map(hash.fields), dataBytes: hash.dataBytes, hashtable: hash.hashtable })

/** Sets one field, keeping dataBytes; returns the value it replaced. Only the keyspace calls it on a stored hash. */
export const setField = (hash: HashValue, field: string, value: string): string | undefined => {
  const old = hash.fields.get(field)
  hash.fields.set(field, value)
  hash.dataBytes += old === undefined ? field.length + value.length : value.length - old.length
  return old
}

/** Removes one field, keeping dataBytes; returns its value. Only the keyspace calls it on a stored hash. */
export const deleteField = (hash: HashValue, field: string): string | undefined => {
  const old = hash.fields.get(field)
  if (old === undefined) return undefined
  hash.fields.delete(field)
  hash.dataBytes -= field.length + old.length
  return old
}

/** Whether a hash with a field and value of these lengths, and `count` fields, is past the listpack limits. */
export const outgrowsListpack = (count: number, fieldLength: number, valueLength: number, limits: HashLimits): boolean =>
  count > limits.entries || fieldLength > limits.value || valueLength > limits.value

/** The encoding a hash built whole gets (RESTORE, a hash read from a DUMP): Redis checks every field. */
export const settleEncoding = (hash: HashValue, limits: HashLimits): void => {
  if (hash.hashtable) return
  if (hash.fields.size > limits.entries) {
    hash.hashtable = true
    return
  }
  for (const [field, value] of hash.fields) {
    if (field.length > limits.value || value.length > limits.value) {
      hash.hashtable = true
      return
    }
  }
}

/** The memory a resident hash takes, as the memory budget and MEMORY USAGE count it. */
export const hashMemoryBytes = (hash: HashValue): number => HASH_OVERHEAD + hash.dataBytes + hash.fields.size * FIELD_OVERHEAD

/** The stored form (see the top of this file). */
export const encodeHash = (hash: HashValue): Buffer => {
  let length = 1 + varintLength(hash.fields.size)
  for (const [field, value] of hash.fields) length += varintLength(field.length) + field.length + varintLength(value.length) + value.length
  const out = Buffer.allocUnsafe(length)
  out[0] = hash.hashtable ? HASHTABLE_FLAG : 0
  let at = writeVarint(out, 1, hash.fields.size)
  for (const [field, value] of hash.fields) {
    at = writeVarint(out, at, field.length)
    at += out.write(field, at, 'latin1')
    at = writeVarint(out, at, value.length)
    at += out.write(value, at, 'latin1')
  }
  return out
}

export class HashFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'HashFormatError'
  }
}

/**
 * The hash `bytes` hold (the stored form); HashFormatError for anything else: unknown flags, a
 * length past the end, bytes left over, a field twice.
 */
export const decodeHash = (bytes: Buffer): HashValue => {
  if (bytes.length === 0) throw new HashFormatError('empty hash value')
  const flags = bytes[0]!
  if ((flags & ~HASHTABLE_FLAG) !== 0) throw new HashFormatError(`unknown hash flags ${flags}`)
  const hash = newHash()
  hash.hashtable = (flags & HASHTABLE_FLAG) !== 0
  try {
    const r = new Reader(bytes, 1, bytes.length)
    const count = r.varint()
    if (count === 0) throw new HashFormatError('a stored hash has no fields')
    for (let i = 0; i < count; i++) {
      const fieldLength = r.varint()
      const fieldAt = r.skip(fieldLength)
      const valueLength = r.varint()
      const valueAt = r.skip(valueLength)
      const field = bytes.toString('latin1', fieldAt, fieldAt + fieldLength)
      if (hash.fields.has(field)) throw new HashFormatError(`field ${i} repeats an earlier field`)
      setField(hash, field, bytes.toString('latin1', valueAt, valueAt + valueLength))
    }
    if (r.pos !== bytes.length) throw new HashFormatError(`${bytes.length - r.pos} bytes after the last field`)
  } catch (e) {
    if (e instanceof HashFormatError) throw e
    throw new HashFormatError(`truncated hash value: ${(e as Error).message}`)
  }
  return hash
}
