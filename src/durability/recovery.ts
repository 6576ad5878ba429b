// Start-up: every WAL record after the store's checkpoint LSN, applied to the keyspaces.
// Nothing is loaded from the segments: a database with keys on disk starts incomplete and reads
// them on demand (staging), so start-up time depends on the WAL's tail, not on the data size.
// Runs before the listener opens, with the journal switched off. Replayed changes stay dirty, so
// the next flush writes them to a segment.
//
// The tail is applied newest op first. Ops are after images (ops.ts), so the newest PUT or DEL
// of a key decides it, and every older op of that key costs one hash lookup instead of a write
// into the memtable: a tail of a million SETs over 100,000 keys applies 100,000 of them. That is
// what lets checkpoints, each a flush of every changed key, come further apart when writes go to
// few keys (checkpoint.ts counts a tail's cost that way). It needs the tail in memory; a tail
// above holdBytes (the checkpoint thresholds keep it far below), or one holding the FLUSHALL op
// of old logs, is applied in log order instead (apply.ts), ending with the drop of what has
// expired.

import type { Keyspaces } from '../storage/keyspaces.js'
import type { LsmStore } from '../storage/lsm-store.js'
import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import type { Wal, WalRecord } from '../wal/wal.js'
import { decodeDatabaseMap, decodeOps, opEnd, OpsFormatError, OP_DBMAP, OP_DEL, OP_EXPIRE, OP_FLUSHALL, OP_FLUSHGEN, OP_HDEL, OP_HSET, OP_SETRANGE, readInt64, truncatedOp } from './ops.js'
import { applyEdits, type Edit, type Value } from '../storage/keyspace.js'
import { decodeStoredValue } from '../storage/stored-value.js'
import { HashFormatError } from '../storage/hash-value.js'
import { encodeStoreKey } from '../storage/store-keys.js'
import { viewOf } from '../protocol/buffer-view.js'
import { applyTo } from './apply.js'

export interface RecoveryResult {
  readonly checkpointLsn: number
  readonly records: number
  /** Ops in the records replayed. */
  readonly ops: number
  readonly lastLsn: number
}

/** The most of a tail held in memory to be applied newest op first. */
export const HOLD_BYTES = 256 * 1024 * 1024
/** Store reads in flight at once for EXPIREs of keys only the store holds. */
const READS_AT_ONCE = 256

export const recover = async (
  keyspaces: Keyspaces,
  store: LsmStore,
  wal: Wal,
  holdBytes = HOLD_BYTES,
): Promise<RecoveryResult> => {
  // Keyspaces with keys in the store start incomplete; they are counted after start-up.
  keyspaces.attachStore(store)
  const checkpointLsn = store.checkpointLsn
  let records = 0
  let ops = 0
  let lastLsn = checkpointLsn
  let held: WalRecord[] | undefined = []
  let heldBytes = 0
  keyspaces.deferIndexes()
  try {
    for (;;) {
      const batch = await wal.read(checkpointLsn)
      if (batch.length === 0) break
      for (const record of batch) {
        records++
        lastLsn = record.lsn
        if (held === undefined) {
          ops += await applyInOrder(keyspaces, store, record)
          continue
        }
        held.push(record)
        heldBytes += record.payload.length
        if (heldBytes <= holdBytes) continue
        for (const r of held) ops += await applyInOrder(keyspaces, store, r)
        held = undefined
      }
    }
    if (held !== undefined) ops += await applyNewestFirst(keyspaces, store, held)
    else for (const keyspace of keyspaces.all) keyspace.dropExpiredAfterReplay()
  } finally {
    keyspaces.endDeferredIndexes()
  }
  return { checkpointLsn, records, ops, lastLsn }
}

const invalidOp = (record: WalRecord, e: unknown): unknown =>
  e instanceof OpsFormatError ? new Error(`WAL record ${record.lsn} holds an invalid op at payload offset ${e.offset}: ${e.message}`) : e

/** One record's ops in log order; returns their number. */
const applyInOrder = async (keyspaces: Keyspaces, store: LsmStore, record: WalRecord): Promise<number> => {
  let ops = 0
  const count = (): void => {
    ops++
  }
  try {
    // An EXPIRE, a SETRANGE or a hash's field changes a value the replay may not have in
    // memory: read it from disk first.
    const reads: Promise<void>[] = []
    const readFirst = (n: number, key: Buffer): void => {
      ops++
      const db = keyspaces.get(n)
      // Even when its time has passed: a later op of the log may change the key again.
      if (db.complete || db.known(key.toString('latin1'))) return
      const copy = Buffer.from(key)
      reads.push(readBack(store, db, copy))
    }
    decodeOps(record.payload, {
      put: count,
      del: count,
      flushDb: count,
      flushAll: count,
      databaseMap: count,
      expire: readFirst,
      setRange: readFirst,
      hashField: readFirst,
    })
    await Promise.all(reads)
    decodeOps(record.payload, applyTo(keyspaces))
  } catch (e) {
    throw invalidOp(record, e)
  }
  return ops
}

