// SLOWLOG subcommand [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { slowlogGet } from './slowlog-get.js'
import { slowlogHelp } from './slowlog-help.js'
import { slowlogLen } from './slowlog-len.js'
import { slowlogReset } from './slowlog-reset.js'

export const slowlog: CommandSpec = {
  name: 'slowlog',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for slow log commands',
  since: '2.2.12',
  complexity: 'Depends on subcommand.',
  subcommands: [slowlogGet, slowlogHelp, slowlogLen, slowlogReset],
}
