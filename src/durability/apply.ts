// Applying decoded ops (WAL records) to the keyspaces they name.

import type { Keyspaces } from '../storage/keyspaces.js'
import type { OpVisitor } from './ops.js'

/**
 * An OpVisitor that applies ops to the keyspaces (which copy values out of the read buffers).
 * A value or an EXPIRE whose time has passed by now is still applied: a later PERSIST or EXPIRE
 * in the log may have changed the key while it was live. The caller ends the replay with
 * dropExpiredAfterReplay on each keyspace, which deletes what has expired: its reclaim (a DEL)
 * may lie beyond a torn tail, and keeping its value would bring back, as an expired key DBSIZE
 * counts, a key that was gone.
 */
export const applyTo = (keyspaces: Keyspaces): OpVisitor => ({
  put(space, key, value, expiresAt) {
    keyspaces.get(space).set(key, value, expiresAt)
  },
  del(space, key) {
    keyspaces.get(space).deleteReplayed(key)
  },
  expire(space, key, expiresAt) {
    keyspaces.get(space).setExpiryReplayed(key, expiresAt)
  },
  setRange(space, key, offset, bytes) {
    keyspaces.get(space).editsReplayed(key, [{ offset, bytes }])
  },
  hashField(space, key, field, value, hashtable) {
    keyspaces.get(space).editsReplayed(key, [{ field, value, hashtable }])
  },
  flushDb(space, gen) {
    keyspaces.get(space).flushTo(gen)
  },
  flushAll() {
    for (const keyspace of keyspaces.all) keyspace.flush()
  },
  databaseMap(tenant, moved) {
    keyspaces.assignMap(tenant, moved)
  },
})
