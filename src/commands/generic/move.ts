// MOVE key db
import { Errors, integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { copyValue } from './copy.js'
import { databaseIndex } from '../connection/select.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

export const move: CommandSpec = {
  name: 'move',
  arity: 3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Move a key to another database',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key db',
  execute(ctx, argv): Reply {
    // The database first, as Redis: an index within the tenant's own databases.
    const index = databaseIndex(ctx.session, argv[2]!)
    if (typeof index !== 'number') return index
    const source = ctx.session.db
    const target = ctx.session.tenant.databases[index]!
    if (target === source) return Errors.sameObject
    const key = argv[1]!
    // Write lookups, as Redis's lookupKeyWrite: no keyspace hit or miss is counted.
    const entry = source.peek(key)
    if (entry === undefined) return integer(0)
    const { value, expiresAt } = entry
    if (target.peek(key) !== undefined) return integer(0)
    // The value as it was (a raw string stays raw: Redis moves the object itself), TTL kept.
    target.set(key, copyValue(value), expiresAt)
    source.delete(key)
    source.notify(NOTIFY_GENERIC, 'move_from', key)
    target.notify(NOTIFY_GENERIC, 'move_to', key)
    return integer(1)
  },
}