/** Installs `key` as the store holds it, if it does (not as changed: the store has it). */
const readBack = async (store: LsmStore, db: MemoryKeyspace, key: Buffer): Promise<void> => {
  const entry = await store.lookup(encodeStoreKey(db.space, db.generation, key.toString('latin1')))
  if (entry?.kind === 'put') db.install(key, decodeStoredValue(entry.type, Buffer.from(entry.value)), entry.expiresAt)
}

/** Where each op of the held records starts: its record's index and its offset in the payload. */
class OpPlaces {
  count = 0
  record = new Int32Array(4096)
  offset = new Int32Array(4096)

  push(record: number, offset: number): void {
    if (this.count === this.record.length) {
      const record = new Int32Array(this.count * 2)
      record.set(this.record)
      this.record = record
      const offsets = new Int32Array(this.count * 2)
      offsets.set(this.offset)
      this.offset = offsets
    }
    this.record[this.count] = record
    this.offset[this.count++] = offset
  }
}

/**
 * The held tail, newest op first; returns the number of ops. First a pass in log order checks
 * every op, creates the keyspaces in the order the log names them, and finds each keyspace's last
 * FLUSHDB, applied before anything else: only the ops after it count. Then, newest first, an op
 * applies only if no newer one decided its key. An EXPIRE newer than any PUT or DEL of its key
 * waits for the next older one (a PUT takes its expiry), or, with none in the tail, for the store.
 * So do SETRANGEs and a hash's field ops (edits), which need the value before them: the next older
 * PUT or DEL, or the store, gives it, and they are applied to it oldest first.
 */
const applyNewestFirst = async (keyspaces: Keyspaces, store: LsmStore, held: readonly WalRecord[]): Promise<number> => {
  const places = new OpPlaces()
  /** Per keyspace number, the place of its last FLUSHDB. */
  const lastFlush = new Map<number, number>()
  const flushes: { space: number; gen: number }[] = []
  for (let r = 0; r < held.length; r++) {
    const payload = held[r]!.payload
    for (let at = 0; at < payload.length; ) {
      const op = payload[at]!
      let end: number
      try {
        end = opEnd(payload, at)
        if (end < 0) throw truncatedOp(at)
      } catch (e) {
        throw invalidOp(held[r]!, e)
      }
      if (op === OP_FLUSHALL) return inOrder(keyspaces, store, held)
      if (op === OP_DBMAP) {
        // Databases map to keyspaces, which every other op names: in log order, apart from them.
        keyspaces.assignMap(payload.readUInt32LE(at + 1), decodeDatabaseMap(payload, at))
        at = end
        continue
      }
      const space = payload.readUInt32LE(at + 1)
      if (!keyspaces.get(space).tracksChanges) return inOrder(keyspaces, store, held)
      if (op === OP_FLUSHGEN) {
        lastFlush.set(space, places.count)
        flushes.push({ space, gen: payload.readUInt32LE(at + 5) })
      }
      places.push(r, at)
      at = end
    }
  }
  for (const { space, gen } of flushes) keyspaces.get(space).flushTo(gen)

  /** Per keyspace, the expiry of each key whose newest op is an EXPIRE still waiting. */
  const waiting = new Map<MemoryKeyspace, Map<string, number>>()
  /** Per keyspace, the edits (SETRANGE, HSET, HDEL) of each key not decided yet, newest first (views of the tail). */
  const patches = new Map<MemoryKeyspace, Map<string, Edit[]>>()
  let space = -1
  let db: MemoryKeyspace | undefined
  let flushedAt = -1
  for (let i = places.count - 1; i >= 0; i--) {
    const payload = held[places.record[i]!]!.payload
    const at = places.offset[i]!
    const op = payload[at]!
    if (op === OP_FLUSHGEN) continue
    const s = payload.readUInt32LE(at + 1)
    if (s !== space || db === undefined) {
      space = s
      db = keyspaces.get(s)
      flushedAt = lastFlush.get(s) ?? -1
    }
    if (i < flushedAt) continue
    const keyEnd = at + 9 + payload.readUInt32LE(at + 5)
    const key = viewOf(payload.buffer, payload.byteOffset + at + 9, keyEnd - at - 9)
    if (db.decidedByReplay(key)) continue
    const expiries = waiting.size === 0 ? undefined : waiting.get(db)
    const k = expiries === undefined ? undefined : key.toString('latin1')
    const newerExpiry = k === undefined ? undefined : expiries!.get(k)
    if (op === OP_EXPIRE) {
      if (newerExpiry !== undefined) continue
      let forDb = expiries
      if (forDb === undefined) waiting.set(db, (forDb = new Map()))
      forDb.set(k ?? key.toString('latin1'), readInt64(payload, keyEnd))
      continue
    }
    const patchesOfDb = patches.size === 0 ? undefined : patches.get(db)
    if (op === OP_SETRANGE || op === OP_HSET || op === OP_HDEL) {
      let forDb = patchesOfDb
      if (forDb === undefined) patches.set(db, (forDb = new Map()))
      const patchK = k ?? key.toString('latin1')
      let newer = forDb.get(patchK)
      if (newer === undefined) forDb.set(patchK, (newer = []))
      newer.push(editAt(payload, op, keyEnd))
      continue
    }
    if (newerExpiry !== undefined) expiries!.delete(k!)
    const newerPatches = patchesOfDb === undefined ? undefined : patchesOfDb.get(k ?? key.toString('latin1'))
    if (op === OP_DEL && newerPatches === undefined) {
      db.deleteReplayed(key)
      continue
    }
    let expiresAt: number
    let value: Value | undefined
    if (op === OP_DEL) {
      // As replay in log order would: the edits write into an absent key.
      expiresAt = newerExpiry ?? 0
    } else {
      expiresAt = newerExpiry ?? readInt64(payload, keyEnd + 1)
      value = storedValueAt(payload, keyEnd)
    }
    if (newerPatches !== undefined) {
      patchesOfDb!.delete(k ?? key.toString('latin1'))
      value = applyEdits(value, newerPatches)
    }
    if (value === undefined || db.hasExpired(expiresAt)) db.deleteReplayed(key)
    else db.set(key, value, expiresAt)
  }

  // Edits with no older PUT or DEL in the tail: applied to what the store holds of the key.
  let patchReads: Promise<void>[] = []
  const patching: [MemoryKeyspace, Buffer, Edit[]][] = []
  const settlePatches = async (): Promise<void> => {
    await Promise.all(patchReads)
    patchReads = []
    for (const [keyspace, key, newer] of patching) keyspace.editsReplayed(key, newer)
    patching.length = 0
  }
  for (const [keyspace, byKey] of patches) {
    for (const [k, newer] of byKey) {
      if (newer.length === 0) continue
      const key = Buffer.from(k, 'latin1')
      if (!keyspace.complete) patchReads.push(readBack(store, keyspace, key))
      patching.push([keyspace, key, newer])
      if (patchReads.length === READS_AT_ONCE) await settlePatches()
    }
  }
  await settlePatches()

  // EXPIREs with no older PUT or DEL in the tail: of keys only the store holds, if any.
  let reads: Promise<void>[] = []
  const expiring: [MemoryKeyspace, Buffer, number][] = []
  const settle = async (): Promise<void> => {
    await Promise.all(reads)
    reads = []
    for (const [keyspace, key, expiresAt] of expiring) keyspace.setExpiryReplayed(key, expiresAt)
    expiring.length = 0
  }
  for (const [keyspace, expiries] of waiting) {
    for (const [k, expiresAt] of expiries) {
      const key = Buffer.from(k, 'latin1')
      // A passed expiry is replayed as a delete, which needs no value.
      if (keyspace.hasExpired(expiresAt)) {
        keyspace.deleteReplayed(key)
        continue
      }
      // (A key the patches above installed is known: readBack leaves it.)
      if (!keyspace.complete) reads.push(readBack(store, keyspace, key))
      expiring.push([keyspace, key, expiresAt])
      if (reads.length === READS_AT_ONCE) await settle()
    }
  }
  await settle()
  return places.count
}

