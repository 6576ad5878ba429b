// CLIENT INFO
import { verbatim, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { clientLine } from './session-info.js'

export const clientInfo: CommandSpec = {
  name: 'client|info',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Returns information about the current client connection.',
  since: '6.2.0',
  complexity: 'O(1)',
  execute(ctx): Reply {
    const { session, server } = ctx
    return verbatim(clientLine(session, server.now(), server.clients.byId(session.id)) + '\n')
  },
}
