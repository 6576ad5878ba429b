// A value's type tag and bytes as the WAL's PUT and the segments store them. One statement of
// the mapping for every layer that writes a value out or reads one back (flush, staging,
// recovery, replay), so a new type is added here and nowhere else.

import { decodeHash, encodeHash } from './hash-value.js'
import type { Value } from './keyspace.js'

/** Type tags of stored values (WAL ops, segment entries); new types append, never renumber. */
export const TYPE_STRING = 0
/** A whole hash (hash-value.ts). Phase 2's per-field hashes will take a tag of their own. */
export const TYPE_HASH = 1

export class StoredValueError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoredValueError'
  }
}

export const typeTagOf = (value: Value): number => (value.type === 'string' ? TYPE_STRING : TYPE_HASH)

/**
 * The bytes of a value as stored. A string's are its own bytes (no copy); a hash's are encoded
 * anew, so they are a snapshot that later changes to the hash leave alone.
 */
export const storedBytesOf = (value: Value): Buffer => (value.type === 'string' ? value.data : encodeHash(value))

/** Whether a tag names a type this build knows. */
export const isKnownTypeTag = (type: number): boolean => type === TYPE_STRING || type === TYPE_HASH

/**
 * The value stored as `bytes` under `type`. A string keeps `bytes` (the caller hands over bytes
 * it owns); StoredValueError for an unknown tag, HashFormatError for a hash that does not decode.
 */
export const decodeStoredValue = (type: number, bytes: Buffer): Value => {
  if (type === TYPE_STRING) return { type: 'string', data: bytes }
  if (type === TYPE_HASH) return decodeHash(bytes)
  throw new StoredValueError(`unknown value type ${type}`)
}
