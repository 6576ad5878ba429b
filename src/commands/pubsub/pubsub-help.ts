// PUBSUB HELP
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { helpReply } from '../server/help.js'

const HELP = helpReply('pubsub', [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
])

export const pubsubHelp: CommandSpec = {
  name: 'pubsub|help',
  arity: 2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Show helpful text about the different subcommands',
  since: '6.2.0',
  complexity: 'O(1)',
  execute(): Reply {
    return HELP
  },
}
