// CLIENT UNPAUSE
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientUnpause: CommandSpec = {
  name: 'client|unpause',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Resume processing of clients that were paused',
  since: '6.2.0',
  complexity: 'O(N) Where N is the number of paused clients',
  tenantScoped: true,
  /** Ends the tenant's pause: the held commands run, in order. (Under ALL it was held itself.) */
  execute(ctx): Reply {
    ctx.server.clientPause.unpause(ctx.session.tenant.id)
    return OK
  },
}
