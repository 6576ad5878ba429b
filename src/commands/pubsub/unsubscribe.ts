// UNSUBSCRIBE [channel [channel ...]]
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const unsubscribe: CommandSpec = {
  name: 'unsubscribe',
  arity: -1,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Stop listening for messages posted to the given channels',
  since: '2.0.0',
  complexity: 'O(N) where N is the number of channels to unsubscribe.',
  syntax: '[channel [channel ...]]',
  /**
   * One confirmation per name, with the count left after it; without names, one per current
   * subscription, or a single one with a null name and 0 when there is none.
   */
  execute(ctx, argv): Reply {
    return ctx.server.pubsub.unsubscribe(ctx.session, 'channel', argv.slice(1))
  },
}
