// COMMAND COUNT
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const commandCount: CommandSpec = {
  name: 'command|count',
  arity: 2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get total number of Redis commands',
  since: '2.8.13',
  complexity: 'O(1)',
  /** Top-level commands only, as Redis counts. */
  execute(ctx): Reply {
    return integer(ctx.server.commands.size)
  },
}
