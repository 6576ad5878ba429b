// The shared body of TTL, PTTL, EXPIRETIME and PEXPIRETIME (Redis's ttlGenericCommand):
// -2 for a missing key, -1 for a key without expiry, else the remaining or absolute time.

import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandContext } from '../spec.js'
import { readNoTouch } from './lookup.js'

export const ttlGeneric = (ctx: CommandContext, key: Buffer, ms: boolean, absolute: boolean): Reply => {
  // Reading a TTL is not an access: the idle time stays as it was.
  const entry = readNoTouch(ctx, key)
  if (entry === undefined) return integer(-2)
  if (entry.expiresAt === 0) return integer(-1)
  let t = absolute ? entry.expiresAt : entry.expiresAt - ctx.server.now()
  if (t < 0) t = 0
  // Seconds round to nearest, as Redis's (ttl + 500) / 1000. Expiry times are safe integers
  // (MAX_EXPIRES_AT), so these are too.
  return integer(ms ? t : Math.floor((t + 500) / 1000))
}
