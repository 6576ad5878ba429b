// TENANT CREATE id password [MAXKEYS n] [MAXBYTES n] [DURABILITY always|everysec]
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { isReply, parseTenantOptions } from './tenant-options.js'

export const tenantCreate: CommandSpec = {
  name: 'tenant|create',
  arity: -4,
  flags: ['admin', 'write', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Create a tenant: an isolated keyspace that AUTH <id> <password> selects',
  since: '7.0.0',
  complexity: 'O(1)',
  syntax: 'id password [MAXKEYS n] [MAXBYTES n] [DURABILITY <ALWAYS | EVERYSEC>]',
  // The password: never shown by MONITOR or SLOWLOG.
  redact: () => [3],
  execute(ctx, argv): Reply {
    const options = parseTenantOptions(argv, 4, false)
    if (isReply(options)) return options
    const failed = ctx.server.tenants.create(ctx.session, argv[2]!.toString('latin1'), argv[3]!, options)
    return failed === undefined ? OK : error(`ERR ${failed}`)
  },
}
