// WATCH key [key ...]
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { watchKey } from './transaction.js'

const INSIDE_MULTI = error('ERR WATCH inside MULTI is not allowed')

export const watch: CommandSpec = {
  name: 'watch',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'transactions',
  summary: 'Watch the given keys to determine execution of the MULTI/EXEC block',
  since: '2.2.0',
  complexity: 'O(1) for every key.',
  syntax: 'key [key ...]',
  /**
   * The next EXEC fails (a null array) if any of the keys, in the current database, changes
   * before it (storage/watches.ts). Refused inside MULTI, without flagging the transaction.
   */
  execute(ctx, argv): Reply {
    const session = ctx.session
    if (session.multi !== undefined) return INSIDE_MULTI
    for (let i = 1; i < argv.length; i++) watchKey(session, argv[i]!)
    return OK
  },
}
