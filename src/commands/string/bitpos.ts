// BITPOS key bit [start [end [BYTE|BIT]]]
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { parseI64 } from '../args.js'
import { parseCounter } from './incrby.js'
import { bitRange, parseUnit } from './bitcount.js'

const BAD_BIT = error('ERR The bit argument must be 1 or 0.')

/** The first bit of `data` from `first` to `last` (inclusive) that is `bit`, or -1. */
const findBit = (data: Buffer, bit: 0 | 1, first: number, last: number): number => {
  // A byte holding no such bit: skipped whole in the middle of the range.
  const skip = bit === 1 ? 0x00 : 0xff
  let i = first
  while (i <= last) {
    if ((i & 7) === 0 && i + 7 <= last && data[Math.floor(i / 8)] === skip) {
      i += 8
      continue
    }
    const set = (data[Math.floor(i / 8)]! & (0x80 >> (i & 7))) !== 0
    if (set === (bit === 1)) return i
    i++
  }
  return -1
}

export const bitpos: CommandSpec = {
  name: 'bitpos',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Find first bit set or clear in a string',
  since: '2.8.7',
  complexity: 'O(N)',
  syntax: 'key bit [start [end [BYTE|BIT]]]',
  execute(ctx, argv): Reply {
    const parsed = parseI64(argv[2]!)
    if (parsed === null) return Errors.notInteger
    if (parsed !== 0n && parsed !== 1n) return BAD_BIT
    const bit = parsed === 1n ? 1 : 0
    // A missing key is an endless run of 0 bits, whatever the other arguments.
    const entry = ctx.session.db.get(argv[1]!)
    if (entry === undefined) return integer(bit === 1 ? -1 : 0)
    if (entry.value.type !== 'string') return Errors.wrongType
    const data = entry.value.data
    let range: [number, number] | null
    let endGiven = false
    if (argv.length >= 4 && argv.length <= 6) {
      const start = parseCounter(argv[3]!)
      if (start === null) return Errors.notInteger
      // The unit before the end, as Redis reads them.
      let bits = false
      if (argv.length === 6) {
        const unit = parseUnit(argv[5]!)
        if (unit === null) return Errors.syntax
        bits = unit
      }
      let end = -1
      if (argv.length >= 5) {
        const given = parseCounter(argv[4]!)
        if (given === null) return Errors.notInteger
        end = Number(given)
        endGiven = true
      }
      range = bitRange(data.length, Number(start), end, bits)
    } else if (argv.length === 3) {
      range = data.length === 0 ? null : [0, data.length * 8 - 1]
    } else return Errors.syntax
    // An empty range holds neither a 0 nor a 1.
    if (range === null) return integer(-1)
    const found = findBit(data, bit, range[0], range[1])
    // Without an explicit end the string counts as followed by 0 bits: looking for a 0 in a
    // range of ones answers the first bit past it (the end of the string).
    if (found === -1 && bit === 0 && !endGiven) return integer(range[1] + 1)
    return integer(found)
  },
}
