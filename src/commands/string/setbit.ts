// SETBIT key offset value
//
// Also home of the bit offset parsing GETBIT shares (Redis's getBitOffsetFromArgument).
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { parseI64 } from '../args.js'
import { applyPatch } from '../../storage/keyspace.js'
import { maxStringLength } from './setrange.js'
import { storedLength } from '../quota.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

const BAD_OFFSET = error('ERR bit offset is not an integer or out of range')
const BAD_BIT = error('ERR bit is not an integer or out of range')

/**
 * A bit offset as Redis 7.0 accepts it: an integer (string2ll) from 0 to one below
 * proto-max-bulk-len bytes' worth of bits (2^32 - 1 by default), so that the string it addresses
 * never outgrows the size limit; `null` when it is not (the caller answers BAD_OFFSET).
 */
export const parseBitOffset = (ctx: CommandContext, arg: Buffer): number | null => {
  const offset = parseI64(arg)
  if (offset === null || offset < 0n || offset >> 3n >= BigInt(maxStringLength(ctx))) return null
  return Number(offset)
}
export { BAD_OFFSET }

/** The mask of bit `offset` within its byte: bit 0 is the most significant bit of byte 0. */
export const bitMask = (offset: number): number => 0x80 >> (offset & 7)

export const setbit: CommandSpec = {
  name: 'setbit',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Sets or clears the bit at offset in the string value stored at key',
  since: '2.2.0',
  complexity: 'O(1)',
  syntax: 'key offset value',
  // The string grows to hold the bit's byte.
  grows: (ctx, argv) => {
    const offset = parseBitOffset(ctx, argv[2]!)
    return offset === null ? 0 : Math.floor(offset / 8) + 1 - storedLength(ctx, argv[1]!)
  },
  execute(ctx, argv): Reply {
    const offset = parseBitOffset(ctx, argv[2]!)
    if (offset === null) return BAD_OFFSET
    const on = parseI64(argv[3]!)
    if (on !== 0n && on !== 1n) return BAD_BIT
    const db = ctx.session.db
    const key = argv[1]!
    // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
    const entry = db.peek(key)
    if (entry !== undefined && entry.value.type !== 'string') return Errors.wrongType
    const byte = Math.floor(offset / 8)
    const mask = bitMask(offset)
    const old = entry?.value.type === 'string' ? entry.value.data : undefined
    const oldByte = old !== undefined && byte < old.length ? old[byte]! : 0
    const newByte = on === 1n ? oldByte | mask : oldByte & ~mask
    const oldBit = (oldByte & mask) !== 0 ? 1 : 0
    // A single-byte patch: logged as such, and growing the string with zero bytes in place.
    const change = { offset: byte, bytes: Buffer.of(newByte) }
    // Redis notifies when the key was created or grown, or the bit changed (setbitCommand's dirty).
    const changed = entry === undefined || byte >= old!.length || newByte !== oldByte
    if (entry === undefined) {
      // Raw, as Redis creates the string with sdsnewlen (even when the bit written is 0).
      db.set(key, { type: 'string', data: applyPatch(undefined, change), raw: true }, 0)
    } else if (byte >= old!.length || newByte !== oldByte || entry.value.type !== 'string' || entry.value.raw !== true) {
      // Also when nothing changes but the string is not raw yet: Redis unshares it into a raw
      // string before looking at the bit (OBJECT ENCODING answers raw afterwards).
      db.patch(key, change)
    }
    if (changed) db.notify(NOTIFY_STRING, 'setbit', key)
    return integer(oldBit)
  },
}
