// MONITOR
import { OK, NO_REPLY, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const IN_TRANSACTION = error("ERR MONITOR isn't allowed for DENY BLOCKING client")

export const monitor: CommandSpec = {
  name: 'monitor',
  arity: 1,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Listen for all requests received by the server in real time',
  since: '1.0.0',
  // A tenant monitors only its own commands (actors/monitors.ts).
  tenantScoped: true,
  /**
   * From now on the connection is shown the commands the other connections of its tenant run,
   * until RESET or QUIT. As Redis: refused inside a transaction (a client that expects one reply
   * per command), and a second MONITOR answers nothing. Meanwhile the connection is what Redis
   * makes it, a replica: dispatch refuses it any command that reads or changes the keyspace.
   */
  execute(ctx): Reply {
    if (ctx.session.multi !== undefined) return IN_TRANSACTION
    if (ctx.session.monitoring) return NO_REPLY
    ctx.server.monitors.add(ctx)
    return OK
  },
}
