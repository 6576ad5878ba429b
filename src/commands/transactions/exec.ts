// EXEC
import { NULL_ARRAY, array, detach, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { endTransaction, unwatch } from './transaction.js'

const WITHOUT_MULTI = error('ERR EXEC without MULTI')
const ABORTED = error('EXECABORT Transaction discarded because of previous errors.')

export const exec: CommandSpec = {
  name: 'exec',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
  keys: NO_KEYS,
  group: 'transactions',
  summary: 'Execute all commands issued after MULTI',
  since: '1.2.0',
  complexity: 'Depends on commands in the transaction',
  /**
   * Runs the queued commands back to back and answers their replies as one array; a command's
   * error is its element, and the others run. EXECABORT when a command was refused while
   * queueing; a null array, running nothing, when a watched key changed or expired.
   *
   * Atomic: the commands run in this one synchronous call (whatever they needed from disk, or
   * from a password derivation, was gathered before it), so no other connection runs in
   * between, and every change they make is sealed into one WAL fragment, which a group commit
   * never splits (docs/durability.md): after a crash all of them are there, or none.
   */
  execute(ctx): Reply {
    const session = ctx.session
    const multi = session.multi
    if (multi === undefined) return WITHOUT_MULTI
    const watching = session.watching
    const broken = watching !== undefined && (watching.broken || watching.anyExpired())
    if (multi.aborted || broken) {
      endTransaction(session)
      return multi.aborted ? ABORTED : NULL_ARRAY
    }
    // Unwatched first, as Redis: the transaction's own writes to watched keys touch nothing.
    unwatch(session)
    multi.executing = true
    const commands = multi.commands
    const replies: Reply[] = new Array<Reply>(commands.length)
    const before = session.resp
    // Each reply's protocol, kept only once a HELLO among the commands has switched it.
    let resps: (2 | 3)[] | undefined
    try {
      for (let i = 0; i < commands.length; i++) {
        // A reply may view storage that a later command in the transaction changes: copied now.
        replies[i] = detach(ctx.runQueued(commands[i]!, i))
        if (resps === undefined && session.resp !== before) resps = new Array<2 | 3>(i).fill(before)
        resps?.push(session.resp)
      }
    } finally {
      session.multi = undefined
    }
    return resps === undefined ? array(replies) : { kind: 'array', value: replies, resps }
  },
}
