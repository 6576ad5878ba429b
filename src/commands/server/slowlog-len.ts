// SLOWLOG LEN
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const slowlogLen: CommandSpec = {
  name: 'slowlog|len',
  arity: 2,
  flags: ['admin', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get the slow log\'s length',
  since: '2.2.12',
  complexity: 'O(1)',
  tenantScoped: true,
  /** The entries in the tenant's own log. */
  execute(ctx): Reply {
    return integer(ctx.session.tenant.slowlog.length)
  },
}
