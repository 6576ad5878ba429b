// COMMAND HELP
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { helpReply } from './help.js'

const HELP = helpReply('command', [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
])

export const commandHelp: CommandSpec = {
  name: 'command|help',
  arity: 2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Show helpful text about the different subcommands',
  since: '5.0.0',
  complexity: 'O(1)',
  execute(): Reply {
    return HELP
  },
}
