// RANDOMKEY
import { NULL, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const randomkey: CommandSpec = {
  name: 'randomkey',
  arity: 1,
  flags: ['readonly'],
  keys: NO_KEYS,
  group: 'generic',
  summary: 'Return a random key from the keyspace',
  since: '1.0.0',
  complexity: 'O(1)',
  execute(ctx): Reply {
    const key = ctx.session.db.randomKey()
    return key === undefined ? NULL : bulk(key)
  },
}
