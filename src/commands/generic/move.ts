// MOVE key db
import { Errors, error, integer, type Reply } from '../../protocol/reply.js'
import { parseInteger } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { copyValue } from './copy.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

const SAME_OBJECT = error('ERR source and destination objects are the same')
const DB_OUT_OF_RANGE = error('ERR DB index is out of range')
const I32_MAX = 2 ** 31 - 1

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
    const index = parseInteger(argv[2]!)
    if (index === null) return Errors.notInteger
    if (index < -I32_MAX - 1 || index > I32_MAX) return Errors.notInt32
    const source = ctx.session.db
    const target = ctx.session.tenant.databases[index]
    if (index < 0 || target === undefined) return DB_OUT_OF_RANGE
    if (target === source) return SAME_OBJECT
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
