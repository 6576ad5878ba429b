// What the transaction commands share: ending a transaction (Redis's discardTransaction), and
// the connection's watches.

import type { MemoryKeyspace } from '../../storage/memory-keyspace.js'
import { WatchedKeys } from '../../storage/watches.js'
import type { Session } from '../spec.js'

/** Leaves MULTI, if in it, and forgets every watched key (EXEC, DISCARD, RESET, a refused EXEC). */
export const endTransaction = (session: Session): void => {
  session.multi = undefined
  unwatch(session)
}

/** UNWATCH: forgets the watched keys, and that one of them changed. */
export const unwatch = (session: Session): void => {
  const watching = session.watching
  if (watching === undefined) return
  watching.unwatchAll()
  session.watching = undefined
}

/** WATCH of `key` in the connection's current database. */
export const watchKey = (session: Session, key: Buffer): void => {
  // Every database is a MemoryKeyspace (storage/keyspaces.ts): the watches live on it.
  ;(session.watching ??= new WatchedKeys()).watch(session.db as MemoryKeyspace, key)
}
