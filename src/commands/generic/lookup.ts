// Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH), used by EXISTS, TYPE, the TTL family and
// OBJECT: a read that counts a keyspace hit or miss (INFO stats) but leaves the access time
// alone. Keyspace.get touches and Keyspace.peek counts nothing, so the counting happens here,
// on the server's stats, which are the counters every keyspace of the server bumps.

import type { Entry } from '../../storage/keyspace.js'
import type { CommandContext } from '../spec.js'

export const readNoTouch = (ctx: CommandContext, key: Buffer): Entry | undefined => {
  const entry = ctx.session.db.peek(key)
  if (entry === undefined) ctx.server.stats.misses++
  else ctx.server.stats.hits++
  return entry
}
