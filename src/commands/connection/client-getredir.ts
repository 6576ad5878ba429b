// CLIENT GETREDIR
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientGetredir: CommandSpec = {
  name: 'client|getredir',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Get tracking notifications redirection client ID if any',
  since: '6.0.0',
  complexity: 'O(1)',
  /** REDIRECT's client id while tracking is on (0: none), -1 while it is off. */
  execute(ctx): Reply {
    return integer(ctx.session.tracking?.redirect ?? -1)
  },
}
