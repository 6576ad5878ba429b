// SETEX key seconds value
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { notifySet, parseExpire } from './set.js'

export const setex: CommandSpec = {
  name: 'setex',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Set the value and expiration of a key',
  since: '2.0.0',
  complexity: 'O(1)',
  syntax: 'key seconds value',
  execute(ctx, argv): Reply {
    const expiresAt = parseExpire(argv[2]!, 'ex', ctx.server.now(), 'setex')
    if (typeof expiresAt !== 'number') return expiresAt
    ctx.session.db.set(argv[1]!, { type: 'string', data: argv[3]! }, expiresAt)
    notifySet(ctx.session.db, argv[1]!, true)
    return OK
  },
}
