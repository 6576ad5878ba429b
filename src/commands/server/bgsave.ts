// BGSAVE [SCHEDULE]
import { error, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const bgsave: CommandSpec = {
  name: 'bgsave',
  arity: -1,
  flags: ['admin', 'noscript'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Asynchronously save the dataset to disk',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: '[SCHEDULE]',
  /**
   * Starts a checkpoint: a background snapshot, after which the WAL before it is recycled. With
   * SCHEDULE, one already running is not an error: another runs after it, since the running one
   * started earlier and does not cover the writes made since (Redis schedules a save likewise).
   */
  execute(ctx, argv): Reply {
    const schedule = argv.length === 2 && argv[1]!.toString('latin1').toLowerCase() === 'schedule'
    if (argv.length > 2 || (argv.length === 2 && !schedule)) return error('ERR syntax error')
    const outcome = ctx.server.requestCheckpoint(schedule)
    if (outcome === 'off') return error('ERR persistence is off (appendonly no): there is no WAL to checkpoint')
    if (outcome === 'running') return error('ERR Background save already in progress')
    if (outcome === 'scheduled') return simple('Background saving scheduled')
    return simple('Background saving started')
  },
}
