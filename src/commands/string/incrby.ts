// INCRBY key increment
//
// Also home of the arithmetic INCR, DECR and DECRBY share (Redis's incrDecrCommand).
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { I64_MAX, I64_MIN, parseI64, parseInteger } from '../args.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'


/**
 * An integer argument or stored value: a number when it has at most 15 characters (so any sum
 * of two is exact in a double), a bigint otherwise, null when Redis's string2ll rejects it.
 */
export const parseCounter = (arg: Buffer): number | bigint | null =>
  arg.length <= 15 ? parseInteger(arg) : parseI64(arg)

/**
 * Adds `delta` to the integer at `key` (0 when missing) with exact signed 64-bit overflow
 * checks, stores the decimal result (keeping the key's TTL) and replies with it.
 */
export const incrementBy = (ctx: CommandContext, key: Buffer, delta: number | bigint): Reply => {
  const db = ctx.session.db
  // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
  const entry = db.peek(key)
  let current: number | bigint = 0
  if (entry !== undefined) {
    if (entry.value.type !== 'string') return Errors.wrongType
    const parsed = parseCounter(entry.value.data)
    if (parsed === null) return Errors.notInteger
    current = parsed
  }
  let result: number | bigint
  if (typeof current === 'number' && typeof delta === 'number') {
    result = current + delta
  } else {
    const sum = BigInt(current) + BigInt(delta)
    if (sum < I64_MIN || sum > I64_MAX) return Errors.overflow
    result = sum
  }
  db.set(key, { type: 'string', data: Buffer.from(String(result), 'latin1') }, entry === undefined ? 0 : entry.expiresAt)
  // INCR, DECR and DECRBY too: Redis's incrDecrCommand names them all `incrby`.
  db.notify(NOTIFY_STRING, 'incrby', key)
  return integer(result)
}

export const incrby: CommandSpec = {
  name: 'incrby',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Increment the integer value of a key by the given amount',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key increment',
  execute(ctx, argv): Reply {
    const delta = parseCounter(argv[2]!)
    if (delta === null) return Errors.notInteger
    return incrementBy(ctx, argv[1]!, delta)
  },
}
