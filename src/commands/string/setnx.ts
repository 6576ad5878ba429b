// SETNX key value
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const setnx: CommandSpec = {
  name: 'setnx',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Set the value of a key, only if the key does not exist',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key value',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    // A key of any type counts as existing.
    if (db.peek(argv[1]!) !== undefined) return integer(0)
    db.set(argv[1]!, { type: 'string', data: argv[2]! }, 0)
    db.notify(NOTIFY_STRING, 'set', argv[1]!)
    return integer(1)
  },
}
