// Start-up: the records in the LSM store's segments, then every WAL record after the store's
// checkpoint LSN, applied to the databases in LSM order. Runs before the listener opens, with the
// journal switched off. Replayed changes stay dirty, so the next flush writes them to a segment.

import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import type { LsmStore } from '../storage/lsm-store.js'
import type { Wal } from '../wal/wal.js'
import { decodeOps, OpsFormatError } from './ops.js'
import { applyTo } from './apply.js'

export interface RecoveryResult {
  readonly storedKeys: number
  readonly checkpointLsn: number
  readonly records: number
  readonly lastLsn: number
}

export const recover = async (
  databases: readonly MemoryKeyspace[],
  store: LsmStore,
  wal: Wal,
  now: number,
): Promise<RecoveryResult> => {
  let storedKeys = 0
  for await (const record of store.liveRecords(now)) {
    const db = databases[record.db]
    if (db === undefined) {
      throw new Error(`the store holds data for database ${record.db}, but 'databases' is ${databases.length}`)
    }
    db.set(record.key, { type: record.value.type, data: Buffer.from(record.value.data) }, record.expiresAt)
    storedKeys++
  }
  // What came from the segments is already on disk: only the WAL's changes are dirty.
  for (const db of databases) db.takeDirty()
  const visitor = applyTo(databases)
  const checkpointLsn = store.checkpointLsn
  let records = 0
  let lastLsn = checkpointLsn
  for (;;) {
    const batch = await wal.read(checkpointLsn)
    if (batch.length === 0) break
    for (const record of batch) {
      try {
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
  return { storedKeys, checkpointLsn, records, lastLsn }
}
