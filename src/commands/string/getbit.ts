// GETBIT key offset
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { BAD_OFFSET, bitMask, parseBitOffset } from './setbit.js'

export const getbit: CommandSpec = {
  name: 'getbit',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Returns the bit value at offset in the string value stored at key',
  since: '2.2.0',
  complexity: 'O(1)',
  syntax: 'key offset',
  execute(ctx, argv): Reply {
    // The offset first, as Redis: a bad offset answers before a missing key or a wrong type.
    const offset = parseBitOffset(ctx, argv[2]!)
    if (offset === null) return BAD_OFFSET
    const entry = ctx.session.db.get(argv[1]!)
    if (entry === undefined) return integer(0)
    if (entry.value.type !== 'string') return Errors.wrongType
    const data = entry.value.data
    const byte = Math.floor(offset / 8)
    // Bits past the end read as 0.
    return integer(byte < data.length && (data[byte]! & bitMask(offset)) !== 0 ? 1 : 0)
  },
}
