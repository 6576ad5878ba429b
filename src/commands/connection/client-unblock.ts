// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import { cText, is, parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const BAD_REASON = error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR')

export const clientUnblock: CommandSpec = {
  name: 'client|unblock',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Unblock a client blocked in a blocking command from a different connection',
  since: '5.0.0',
  complexity: 'O(log N) where N is the number of client connections',
  syntax: 'client-id [TIMEOUT | ERROR]',
  tenantScoped: true,
  /** No command blocks here, so no client is ever blocked: 0 once the arguments are valid. */
  execute(_ctx, argv): Reply {
    if (argv.length > 4) return error(`ERR unknown subcommand or wrong number of arguments for '${cText(argv[1]!, 128)}'. Try CLIENT HELP.`)
    if (argv.length === 4 && !is(argv[3]!, 'timeout') && !is(argv[3]!, 'error')) return BAD_REASON
    if (parseI64(argv[2]!) === null) return Errors.notInteger
    return integer(0)
  },
}
