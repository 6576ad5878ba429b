// RESET
import { simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { passwordRequired } from './session-info.js'
import { endTransaction } from '../transactions/transaction.js'

const RESET = simple('RESET')

export const reset: CommandSpec = {
  name: 'reset',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Reset the connection',
  since: '6.2.0',
  complexity: 'O(1)',
  /**
   * Returns the connection to its state right after connecting: RESP2, database 0, no name, and
   * logged out when a password is required (a tenant's connection is back in the default tenant),
   * replies on (CLIENT REPLY), not monitoring, not tracking keys, out of MULTI, watching nothing and subscribed to nothing (without a confirmation per
   * subscription). Library name and version survive, as in Redis.
   */
  execute(ctx): Reply {
    const session = ctx.session
    endTransaction(session)
    ctx.server.pubsub.unsubscribeAll(session)
    ctx.server.monitors.remove(session)
    ctx.server.tracking.disable(session)
    session.resp = 2
    session.replyMode = 0
    session.dbIndex = 0
    session.name = ''
    session.user = 'default'
    session.tenant = ctx.server.tenants.default
    session.admin = true
    session.db = session.tenant.databases[0]!
    session.authenticated = !passwordRequired(ctx)
    return RESET
  },
}
