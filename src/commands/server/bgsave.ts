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
   * SCHEDULE, one already running is not an error (Redis would run another after it; a
   * checkpoint started now covers the same writes, so one is enough).
   */
  execute(ctx, argv): Reply {
    const schedule = argv.length === 2 && argv[1]!.toString('latin1').toLowerCase() === 'schedule'
    if (argv.length > 2 || (argv.length === 2 && !schedule)) return error('ERR syntax error')
    const outcome = ctx.server.requestCheckpoint()
    if (outcome === 'off') return error('ERR persistence is off (appendonly no): there is no WAL to checkpoint')
    if (outcome === 'running') {
      return schedule ? simple('Background saving scheduled') : error('ERR Background save already in progress')
    }
    return simple('Background saving started')
  },
}
