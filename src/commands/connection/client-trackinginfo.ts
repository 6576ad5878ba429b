// CLIENT TRACKINGINFO
import { array, bulk, integer, map, set, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

// Redis's reply for a connection with tracking off: flags [off], no redirection, no prefixes.
const TRACKING_OFF = map([
  [bulk('flags'), set([bulk('off')])],
  [bulk('redirect'), integer(-1)],
  [bulk('prefixes'), array([])],
])

export const clientTrackinginfo: CommandSpec = {
  name: 'client|trackinginfo',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: "Return information about server assisted client side caching for the current connection",
  since: '6.2.0',
  complexity: 'O(1)',
  /** Client-side caching (CLIENT TRACKING) is not offered: tracking is always off. */
  execute(): Reply {
    return TRACKING_OFF
  },
}
