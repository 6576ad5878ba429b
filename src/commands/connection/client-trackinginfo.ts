// CLIENT TRACKINGINFO
import { array, bulk, integer, map, set, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientTrackinginfo: CommandSpec = {
  name: 'client|trackinginfo',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: "Return information about server assisted client side caching for the current connection",
  since: '6.2.0',
  complexity: 'O(1)',
  /** Redis's map: the flags in its order, the redirection (-1 while off), the BCAST prefixes in byte order. */
  execute(ctx): Reply {
    const t = ctx.session.tracking
    const flags = [t === undefined ? 'off' : 'on']
    if (t?.bcast === true) flags.push('bcast')
    if (t?.optin === true) flags.push('optin', ...(t.caching ? ['caching-yes'] : []))
    if (t?.optout === true) flags.push('optout', ...(t.caching ? ['caching-no'] : []))
    if (t?.noloop === true) flags.push('noloop')
    if (t?.brokenRedirect === true) flags.push('broken_redirect')
    return map([
      [bulk('flags'), set(flags.map((f) => bulk(f)))],
      [bulk('redirect'), integer(t?.redirect ?? -1)],
      [bulk('prefixes'), array([...(t?.prefixes ?? [])].sort().map((p) => bulk(Buffer.from(p, 'latin1'))))],
    ])
  },
}
