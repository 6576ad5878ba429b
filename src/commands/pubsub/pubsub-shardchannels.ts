// PUBSUB SHARDCHANNELS [pattern]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { listChannels } from './pubsub-channels.js'

export const pubsubShardChannels: CommandSpec = {
  name: 'pubsub|shardchannels',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'List active shard channels',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
  syntax: '[pattern]',
  execute: (ctx, argv) => listChannels(ctx, argv, true),
}
