// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { countSubscribers } from './pubsub-numsub.js'

export const pubsubShardNumsub: CommandSpec = {
  name: 'pubsub|shardnumsub',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Get the count of subscribers for shard channels',
  since: '7.0.0',
  complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
  syntax: '[shardchannel [shardchannel ...]]',
  execute: (ctx, argv) => countSubscribers(ctx, argv, true),
}
