// OBJECT HELP
import { array, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const HELP = array(
  [
    'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'ENCODING <key>',
    '    Return the kind of internal representation used in order to store the value',
    '    associated with a <key>.',
    'FREQ <key>',
    '    Return the access frequency index of the <key>. The returned integer is',
    '    proportional to the logarithm of the recent access frequency of the key.',
    'IDLETIME <key>',
    '    Return the idle time of the <key>, that is the approximated number of',
    '    seconds elapsed since the last access to the key.',
    'REFCOUNT <key>',
    '    Return the number of references of the value associated with the specified',
    '    <key>.',
    'HELP',
    '    Prints this help.',
  ].map(simple),
)

export const objectHelp: CommandSpec = {
  name: 'object|help',
  arity: 2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'generic',
  summary: 'Show helpful text about the different subcommands',
  since: '6.2.0',
  complexity: 'O(1)',
  execute(): Reply {
    return HELP
  },
}
