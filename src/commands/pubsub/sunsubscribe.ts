// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const sunsubscribe: CommandSpec = {
  name: 'sunsubscribe',
  arity: -1,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Stop listening for messages posted to the given shard channels',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of shard channels to unsubscribe.',
  syntax: '[shardchannel [shardchannel ...]]',
  /**
   * One confirmation per name, with the count left after it; without names, one per current
   * subscription, or a single one with a null name and 0 when there is none.
   */
  execute(ctx, argv): Reply {
    return ctx.server.pubsub.unsubscribe(ctx.session, 'shard', argv.slice(1))
  },
}
