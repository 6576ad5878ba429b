// SSUBSCRIBE shardchannel [shardchannel ...]
import { error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const IN_MULTI = error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")

export const ssubscribe: CommandSpec = {
  name: 'ssubscribe',
  arity: -2,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  // Redis declares the shard channels as not-key key specs; here they are no keys at all, so
  // the tenant layer never prefixes them (shard channels are scoped as channels are).
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Listen for messages published to the given shard channels',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of shard channels to subscribe to.',
  syntax: 'shardchannel [shardchannel ...]',
  /**
   * Without a cluster, shard channels are a namespace apart from channels, with a count of
   * their own. Unlike SUBSCRIBE, Redis 7.0 refuses it inside a transaction (at EXEC).
   */
  execute(ctx, argv): Reply {
    if (ctx.session.multi?.executing === true) return IN_MULTI
    return ctx.server.pubsub.subscribe(ctx.session, ctx, 'shard', argv.slice(1))
  },
}
