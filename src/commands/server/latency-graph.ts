// LATENCY GRAPH event
import { error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { cText } from '../args.js'

export const latencyGraph: CommandSpec = {
  name: 'latency|graph',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return a latency graph for the event.',
  since: '2.8.13',
  complexity: 'O(1)',
  syntax: 'event',
  /** No event ever has samples here. */
  execute(_ctx, argv): Reply {
    return error(`ERR No samples available for event '${cText(argv[2]!)}'`)
  },
}
