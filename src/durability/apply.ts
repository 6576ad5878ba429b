// Applying decoded ops (WAL records) to the databases.

import type { Keyspace } from '../storage/keyspace.js'
import type { OpVisitor } from './ops.js'

/** An OpVisitor that applies ops to the databases. Values are copied out of the read buffers. */
export const applyTo = (databases: readonly Keyspace[]): OpVisitor => {
  const db = (n: number): Keyspace => {
    const keyspace = databases[n]
    if (keyspace === undefined) {
      throw new Error(`the log holds data for database ${n}, but 'databases' is ${databases.length}`)
    }
    return keyspace
  }
  return {
    put(n, key, value, expiresAt) {
      db(n).set(key, { type: value.type, data: Buffer.from(value.data) }, expiresAt)
    },
    del(n, key) {
      db(n).delete(key)
    },
    expire(n, key, expiresAt) {
      db(n).setExpiry(key, expiresAt)
    },
    flushDb(n) {
      db(n).flush()
    },
    flushAll() {
      for (const keyspace of databases) keyspace.flush()
    },
  }
}
