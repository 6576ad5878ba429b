// PSETEX key milliseconds value
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { notifySet, parseExpire } from './set.js'

export const psetex: CommandSpec = {
  name: 'psetex',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Set the value and expiration in milliseconds of a key',
  since: '2.6.0',
  complexity: 'O(1)',
  syntax: 'key milliseconds value',
  execute(ctx, argv): Reply {
    const expiresAt = parseExpire(argv[2]!, 'px', ctx.server.now(), 'psetex')
    if (typeof expiresAt !== 'number') return expiresAt
    ctx.session.db.set(argv[1]!, { type: 'string', data: argv[3]! }, expiresAt)
    notifySet(ctx.session.db, argv[1]!, true)
    return OK
  },
}
