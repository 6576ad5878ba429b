// CLIENT SETNAME connection-name
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { INVALID_NAME, isPrintableWord } from './session-info.js'

export const clientSetname: CommandSpec = {
  name: 'client|setname',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Set the current connection name',
  since: '2.6.9',
  complexity: 'O(1)',
  syntax: 'connection-name',
  /** An empty name removes the name. */
  execute(ctx, argv): Reply {
    const name = argv[2]!
    if (!isPrintableWord(name)) return INVALID_NAME
    ctx.session.name = name.toString('latin1')
    return OK
  },
}
