// PUBSUB NUMPAT
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const pubsubNumpat: CommandSpec = {
  name: 'pubsub|numpat',
  arity: 2,
  flags: ['pubsub', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Get the count of unique patterns pattern subscriptions',
  since: '2.8.0',
  complexity: 'O(1)',
  /** Distinct patterns the tenant's connections subscribe to (two subscribers of one pattern: 1). */
  execute(ctx): Reply {
    return integer(ctx.server.pubsub.namespace(ctx.session.tenant.id)?.patterns.size ?? 0)
  },
}
