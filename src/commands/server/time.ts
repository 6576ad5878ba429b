// TIME
import { array, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const time: CommandSpec = {
  name: 'time',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return the current server time',
  since: '2.6.0',
  complexity: 'O(1)',
  /** [unix seconds, microseconds within the second], both as bulk strings; from the server clock. */
  execute(ctx): Reply {
    const usec = Math.floor(ctx.server.now() * 1000)
    return array([bulk(String(Math.floor(usec / 1e6))), bulk(String(usec % 1e6))])
  },
}
