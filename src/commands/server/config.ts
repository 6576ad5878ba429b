// CONFIG subcommand [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { configGet } from './config-get.js'
import { configHelp } from './config-help.js'
import { configResetstat } from './config-resetstat.js'
import { configRewrite } from './config-rewrite.js'
import { configSet } from './config-set.js'

export const config: CommandSpec = {
  name: 'config',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for server configuration commands',
  since: '2.0.0',
  complexity: 'Depends on subcommand.',
  subcommands: [configGet, configHelp, configResetstat, configRewrite, configSet],
}
