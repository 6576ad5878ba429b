// SPUBLISH shardchannel message
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const spublish: CommandSpec = {
  name: 'spublish',
  arity: 3,
  flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
  // Redis's not-key key spec; here no key, so the tenant layer never prefixes the channel.
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Post a message to a shard channel',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
  syntax: 'shardchannel message',
  /** Reaches shard channel subscribers only: patterns never match shard channels. */
  execute(ctx, argv): Reply {
    return integer(ctx.server.pubsub.publish(ctx.session.tenant.id, argv[1]!, argv[2]!, true))
  },
}
