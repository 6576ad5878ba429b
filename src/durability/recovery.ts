// Start-up: every WAL record after the store's checkpoint LSN, applied to the keyspaces in LSM
// order. Nothing is loaded from the segments: a database with keys on disk starts incomplete and
// reads them on demand (staging), so start-up time depends on the WAL's tail, not on the data
// size. Runs before the listener opens, with the journal switched off. Replayed changes stay
// dirty, so the next flush writes them to a segment.

import type { Keyspaces } from '../storage/keyspaces.js'
import type { LsmStore } from '../storage/lsm-store.js'
import type { Wal } from '../wal/wal.js'
import { decodeOps, OpsFormatError } from './ops.js'
import { encodeStoreKey } from '../storage/store-keys.js'
import { applyTo } from './apply.js'

export interface RecoveryResult {
  readonly checkpointLsn: number
  readonly records: number
  /** Ops in the records replayed. */
  readonly ops: number
  readonly lastLsn: number
}

export const recover = async (
  keyspaces: Keyspaces,
  store: LsmStore,
  wal: Wal,
): Promise<RecoveryResult> => {
  // Keyspaces with keys in the store start incomplete; they are counted after start-up.
  keyspaces.attachStore(store)
  const visitor = applyTo(keyspaces)
  const checkpointLsn = store.checkpointLsn
  let records = 0
  let ops = 0
  const count = (): void => {
    ops++
  }
  let lastLsn = checkpointLsn
  keyspaces.deferIndexes()
  try {
    for (;;) {
      const batch = await wal.read(checkpointLsn)
      if (batch.length === 0) break
      for (const record of batch) {
        try {
          // An EXPIRE changes a value the replay may not have in memory: read it from disk first.
          const reads: Promise<void>[] = []
          decodeOps(record.payload, {
            put: count,
            del: count,
            flushDb: count,
            flushAll: count,
            expire(n, key, expiresAt) {
              ops++
              const db = keyspaces.get(n)
              // A passed expiry is replayed as a delete, which needs no value.
              if (db.complete || db.hasExpired(expiresAt) || db.known(key.toString('latin1'))) return
              const copy = Buffer.from(key)
              reads.push(
                store.lookup(encodeStoreKey(n, db.generation, key.toString('latin1'))).then((entry) => {
                  if (entry?.kind === 'put') db.install(copy, { type: 'string', data: Buffer.from(entry.value) }, entry.expiresAt)
                }),
              )
            },
          })
          await Promise.all(reads)
          decodeOps(record.payload, visitor)
        } catch (e) {
          if (e instanceof OpsFormatError) {
            throw new Error(`WAL record ${record.lsn} holds an invalid op at payload offset ${e.offset}: ${e.message}`)
          }
          throw e
        }
        records++
        lastLsn = record.lsn
      }
    }
  } finally {
    keyspaces.endDeferredIndexes()
  }
  return { checkpointLsn, records, ops, lastLsn }
}
