// SLOWLOG RESET
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const slowlogReset: CommandSpec = {
  name: 'slowlog|reset',
  arity: 2,
  flags: ['admin', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Clear all entries from the slow log',
  since: '2.2.12',
  complexity: 'O(N) where N is the number of entries in the slowlog',
  tenantScoped: true,
  /** Empties the tenant's own log; entry ids keep counting, as in Redis. */
  execute(ctx): Reply {
    ctx.session.tenant.slowlog.reset()
    return OK
  },
}
