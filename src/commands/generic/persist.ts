// PERSIST key
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

export const persist: CommandSpec = {
  name: 'persist',
  arity: 2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Remove the expiration from a key',
  since: '2.2.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[1]!
    const entry = db.peek(key)
    if (entry === undefined || entry.expiresAt === 0) return integer(0)
    db.setExpiry(key, 0)
    db.notify(NOTIFY_GENERIC, 'persist', key)
    return integer(1)
  },
}
