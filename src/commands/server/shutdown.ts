// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
import { NO_REPLY, Errors, error, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NOT_IN_PROGRESS = error('ERR No shutdown in progress.')

export const shutdown: CommandSpec = {
  name: 'shutdown',
  arity: -1,
  flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Synchronously save the dataset to disk and then shut down the server',
  since: '1.0.0',
  complexity:
    'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
  syntax: '[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]',
  /**
   * Options are validated as Redis does, then ignored: there is one graceful shutdown sequence
   * (ServerContext.requestShutdown), and no replicas to wait for.
   * As in Redis, a successful SHUTDOWN sends no reply: the caller's connection just closes.
   */
  execute(ctx, argv): Reply {
    let save = false
    let nosave = false
    let other = false
    let abort = false
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!
      if (is(a, 'nosave')) nosave = true
      else if (is(a, 'save')) save = true
      else if (is(a, 'now') || is(a, 'force')) other = true
      else if (is(a, 'abort')) abort = true
      else return Errors.syntax
    }
    if ((abort && (save || nosave || other)) || (save && nosave)) return Errors.syntax
    // A shutdown here never waits, so there is never one in progress to abort.
    if (abort) return NOT_IN_PROGRESS
    ctx.session.closeAfterReply = true
    ctx.server.requestShutdown()
    return NO_REPLY
  },
}
