// LATENCY LATEST
import { EMPTY_ARRAY, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const latencyLatest: CommandSpec = {
  name: 'latency|latest',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return the latest latency samples for all events.',
  since: '2.8.13',
  complexity: 'O(1)',
  /** No event is ever sampled: none to report. */
  execute(): Reply {
    return EMPTY_ARRAY
  },
}
