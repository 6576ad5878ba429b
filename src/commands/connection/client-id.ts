// CLIENT ID
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientId: CommandSpec = {
  name: 'client|id',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Returns the client ID for the current connection',
  since: '5.0.0',
  complexity: 'O(1)',
  execute(ctx): Reply {
    return integer(ctx.session.id)
  },
}
