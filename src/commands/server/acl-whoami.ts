// ACL WHOAMI
import { bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const aclWhoami: CommandSpec = {
  name: 'acl|whoami',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return the name of the user associated to the current connection',
  since: '6.0.0',
  complexity: 'O(1)',
  /** `default` for the admin; a tenant's connection is its tenant id. */
  execute(ctx): Reply {
    return bulk(ctx.session.user)
  },
}
