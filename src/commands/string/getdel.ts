// GETDEL key
import { NULL, bulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

export const getdel: CommandSpec = {
  name: 'getdel',
  arity: 2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Get the value of a key and delete the key',
  since: '6.2.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const entry = db.get(argv[1]!)
    if (entry === undefined) return NULL
    if (entry.value.type !== 'string') return Errors.wrongType
    db.delete(argv[1]!)
    db.notify(NOTIFY_GENERIC, 'del', argv[1]!)
    return bulk(entry.value.data)
  },
}
