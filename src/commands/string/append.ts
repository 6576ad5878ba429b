// APPEND key value
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { applyPatch } from '../../storage/keyspace.js'
import { maxStringLength, STRING_TOO_LONG } from './setrange.js'

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
      return integer(suffix.length)
    }
    if (entry.value.type !== 'string') return Errors.wrongType
    const old = entry.value.data
    const length = old.length + suffix.length
    if (length > maxStringLength(ctx)) return STRING_TOO_LONG
    // A new Buffer every time: stored Buffers are immutable (a reply may still be writing one).
    // That makes repeated appends O(length) each in memory, where Redis's sds amortizes them; the
    // patch lets the log record the suffix alone. Redis appends to a raw copy of the string
    // (dbUnshareStringValue), so the result is raw.
    const patch = { offset: old.length, bytes: suffix }
    db.set(key, { type: 'string', data: applyPatch(old, patch), raw: true }, entry.expiresAt, patch)
    return integer(length)
  },
}
