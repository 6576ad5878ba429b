// TIERING subcommand
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { tieringRun } from './tiering-run.js'
import { tieringStatus } from './tiering-status.js'

export const tiering: CommandSpec = {
  name: 'tiering',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for storage tiering commands (admin only)',
  since: '7.0.0',
  complexity: 'Depends on subcommand.',
  subcommands: [tieringRun, tieringStatus],
}
