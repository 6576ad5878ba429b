// DBSIZE
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const dbsize: CommandSpec = {
  name: 'dbsize',
  arity: 1,
  flags: ['readonly', 'fast'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return the number of keys in the selected database',
  since: '1.0.0',
  complexity: 'O(1)',
  /** Counts keys whose TTL passed but that are not reclaimed yet, as Redis does. */
  execute(ctx): Reply {
    return integer(ctx.session.db.size)
  },
}
