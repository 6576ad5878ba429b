// GETRANGE key start end
//
// Also home of the range logic SUBSTR shares.
import { bulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { parseCounter } from './incrby.js'

const EMPTY = bulk(Buffer.alloc(0))

/**
 * Redis 7.0's getrangeCommand: negative indexes count from the end and are clamped to 0 (so
 * `0 -100` on a short string still returns its first byte), `end` is clamped to the last byte,
 * and two negative indexes with start > end give an empty string.
 */
export const getRange = (ctx: CommandContext, argv: Buffer[]): Reply => {
  // Compared as parsed (numbers and bigints compare exactly), so indexes near ±2^63 order correctly.
  const first = parseCounter(argv[2]!)
  if (first === null) return Errors.notInteger
  const last = parseCounter(argv[3]!)
  if (last === null) return Errors.notInteger
  const entry = ctx.session.db.get(argv[1]!)
  if (entry === undefined) return EMPTY
  if (entry.value.type !== 'string') return Errors.wrongType
  if (first < 0 && last < 0 && first > last) return EMPTY

  const data = entry.value.data
  const range = clampRange(data.length, Number(first), Number(last))
  return range === null ? EMPTY : bulk(data.subarray(range[0], range[1] + 1))
}

/**
 * Redis's index clamping over `length` units (GETRANGE's bytes, BITCOUNT's and BITPOS's bytes or
 * bits): negative indexes count from the end, both are clamped to 0, `end` to the last unit.
 * [start, end] inclusive, or null when the range is empty.
 */
export const clampRange = (length: number, start: number, end: number): [number, number] | null => {
  if (start < 0) start = length + start
  if (end < 0) end = length + end
  if (start < 0) start = 0
  if (end < 0) end = 0
  if (end >= length) end = length - 1
  return start > end ? null : [start, end]
}

export const getrange: CommandSpec = {
  name: 'getrange',
  arity: 4,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Get a substring of the string stored at a key',
  since: '2.4.0',
  complexity:
    'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
  syntax: 'key start end',
  execute: getRange,
}
