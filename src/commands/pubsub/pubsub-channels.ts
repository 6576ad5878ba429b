// PUBSUB CHANNELS [pattern]
import { array, bulk, EMPTY_ARRAY, error, type Reply } from '../../protocol/reply.js'
import { cText } from '../args.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { compileGlob } from '../../storage/glob.js'

/** Redis's addReplySubcommandSyntaxError: the arity allows more arguments than the form takes. */
export const subcommandSyntax = (argv: Buffer[]): Reply =>
  error(`ERR unknown subcommand or wrong number of arguments for '${cText(argv[1]!, 128)}'. Try PUBSUB HELP.`)

/** The tenant's channels with a subscriber, those matching the glob when one is given. */
export const listChannels = (ctx: CommandContext, argv: Buffer[], shard: boolean): Reply => {
  if (argv.length > 3) return subcommandSyntax(argv)
  const ns = ctx.server.pubsub.namespace(ctx.session.tenant.id)
  if (ns === undefined) return EMPTY_ARRAY
  const matches = argv.length === 3 ? compileGlob(argv[2]!) : undefined
  const names: Reply[] = []
  for (const name of (shard ? ns.shardChannels : ns.channels).keys()) {
    if (matches === undefined || matches(Buffer.from(name, 'latin1'))) names.push(bulk(name))
  }
  return array(names)
}

export const pubsubChannels: CommandSpec = {
  name: 'pubsub|channels',
  arity: -2,
  flags: ['pubsub', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'List active channels',
  since: '2.8.0',
  complexity: 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
  syntax: '[pattern]',
  execute: (ctx, argv) => listChannels(ctx, argv, false),
}
