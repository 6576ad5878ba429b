// DISCARD
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { endTransaction } from './transaction.js'

const WITHOUT_MULTI = error('ERR DISCARD without MULTI')

export const discard: CommandSpec = {
  name: 'discard',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  keys: NO_KEYS,
  group: 'transactions',
  summary: 'Discard all commands issued after MULTI',
  since: '2.0.0',
  complexity: 'O(N), when N is the number of queued commands',
  /** Drops the queued commands and unwatches every key. */
  execute(ctx): Reply {
    if (ctx.session.multi === undefined) return WITHOUT_MULTI
    endTransaction(ctx.session)
    return OK
  },
}
