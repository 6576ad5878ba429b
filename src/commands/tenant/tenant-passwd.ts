// TENANT PASSWD id new-password
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { noSuchTenant } from './tenant-options.js'

export const tenantPasswd: CommandSpec = {
  name: 'tenant|passwd',
  arity: 4,
  flags: ['admin', 'write', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: "Change a tenant's password; connections already authenticated stay",
  since: '7.0.0',
  complexity: 'O(1)',
  syntax: 'id new-password',
  // The password: never shown by MONITOR or SLOWLOG.
  redact: () => [3],
  execute(ctx, argv): Reply {
    return ctx.server.tenants.passwd(ctx.session, argv[2]!.toString('latin1'), argv[3]!) ? OK : noSuchTenant(argv[2]!)
  },
}
