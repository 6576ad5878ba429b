// SUBSCRIBE channel [channel ...]
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const subscribe: CommandSpec = {
  name: 'subscribe',
  arity: -2,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Listen for messages published to the given channels',
  since: '2.0.0',
  complexity: 'O(N) where N is the number of channels to subscribe to.',
  syntax: 'channel [channel ...]',
  /**
   * One confirmation per channel, with the count of channels and patterns after it. Channels are
   * the tenant's own (actors/pubsub.ts). Inside MULTI it queues and runs at EXEC, as Redis 7.0.
   */
  execute(ctx, argv): Reply {
    return ctx.server.pubsub.subscribe(ctx.session, ctx, 'channel', argv.slice(1))
  },
}
