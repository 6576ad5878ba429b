// GETSET key value
import { NULL, bulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const getset: CommandSpec = {
  name: 'getset',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Set the string value of a key and return its old value',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key value',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[1]!
    const entry = db.get(key)
    if (entry !== undefined && entry.value.type !== 'string') return Errors.wrongType
    // Like a plain SET, the new value carries no TTL.
    db.set(key, { type: 'string', data: argv[2]! }, 0)
    db.notify(NOTIFY_STRING, 'set', key)
    return entry === undefined || entry.value.type !== 'string' ? NULL : bulk(entry.value.data)
  },
}
