// TENANT SET id [MAXKEYS n] [MAXBYTES n] [DURABILITY always|everysec|default]
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { isReply, noSuchTenant, parseTenantOptions } from './tenant-options.js'

export const tenantSet: CommandSpec = {
  name: 'tenant|set',
  arity: -5,
  flags: ['admin', 'write', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: "Change a tenant's quotas (0: no limit) or durability (default: follow appendfsync)",
  since: '7.0.0',
  complexity: 'O(1)',
  syntax: 'id [MAXKEYS n] [MAXBYTES n] [DURABILITY <ALWAYS | EVERYSEC | DEFAULT>]',
  execute(ctx, argv): Reply {
    const options = parseTenantOptions(argv, 3, true)
    if (isReply(options)) return options
    return ctx.server.tenants.set(argv[2]!.toString('latin1'), options) ? OK : noSuchTenant(argv[2]!)
  },
}
