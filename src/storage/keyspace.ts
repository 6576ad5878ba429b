// The storage interface every command goes through. One Keyspace is one logical database
// (SELECT n). The in-memory implementation is memory-keyspace.ts; the LSM store will implement
// the same interface, so no command may reach around it.
//
// Keys are bytes. Callers pass Buffers; implementations may hold keys in another form (the
// memory keyspace keeps latin1 strings, which map bytes 1:1 and compare in byte order).

import { deleteField, newHash, setField, type HashValue } from './hash-value.js'

export type { HashValue } from './hash-value.js'

/** A typed value. The type tag leaves room for list, set and zset. */
export type Value = StringValue | HashValue

export interface StringValue {
  readonly type: 'string'
  readonly data: Buffer
  /**
   * Made in place by APPEND or SETRANGE, which Redis encodes raw whatever the bytes (OBJECT
   * ENCODING). Kept while the record is in memory; a value read back from disk or the log has
   * lost it, as a string loaded from an RDB file has in Redis.
   */
  readonly raw?: boolean
}

export type ValueType = Value['type']

/**
 * How a new string value differs from the one it replaces: `bytes` written at `offset` (zero
 * bytes fill any gap). APPEND and SETRANGE say so, so that the log can record the change instead
 * of the whole string.
 */
export interface Patch {
  readonly offset: number
  readonly bytes: Buffer
}

/**
 * `old` (none: empty) with the patches applied oldest first, given newest first (as replay
 * collects them): one new Buffer, grown as the patches need, however many there are.
 */
export const applyPatches = (old: Buffer | undefined, newestFirst: readonly Patch[]): Buffer => {
  let length = old === undefined ? 0 : old.length
  let end = length
  for (const { offset, bytes } of newestFirst) end = Math.max(end, offset + bytes.length)
  const data = Buffer.allocUnsafe(end)
  if (old !== undefined) data.set(old)
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const { offset, bytes } = newestFirst[i]!
    if (offset > length) data.fill(0, length, offset)
    data.set(bytes, offset)
    length = Math.max(length, offset + bytes.length)
  }
  return data
}

/** `old` (none: empty) with one patch applied, as applyPatches. */
export const applyPatch = (old: Buffer | undefined, patch: Patch): Buffer => applyPatches(old, [patch])

/**
 * One field of a hash set (`value`) or removed (undefined), as the log records HSET and HDEL
 * (ops.ts); `hashtable` is the hash's encoding after the change.
 */
export interface FieldEdit {
  readonly field: Buffer
  readonly value: Buffer | undefined
  readonly hashtable: boolean
}

/** A change logged as what it changes rather than as the whole value: a string's patch or a hash's field. */
export type Edit = Patch | FieldEdit

export const isPatch = (edit: Edit): edit is Patch => (edit as Patch).offset !== undefined

/**
 * `old` (none: absent) with the edits applied oldest first, given newest first (as replay
 * collects them): patches write into a string (a key absent, or of another type, starts as an
 * empty string), field edits into a hash (likewise an empty hash). A hash in `old` is changed in
 * place. Undefined when the last field went.
 */
export const applyEdits = (old: Value | undefined, newestFirst: readonly Edit[]): Value | undefined => {
  let value = old
  let i = newestFirst.length
  while (i > 0) {
    if (isPatch(newestFirst[i - 1]!)) {
      let j = i - 1
      while (j > 0 && isPatch(newestFirst[j - 1]!)) j--
      const data = applyPatches(value?.type === 'string' ? value.data : undefined, newestFirst.slice(j, i) as Patch[])
      value = { type: 'string', data }
      i = j
      continue
    }
    const edit = newestFirst[--i] as FieldEdit
    const hash = value?.type === 'hash' ? value : newHash()
    const field = edit.field.toString('latin1')
    if (edit.value === undefined) deleteField(hash, field)
    else {
      setField(hash, field, edit.value.toString('latin1'))
      hash.hashtable = edit.hashtable
    }
    value = hash.fields.size === 0 ? undefined : hash
  }
  return value
}

export interface Entry {
  readonly value: Value
  /**
   * Absolute expiry in milliseconds since the Unix epoch; 0 means no expiry. The key is expired
   * once the clock is past it (now > expiresAt), as Redis's keyIsExpired.
   */
  readonly expiresAt: number
  /** Last access time in milliseconds (for OBJECT IDLETIME). */
  readonly accessedAt: number
}

/**
 * The latest expiry storage holds. Expiry times are safe integers everywhere they are kept (WAL
 * ops, record table, segments, which refuse others); Redis accepts any int64 of milliseconds.
 * Commands store a later time as this one (year 287396): no clock reaches either, so only
 * EXPIRETIME, TTL and GT/LT comparisons between two such times can tell.
 */
export const MAX_EXPIRES_AT = Number.MAX_SAFE_INTEGER

/** Whether an expiry (Entry.expiresAt) has passed at `now`: Redis's keyIsExpired. */
export const isExpiredAt = (expiresAt: number, now: number): boolean => expiresAt !== 0 && now > expiresAt

export interface ScanResult {
  /** 0 when the iteration is complete. */
  readonly cursor: number
  readonly keys: Buffer[]
}

