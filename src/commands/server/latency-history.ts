// LATENCY HISTORY event
import { EMPTY_ARRAY, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const latencyHistory: CommandSpec = {
  name: 'latency|history',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return timestamp-latency samples for the event.',
  since: '2.8.13',
  complexity: 'O(1)',
  syntax: 'event',
  /** No event is ever sampled: no samples. */
  execute(): Reply {
    return EMPTY_ARRAY
  },
}