/** The edit (SETRANGE, HSET or HDEL, `op`) whose key ends at `keyEnd`, its bytes views of `payload`. */
const editAt = (payload: Buffer, op: number, keyEnd: number): Edit => {
  const view = (at: number, length: number): Buffer => viewOf(payload.buffer, payload.byteOffset + at, length)
  if (op === OP_SETRANGE) return { offset: readInt64(payload, keyEnd), bytes: view(keyEnd + 12, payload.readUInt32LE(keyEnd + 8)) }
  if (op === OP_HDEL) return { field: view(keyEnd + 4, payload.readUInt32LE(keyEnd)), value: undefined, hashtable: false }
  const fieldLength = payload.readUInt32LE(keyEnd + 1)
  const fieldEnd = keyEnd + 5 + fieldLength
  return { field: view(keyEnd + 5, fieldLength), value: view(fieldEnd + 4, payload.readUInt32LE(fieldEnd)), hashtable: (payload[keyEnd]! & 1) !== 0 }
}

/** The value of the PUT whose key ends at `keyEnd` (a string: a view of `payload`). */
const storedValueAt = (payload: Buffer, keyEnd: number): Value => {
  const bytes = viewOf(payload.buffer, payload.byteOffset + keyEnd + 13, payload.readUInt32LE(keyEnd + 9))
  try {
    return decodeStoredValue(payload[keyEnd]!, bytes)
  } catch (e) {
    if (e instanceof HashFormatError) throw new OpsFormatError(`invalid hash value at offset ${keyEnd + 13}: ${e.message}`, keyEnd + 13)
    throw e
  }
}

const inOrder = async (keyspaces: Keyspaces, store: LsmStore, held: readonly WalRecord[]): Promise<number> => {
  let ops = 0
  for (const record of held) ops += await applyInOrder(keyspaces, store, record)
  for (const keyspace of keyspaces.all) keyspace.dropExpiredAfterReplay()
  return ops
}
