// HINCRBY key field increment
import { error, Errors, integer, type Reply } from '../../protocol/reply.js'
import { NOTIFY_HASH } from '../../storage/keyspace-events.js'
import { I64_MAX, I64_MIN, parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { isError, setFields, writeHash } from './hash-lookup.js'

const NOT_INTEGER = error('ERR hash value is not an integer')

export const hincrby: CommandSpec = {
  name: 'hincrby',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Increment the integer value of a hash field by the given number',
  since: '2.0.0',
  complexity: 'O(1)',
  syntax: 'key field increment',
  execute(ctx, argv): Reply {
    // Redis's order: the increment, then the key's type, then the field's value.
    const increment = parseI64(argv[3]!)
    if (increment === null) return Errors.notInteger
    const key = argv[1]!
    const hash = writeHash(ctx, key)
    if (isError(hash)) return hash
    const field = argv[2]!
    const stored = hash?.fields.get(field.toString('latin1'))
    let current = 0n
    if (stored !== undefined) {
      const parsed = parseI64(Buffer.from(stored, 'latin1'))
      if (parsed === null) return NOT_INTEGER
      current = parsed
    }
    const result = current + increment
    if (result < I64_MIN || result > I64_MAX) return Errors.overflow
    const text = String(result)
    setFields(ctx, key, hash, [field, Buffer.from(text, 'latin1')], 0)
    ctx.session.db.notify(NOTIFY_HASH, 'hincrby', key)
    return integer(Number.isSafeInteger(Number(result)) ? Number(result) : result)
  },
}
