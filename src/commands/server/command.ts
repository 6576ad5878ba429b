// COMMAND
import { array, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { commandCount } from './command-count.js'
import { commandDocs } from './command-docs.js'
import { commandGetkeys } from './command-getkeys.js'
import { commandGetkeysandflags } from './command-getkeysandflags.js'
import { commandHelp } from './command-help.js'
import { commandInfo, commandInfoEntry } from './command-info.js'
import { commandList } from './command-list.js'

export const command: CommandSpec = {
  name: 'command',
  arity: -1,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get array of Redis command details',
  since: '2.8.13',
  complexity: 'O(N) where N is the total number of Redis commands',
  subcommands: [commandCount, commandDocs, commandGetkeys, commandGetkeysandflags, commandHelp, commandInfo, commandList],
  /** Without a subcommand: COMMAND INFO for every command. */
  execute(ctx): Reply {
    return array([...ctx.server.commands.values()].map(commandInfoEntry))
  },
}
