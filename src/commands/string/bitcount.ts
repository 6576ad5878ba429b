// BITCOUNT key [start end [BYTE|BIT]]
//
// Also home of the range logic and bit helpers BITPOS shares.
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { is } from '../args.js'
import { parseCounter } from './incrby.js'
import { clampRange } from './getrange.js'

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, n) => {
  let c = 0
  for (let v = n; v !== 0; v &= v - 1) c++
  return c
})

/** Bits of a byte from bit `from` to bit `to` (0 the most significant, inclusive). */
const span = (from: number, to: number): number => (0xff >> from) & (0xff << (7 - to)) & 0xff

/** Set bits of `data` from bit `first` to bit `last`, both inclusive and within the string. */
export const countBits = (data: Buffer, first: number, last: number): number => {
  const firstByte = Math.floor(first / 8)
  const lastByte = Math.floor(last / 8)
  if (firstByte === lastByte) return POPCOUNT[data[firstByte]! & span(first & 7, last & 7)]!
  let count = POPCOUNT[data[firstByte]! & span(first & 7, 7)]! + POPCOUNT[data[lastByte]! & span(0, last & 7)]!
  for (let i = firstByte + 1; i < lastByte; i++) count += POPCOUNT[data[i]!]!
  return count
}

/**
 * BITCOUNT's and BITPOS's range as bits: `start` and `end` count bytes (or bits when `bits`),
 * clamped as GETRANGE's (clampRange). [first bit, last bit] inclusive, or null when empty.
 */
export const bitRange = (length: number, start: number, end: number, bits: boolean): [number, number] | null => {
  const range = clampRange(bits ? length * 8 : length, start, end)
  return range === null || bits ? range : [range[0] * 8, range[1] * 8 + 7]
}

/** The BYTE|BIT unit argument: true for BIT, null when it is neither. */
export const parseUnit = (arg: Buffer): boolean | null => (is(arg, 'bit') ? true : is(arg, 'byte') ? false : null)

export const bitcount: CommandSpec = {
  name: 'bitcount',
  arity: -2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Count set bits in a string',
  since: '2.6.0',
  complexity: 'O(N)',
  syntax: 'key [start end [BYTE|BIT]]',
  execute(ctx, argv): Reply {
    // The key first, as Redis: a missing key answers 0 and a wrong type answers before any
    // argument is read.
    const entry = ctx.session.db.get(argv[1]!)
    if (entry === undefined) return integer(0)
    if (entry.value.type !== 'string') return Errors.wrongType
    const data = entry.value.data
    let range: [number, number] | null
    if (argv.length === 4 || argv.length === 5) {
      // Compared as parsed (numbers and bigints compare exactly), so indexes near ±2^63 order
      // correctly; past that the clamping makes a double's precision enough.
      const start = parseCounter(argv[2]!)
      if (start === null) return Errors.notInteger
      const end = parseCounter(argv[3]!)
      if (end === null) return Errors.notInteger
      // Before the unit is read, as Redis: `-1 -2 FOO` answers 0, not a syntax error.
      if (start < 0 && end < 0 && start > end) return integer(0)
      let bits = false
      if (argv.length === 5) {
        const unit = parseUnit(argv[4]!)
        if (unit === null) return Errors.syntax
        bits = unit
      }
      range = bitRange(data.length, Number(start), Number(end), bits)
    } else if (argv.length === 2) {
      range = data.length === 0 ? null : [0, data.length * 8 - 1]
    } else return Errors.syntax
    return integer(range === null ? 0 : countBits(data, range[0], range[1]))
  },
}
