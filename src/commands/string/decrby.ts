// DECRBY key decrement
import { error, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { I64_MIN } from '../args.js'
import { incrementBy, parseCounter } from './incrby.js'

/** Negating -2^63 has no 64-bit result; Redis refuses it before looking at the key. */
const DECREMENT_OVERFLOW = error('ERR decrement would overflow')

export const decrby: CommandSpec = {
  name: 'decrby',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Decrement the integer value of a key by the given number',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key decrement',
  execute(ctx, argv): Reply {
    const delta = parseCounter(argv[2]!)
    if (delta === null) return Errors.notInteger
    if (delta === I64_MIN) return DECREMENT_OVERFLOW
    return incrementBy(ctx, argv[1]!, -delta)
  },
}
