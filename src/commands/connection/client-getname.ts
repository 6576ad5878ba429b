// CLIENT GETNAME
import { NULL, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientGetname: CommandSpec = {
  name: 'client|getname',
  arity: 2,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Get the current connection name',
  since: '2.6.9',
  complexity: 'O(1)',
  execute(ctx): Reply {
    const name = ctx.session.name
    return name === '' ? NULL : bulk(name)
  },
}
