// MULTI
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NESTED = error('ERR MULTI calls can not be nested')

export const multi: CommandSpec = {
  name: 'multi',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  keys: NO_KEYS,
  group: 'transactions',
  summary: 'Mark the start of a transaction block',
  since: '1.2.0',
  complexity: 'O(1)',
  /** Commands that follow are queued until EXEC or DISCARD (dispatch queues them). */
  execute(ctx): Reply {
    const session = ctx.session
    // As Redis: the open transaction goes on, unflagged.
    if (session.multi !== undefined) return NESTED
    session.multi = { commands: [], aborted: false, writes: false, executing: false }
    return OK
  },
}
