// SLOWLOG HELP
import type { Reply } from '../../protocol/reply.js'
import { helpReply } from './help.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const HELP = helpReply('slowlog', [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
])

export const slowlogHelp: CommandSpec = {
  name: 'slowlog|help',
  arity: 2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Show helpful text about the different subcommands',
  since: '6.2.0',
  complexity: 'O(1)',
  execute(): Reply {
    return HELP
  },
}
