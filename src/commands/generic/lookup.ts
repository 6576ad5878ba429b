// Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH), used by EXISTS, TYPE, the TTL family and
// OBJECT: a read that counts a keyspace hit or miss (INFO stats) but leaves the access time
// alone. Keyspace.get touches and Keyspace.peek counts nothing, so the counting happens here,
// on the server's stats, which are the counters every keyspace of the server bumps. A miss is
// notified (`keymiss`) as Keyspace.get notifies one, except for OBJECT (LOOKUP_NONOTIFY).

import type { Entry } from '../../storage/keyspace.js'
import type { CommandContext } from '../spec.js'
import { NOTIFY_KEY_MISS } from '../../storage/keyspace-events.js'

export const readNoTouch = (ctx: CommandContext, key: Buffer, notify = true): Entry | undefined => {
  const db = ctx.session.db
  const entry = db.peek(key)
  if (entry === undefined) {
    ctx.server.stats.misses++
    if (notify) db.notify(NOTIFY_KEY_MISS, 'keymiss', key)
  } else ctx.server.stats.hits++
  return entry
}
