// Start-up: the snapshot, then every WAL record after the snapshot's start LSN, applied to the
// databases in LSN order. Runs before the listener opens, with the journal switched off.

import type { Keyspace } from '../storage/keyspace.js'
import type { Wal } from '../wal/wal.js'
import { decodeOps, OpsFormatError } from './ops.js'
import { applyTo } from './apply.js'
import { readSnapshot } from './snapshot.js'

export interface RecoveryResult {
  readonly snapshotKeys: number
  readonly snapshotLsn: number
  readonly records: number
  readonly lastLsn: number
}

export const recover = async (
  databases: readonly Keyspace[],
  snapshotDir: string,
  wal: Wal,
): Promise<RecoveryResult> => {
  const visitor = applyTo(databases)
  const snapshot = await readSnapshot(snapshotDir, visitor)
  let records = 0
  let lastLsn = snapshot.startLsn
  for (;;) {
    const batch = await wal.read(snapshot.startLsn)
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
  return { snapshotKeys: snapshot.keys, snapshotLsn: snapshot.startLsn, records, lastLsn }
}
