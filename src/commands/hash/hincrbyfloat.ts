// HINCRBYFLOAT key field increment
//
// In C long double, printed as Redis's ld2string (LD_STR_HUMAN), as INCRBYFLOAT: its arithmetic
// (string/incrbyfloat.ts) is shared.
import { bulk, error, Errors, type Reply } from '../../protocol/reply.js'
import { NOTIFY_HASH } from '../../storage/keyspace-events.js'
import type { CommandSpec } from '../spec.js'
import { addLongDouble, formatLongDouble, NAN_OR_INF, parseLongDouble } from '../string/incrbyfloat.js'
import { isError, setFields, writeHash } from './hash-lookup.js'

const NOT_FLOAT = error('ERR hash value is not a float')
const NAN_OR_INF_INCREMENT = error('ERR value is NaN or Infinity')

export const hincrbyfloat: CommandSpec = {
  name: 'hincrbyfloat',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Increment the float value of a hash field by the given amount',
  since: '2.6.0',
  complexity: 'O(1)',
  syntax: 'key field increment',
  execute(ctx, argv): Reply {
    // Redis's order: the increment (a float, then not infinite), the key's type, the field's value.
    const increment = parseLongDouble(argv[3]!)
    if (increment === null) return Errors.notFloat
    if ('inf' in increment) return NAN_OR_INF_INCREMENT
    const key = argv[1]!
    const hash = writeHash(ctx, key)
    if (isError(hash)) return hash
    const field = argv[2]!
    const stored = hash?.fields.get(field.toString('latin1'))
    let current = { neg: false, m: 0n, e: 0 }
    if (stored !== undefined) {
      const parsed = parseLongDouble(Buffer.from(stored, 'latin1'))
      if (parsed === null) return NOT_FLOAT
      if ('inf' in parsed) return NAN_OR_INF
      current = parsed
    }
    const sum = addLongDouble(current, increment)
    if (sum === 'inf') return NAN_OR_INF
    const data = Buffer.from(formatLongDouble(sum), 'latin1')
    setFields(ctx, key, hash, [field, data], 0)
    ctx.session.db.notify(NOTIFY_HASH, 'hincrbyfloat', key)
    return bulk(data)
  },
}
