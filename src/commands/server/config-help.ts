// CONFIG HELP
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { helpReply } from './help.js'

const HELP = helpReply('config', [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
])

export const configHelp: CommandSpec = {
  name: 'config|help',
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
