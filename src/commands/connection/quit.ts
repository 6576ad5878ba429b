// QUIT
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const quit: CommandSpec = {
  name: 'quit',
  // Redis ignores any arguments.
  arity: -1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Close the connection',
  since: '1.0.0',
  complexity: 'O(1)',
  execute(ctx): Reply {
    ctx.session.closeAfterReply = true
    return OK
  },
}