export interface Keyspace {
  /** Number of keys, including keys that have expired but are not yet reclaimed. */
  readonly size: number
  /** Number of keys that carry an expiry. */
  readonly volatileCount: number
  /** Records held in memory (live or expired), not counting keys only on disk. */
  readonly residentCount: number

  /**
   * The live entry, or undefined. An expired key found here is deleted (lazy expiry). Updates the
   * access time and counts a keyspace hit or miss.
   */
  get(key: Buffer): Entry | undefined
  /**
   * get for a value that goes into the running command's reply, unchanged: a string's bytes may
   * be a view that holds only until the current synchronous pass of the event loop ends (the
   * batch's replies are encoded within it). The reply says so (transientBulk), so that whoever
   * holds it longer copies it first (detachReplies). The entry itself may be refilled by the next
   * call: read what the reply needs from it before reading another key.
   */
  getForReply(key: Buffer): Entry | undefined
  /**
   * A hint before a batch of commands runs: brings what their first keys (argv[1]) will touch
   * into the cache. It changes nothing; implementations may ignore it.
   */
  warm?(commands: readonly (readonly Uint8Array[])[]): void
  /** Like get, but leaves the access time alone (TOUCH-free reads such as OBJECT IDLETIME). */
  peek(key: Buffer): Entry | undefined
  /**
   * Stores a value; expiresAt 0 means persistent. Replaces any previous value and type. The
   * bytes are copied: the caller may reuse its Buffer (argv views into a read buffer, say).
   */
  set(key: Buffer, value: Value, expiresAt: number): void
  /**
   * Writes `patch` into the live string at `key` (the caller has checked there is one), keeping
   * its expiry; returns the string's new length. The result is raw (StringValue.raw).
   */
  patch(key: Buffer, patch: Patch): number
  /**
   * Sets `field` of the hash at `key` to `value`, keeping the key's expiry; a key absent (or
   * expired) becomes a new hash. The caller has checked that the key holds a hash or nothing.
   * Only the field is logged. `hashtable` is the hash's encoding after the change, as the command
   * decides it from hash-max-listpack-* (never back: a hashtable stays one).
   * Returns true when the field is new.
   */
  hashSet(key: Buffer, field: Buffer, value: Buffer, hashtable: boolean): boolean
  /**
   * Removes `field` from the live hash at `key` (the caller has checked it holds one); the key
   * goes with its last field, as Redis deletes an emptied hash. Returns whether the field was
   * there.
   */
  hashDelete(key: Buffer, field: Buffer): boolean
  /** Changes the expiry of an existing live key; returns false if the key does not exist. */
  setExpiry(key: Buffer, expiresAt: number): boolean
  /** Returns true if a live key was removed. */
  delete(key: Buffer): boolean
  /**
   * Publishes keyspace notification `event` (Redis's name) of class `type` (NOTIFY_*,
   * keyspace-events.ts) about `key`, if notify-keyspace-events enables the class. Commands call
   * it for the events only they can name, after the change, as Redis's notifyKeyspaceEvent.
   */
  notify(type: number, event: string, key: Buffer): void
  /**
   * Whether notify(type, …) would publish anything now: a command that has to look something up
   * only to tell whether an event is due (RENAME's `new`) asks this first, so that with
   * notifications off the event costs it this one flag test.
   */
  notifies(type: number): boolean
  /** Marks a key accessed without reading its value (TOUCH). Returns true if it exists. */
  touch(key: Buffer): boolean

  /** Live keys in byte order, starting after `after` when given. */
  keys(after?: Buffer): IterableIterator<Buffer>
  /** Live keys that start with `prefix`, in byte order; only that key range is visited. */
  keysWithPrefix(prefix: Buffer): IterableIterator<Buffer>
  /**
   * One SCAN step: visits about `count` keys from the cursor, returning those `accept` keeps.
   * Guarantee (as Redis's): a key present for the whole iteration is returned at least once.
   * With a prefix, the iteration ends (cursor 0) at the first key past the prefix's range.
   */
  scan(
    cursor: number,
    count: number,
    accept?: (key: Buffer, entry: Entry) => boolean,
    /** Only keys starting with these bytes can match: visit just that key range. */
    prefix?: Buffer,
  ): ScanResult
  /** A uniformly chosen live key, or undefined when empty. */
  randomKey(): Buffer | undefined
  /** Removes every key. */
  flush(): void

  /**
   * Active expiry: examines keys that carry a TTL and deletes the expired ones, stopping once
   * `deadline` (ms, performance.now() clock) passes or too few of the sampled keys were expired.
   * Returns the number of keys deleted.
   */
  expireCycle(deadline: number): number
}

/** The wall clock in milliseconds; injected so specs can drive expiry deterministically. */
export type Clock = () => number

/** Counters a keyspace bumps; shared by all databases of a server (INFO stats). */
export interface KeyspaceStats {
  /** get() found a live key. */
  hits: number
  /** get() found nothing. */
  misses: number
  /** Keys removed because their TTL passed (lazily or by the active cycle). */
  expiredKeys: number
}

export const newKeyspaceStats = (): KeyspaceStats => ({ hits: 0, misses: 0, expiredKeys: 0 })
