// CLIENT PAUSE timeout [WRITE | ALL]
import { OK, error, type Reply } from '../../protocol/reply.js'
import { cText, I64_MAX, is, parseI64 } from '../args.js'
import type { CommandSpec, PauseMode } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const BAD_MODE = error('ERR CLIENT PAUSE mode must be WRITE or ALL')
const NOT_INTEGER = error('ERR timeout is not an integer or out of range')
const NEGATIVE = error('ERR timeout is negative')
const OUT_OF_RANGE = error('ERR timeout is out of range')

export const clientPause: CommandSpec = {
  name: 'client|pause',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Stop processing commands from clients for some time',
  since: '3.0.0',
  complexity: 'O(1)',
  syntax: 'timeout [WRITE | ALL]',
  // A tenant pauses its own clients only (actors/client-pause.ts).
  tenantScoped: true,
  /**
   * Holds the commands of the tenant's clients (this one's too) for `timeout` ms: every command
   * (ALL, the default), or only writes (WRITE). The mode is checked before the timeout, as Redis.
   */
  execute(ctx, argv): Reply {
    if (argv.length > 4) return error(`ERR unknown subcommand or wrong number of arguments for '${cText(argv[1]!, 128)}'. Try CLIENT HELP.`)
    let mode: PauseMode = 'all'
    if (argv.length === 4) {
      if (is(argv[3]!, 'write')) mode = 'write'
      else if (!is(argv[3]!, 'all')) return BAD_MODE
    }
    const timeout = parseI64(argv[2]!)
    if (timeout === null) return NOT_INTEGER
    if (timeout < 0n) return NEGATIVE
    const now = ctx.server.now()
    if (timeout > I64_MAX - BigInt(now)) return OUT_OF_RANGE
    ctx.server.clientPause.pause(ctx.session.tenant.id, now + Number(timeout), mode)
    return OK
  },
}
