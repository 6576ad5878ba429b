// Applying decoded ops (WAL records) to the keyspaces they name.

import type { Keyspaces } from '../storage/keyspaces.js'
import type { OpVisitor } from './ops.js'

/** An OpVisitor that applies ops to the keyspaces (which copy values out of the read buffers). */
export const applyTo = (keyspaces: Keyspaces): OpVisitor => ({
  // A key whose expiry has already passed is replayed as deleted: its reclaim (a DEL) may lie
  // beyond a torn tail, and replaying its value would bring back, as an expired key DBSIZE
  // counts, a key that was gone.
  put(space, key, value, expiresAt) {
    const db = keyspaces.get(space)
    if (db.hasExpired(expiresAt)) db.deleteReplayed(key)
    else db.set(key, { type: value.type, data: value.data }, expiresAt)
  },
  del(space, key) {
    keyspaces.get(space).deleteReplayed(key)
  },
  expire(space, key, expiresAt) {
    const db = keyspaces.get(space)
    if (db.hasExpired(expiresAt)) db.deleteReplayed(key)
    else db.setExpiry(key, expiresAt)
  },
  flushDb(space, gen) {
    keyspaces.get(space).flushTo(gen)
  },
  flushAll() {
    for (const keyspace of keyspaces.all) keyspace.flush()
  },
})
