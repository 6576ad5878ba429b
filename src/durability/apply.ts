// Applying decoded ops (WAL records) to the databases.

import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import type { OpVisitor } from './ops.js'

/** An OpVisitor that applies ops to the databases. Values are copied out of the read buffers. */
export const applyTo = (databases: readonly MemoryKeyspace[]): OpVisitor => {
  const db = (n: number): MemoryKeyspace => {
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
      db(n).deleteReplayed(key)
    },
    expire(n, key, expiresAt) {
      db(n).setExpiry(key, expiresAt)
    },
    flushDb(n, gen) {
      const keyspace = db(n)
      keyspace.flushTo(gen ?? keyspace.generation + 1)
    },
    flushAll() {
      for (const keyspace of databases) keyspace.flush()
    },
  }
}
