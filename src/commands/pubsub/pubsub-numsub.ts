// PUBSUB NUMSUB [channel [channel ...]]
import { array, bulk, integer, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

/**
 * Each channel named, then its subscribers in the tenant (patterns not counted): a flat array
 * in both protocols, as Redis 7.0 answers.
 */
export const countSubscribers = (ctx: CommandContext, argv: Buffer[], shard: boolean): Reply => {
  const ns = ctx.server.pubsub.namespace(ctx.session.tenant.id)
  const registry = shard ? ns?.shardChannels : ns?.channels
  const out: Reply[] = []
  for (let i = 2; i < argv.length; i++) {
    out.push(bulk(argv[i]!), integer(registry?.get(argv[i]!.toString('latin1'))?.size ?? 0))
  }
  return array(out)
}

export const pubsubNumsub: CommandSpec = {
  name: 'pubsub|numsub',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Get the count of subscribers for channels',
  since: '2.8.0',
  complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
  syntax: '[channel [channel ...]]',
  execute: (ctx, argv) => countSubscribers(ctx, argv, false),
}
