// MEMORY <DOCTOR | MALLOC-STATS | PURGE | STATS | USAGE | HELP> [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { memoryDoctor } from './memory-doctor.js'
import { memoryHelp } from './memory-help.js'
import { memoryMallocStats } from './memory-malloc-stats.js'
import { memoryPurge } from './memory-purge.js'
import { memoryStats } from './memory-stats.js'
import { memoryUsage } from './memory-usage.js'

export const memory: CommandSpec = {
  name: 'memory',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for memory diagnostics commands',
  since: '4.0.0',
  complexity: 'Depends on subcommand.',
  subcommands: [memoryDoctor, memoryHelp, memoryMallocStats, memoryPurge, memoryStats, memoryUsage],
}
