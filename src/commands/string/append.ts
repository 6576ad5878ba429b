// APPEND key value
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { maxStringLength, STRING_TOO_LONG } from './setrange.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const append: CommandSpec = {
  name: 'append',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Append a value to a key',
  since: '2.0.0',
  complexity:
    'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
  syntax: 'key value',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[1]!
    const suffix = argv[2]!
    // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
    const entry = db.peek(key)
    if (entry === undefined) {
      db.set(key, { type: 'string', data: suffix }, 0)
      db.notify(NOTIFY_STRING, 'append', key)
      return integer(suffix.length)
    }
    if (entry.value.type !== 'string') return Errors.wrongType
    const old = entry.value.data
    const length = old.length + suffix.length
    if (length > maxStringLength(ctx)) return STRING_TOO_LONG
    // Raw, as Redis appends to a raw copy of the string (dbUnshareStringValue).
    const appended = db.patch(key, { offset: old.length, bytes: suffix })
    db.notify(NOTIFY_STRING, 'append', key)
    return integer(appended)
  },
}
