// TENANT LIST
import { array, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const tenantList: CommandSpec = {
  name: 'tenant|list',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'The ids of all tenants, in byte order',
  since: '7.0.0',
  complexity: 'O(N log N) where N is the number of tenants',
  execute(ctx): Reply {
    return array(ctx.server.tenants.list().map((t) => bulk(t.id)))
  },
}
