// PUBLISH channel message
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const publish: CommandSpec = {
  name: 'publish',
  arity: 3,
  // Not a write: nothing is stored or logged, so it never waits for the WAL nor is refused
  // while writes are.
  flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Post a message to a channel',
  since: '2.0.0',
  complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
  syntax: 'channel message',
  /** The number of deliveries: a connection subscribed to the channel and to a matching pattern counts twice. */
  execute(ctx, argv): Reply {
    return integer(ctx.server.pubsub.publish(ctx.session.tenant.id, argv[1]!, argv[2]!, false))
  },
}
