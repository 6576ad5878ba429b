// LATENCY RESET [event [event ...]]
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const latencyReset: CommandSpec = {
  name: 'latency|reset',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Reset latency data for one or more events.',
  since: '2.8.13',
  complexity: 'O(1)',
  syntax: '[event [event ...]]',
  /** The number of event series reset: there are none. */
  execute(): Reply {
    return integer(0)
  },
}
