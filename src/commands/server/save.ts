// SAVE
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const RUNNING = error('ERR Background save already in progress')
const OFF = error('ERR persistence is off (appendonly no): there is no WAL to checkpoint')
/** Redis's reply when its synchronous save fails (shared.err); the log says why. */
const FAILED = error('ERR')

export const save: CommandSpec = {
  name: 'save',
  arity: 1,
  flags: ['admin', 'noscript', 'no_multi'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Synchronously save the dataset to disk',
  since: '1.0.0',
  complexity: 'O(N) where N is the total number of keys in all databases',
  before: () => 'checkpoint',
  /**
   * A checkpoint (BGSAVE's), which this connection waited for before the command ran
   * (before): OK once it is installed, so every write acknowledged before SAVE is in the
   * store and LASTSAVE has moved. Other connections go on meanwhile; Redis blocks them all. As
   * Redis, refused while a checkpoint runs, and inside MULTI (no_multi).
   */
  execute(ctx): Reply {
    const outcome = ctx.server.takeSave(ctx.session)
    if (outcome === 'saved') return OK
    if (outcome === 'failed') return FAILED
    return outcome === 'off' ? OFF : RUNNING
  },
}
