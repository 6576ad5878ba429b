// Applying decoded ops (WAL records) to the keyspaces they name.

import type { Keyspaces } from '../storage/keyspaces.js'
import type { OpVisitor } from './ops.js'

/** An OpVisitor that applies ops to the keyspaces (which copy values out of the read buffers). */
export const applyTo = (keyspaces: Keyspaces): OpVisitor => ({
  put(space, key, value, expiresAt) {
    keyspaces.get(space).set(key, { type: value.type, data: value.data }, expiresAt)
  },
  del(space, key) {
    keyspaces.get(space).deleteReplayed(key)
  },
  expire(space, key, expiresAt) {
    keyspaces.get(space).setExpiry(key, expiresAt)
  },
  flushDb(space, gen) {
    keyspaces.get(space).flushTo(gen)
  },
  flushAll() {
    for (const keyspace of keyspaces.all) keyspace.flush()
  },
})
