// UNWATCH
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { unwatch as forgetWatchedKeys } from './transaction.js'

export const unwatch: CommandSpec = {
  name: 'unwatch',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  keys: NO_KEYS,
  group: 'transactions',
  summary: 'Forget about all watched keys',
  since: '2.2.0',
  complexity: 'O(1)',
  execute(ctx): Reply {
    forgetWatchedKeys(ctx.session)
    return OK
  },
}
