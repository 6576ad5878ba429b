// TENANT DROP id
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { noSuchTenant } from './tenant-options.js'

export const tenantDrop: CommandSpec = {
  name: 'tenant|drop',
  arity: 3,
  flags: ['admin', 'write', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: "Remove a tenant, all its data (a range delete) and its connections",
  since: '7.0.0',
  complexity: 'O(1) in the number of keys: each database moves to a new generation',
  syntax: 'id',
  execute(ctx, argv): Reply {
    return ctx.server.tenants.drop(argv[2]!.toString('latin1')) ? OK : noSuchTenant(argv[2]!)
  },
}
