// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
//   <SET encoding offset value | INCRBY encoding offset increment> ...]
//
// Also home of the operation parsing and execution BITFIELD_RO shares (Redis's bitfieldGeneric).
import { array, error, integer, Errors, NULL, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { is, parseI64 } from '../args.js'
import { BAD_OFFSET } from './setbit.js'
import { maxStringLength } from './setrange.js'
import { storedLength } from '../quota.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

const BAD_TYPE = error('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.')
const BAD_OVERFLOW = error('ERR Invalid OVERFLOW type specified')
const RO_GET_ONLY = error('ERR BITFIELD_RO only supports the GET subcommand')

type Overflow = 'wrap' | 'sat' | 'fail'

interface Op {
  readonly kind: 'get' | 'set' | 'incrby'
  /** Bit offset of the field's most significant bit (bit 0: the top bit of byte 0). */
  readonly offset: number
  readonly bits: number
  readonly signed: boolean
  /** SET's value or INCRBY's increment (0n for GET). */
  readonly value: bigint
  /** The OVERFLOW in force when the operation was read: it applies to this SET or INCRBY. */
  readonly overflow: Overflow
}

/**
 * `i1`..`i64` or `u1`..`u63`, as Redis's getBitfieldTypeFromArgument: a lowercase sign letter and
 * a string2ll width read as a C string (up to a NUL byte). Null when it is not a type.
 */
const parseType = (arg: Buffer): { signed: boolean; bits: number } | null => {
  const signed = arg[0] === 0x69 /* i */ ? true : arg[0] === 0x75 /* u */ ? false : null
  if (signed === null) return null
  const nul = arg.indexOf(0, 1)
  const width = parseI64(arg.subarray(1, nul === -1 ? arg.length : nul))
  if (width === null || width < 1n || width > (signed ? 64n : 63n)) return null
  return { signed, bits: Number(width) }
}

/**
 * A field offset as Redis's getBitOffsetFromArgument with `#` allowed: `#N` means N fields of
 * this width, and the product wraps at 64 bits as Redis's C multiplication does. Bounded as
 * SETBIT's offsets (proto-max-bulk-len bytes' worth of bits); null when out of range.
 */
const parseFieldOffset = (ctx: CommandContext, arg: Buffer, bits: number): number | null => {
  const positional = arg[0] === 0x23 /* # */
  let offset = parseI64(positional ? arg.subarray(1) : arg)
  if (offset === null) return null
  if (positional) offset = BigInt.asIntN(64, offset * BigInt(bits))
  if (offset < 0n || offset >> 3n >= BigInt(maxStringLength(ctx))) return null
  return Number(offset)
}

/**
 * Parses every operation before any runs, as Redis: the first bad argument answers and nothing
 * is written. Returns the operations, or the error reply.
 */
const parseOps = (ctx: CommandContext, argv: readonly Buffer[]): Op[] | Reply => {
  const ops: Op[] = []
  let overflow: Overflow = 'wrap'
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1
    const sub = argv[j]!
    let kind: Op['kind']
    if (is(sub, 'get') && remaining >= 2) kind = 'get'
    else if (is(sub, 'set') && remaining >= 3) kind = 'set'
    else if (is(sub, 'incrby') && remaining >= 3) kind = 'incrby'
    else if (is(sub, 'overflow') && remaining >= 1) {
      const name = argv[++j]!
      if (is(name, 'wrap')) overflow = 'wrap'
      else if (is(name, 'sat')) overflow = 'sat'
      else if (is(name, 'fail')) overflow = 'fail'
      else return BAD_OVERFLOW
      continue
    } else return Errors.syntax
    const type = parseType(argv[j + 1]!)
    if (type === null) return BAD_TYPE
    const offset = parseFieldOffset(ctx, argv[j + 2]!, type.bits)
    if (offset === null) return BAD_OFFSET
    let value = 0n
    if (kind !== 'get') {
      const parsed = parseI64(argv[j + 3]!)
      if (parsed === null) return Errors.notInteger
      value = parsed
    }
    ops.push({ kind, offset, bits: type.bits, signed: type.signed, value, overflow })
    j += kind === 'get' ? 2 : 3
  }
  return ops
}

/**
 * The `bits`-wide field at bit `offset` as an unsigned integer; bytes past the end of `data` read
 * as zero. BigInt because fields reach 64 bits.
 */
const readField = (data: Buffer, offset: number, bits: number): bigint => {
  const last = offset + bits - 1
  let v = 0n
  for (let i = Math.floor(offset / 8); i <= Math.floor(last / 8); i++) v = (v << 8n) | BigInt(data[i] ?? 0)
  return BigInt.asUintN(bits, v >> BigInt(7 - (last % 8)))
}

/** Writes the low `bits` bits of `value` at bit `offset`; `data` reaches the field's last byte. */
const writeField = (data: Buffer, offset: number, bits: number, value: bigint): void => {
  const last = offset + bits - 1
  const shift = BigInt(7 - (last % 8))
  let v = BigInt.asUintN(bits, value) << shift
  let mask = ((1n << BigInt(bits)) - 1n) << shift
  for (let i = Math.floor(last / 8); i >= Math.floor(offset / 8); i--) {
    const m = Number(mask & 0xffn)
    data[i] = (data[i]! & ~m) | Number(v & 0xffn)
    v >>= 8n
    mask >>= 8n
  }
}

/**
 * The value a SET or INCRBY stores, as Redis's check{Signed,Unsigned}BitfieldOverflow decide it:
 * the exact result when it fits the type, else wrapped (two's complement at `bits`), saturated,
 * or null for FAIL. An unsigned SET takes its value as the int64's unsigned 64-bit pattern, so
 * `SET u8 0 -1` overflows (to 255 under WRAP and SAT alike).
 */
const store = (op: Op, old: bigint): bigint | null => {
  const target = op.kind === 'set' ? (op.signed ? op.value : BigInt.asUintN(64, op.value)) : old + op.value
  const max = op.signed ? (1n << BigInt(op.bits - 1)) - 1n : (1n << BigInt(op.bits)) - 1n
  const min = op.signed ? -max - 1n : 0n
  if (target >= min && target <= max) return target
  if (op.overflow === 'fail') return null
  if (op.overflow === 'sat') return target > max ? max : min
  return op.signed ? BigInt.asIntN(op.bits, target) : BigInt.asUintN(op.bits, target)
}

const asField = (op: Op, raw: bigint): bigint => (op.signed ? BigInt.asIntN(op.bits, raw) : raw)

/** BITFIELD (readonly false) and BITFIELD_RO (readonly true). */
export const bitfieldGeneric = (ctx: CommandContext, argv: Buffer[], readonly: boolean): Reply => {
  const ops = parseOps(ctx, argv)
  if (!Array.isArray(ops)) return ops
  const db = ctx.session.db
  const key = argv[1]!
  const writes = ops.filter((op) => op.kind !== 'get')
  if (writes.length === 0) {
    // Only GETs: a read lookup (hits and misses counted); a missing key reads as zeros and is
    // not created.
    const entry = db.get(key)
    if (entry !== undefined && entry.value.type !== 'string') return Errors.wrongType
    const data = entry?.value.type === 'string' ? entry.value.data : Buffer.alloc(0)
    return array(ops.map((op) => integer(asField(op, readField(data, op.offset, op.bits)))))
  }
  // After the parsing and before the type check, as Redis.
  if (readonly) return RO_GET_ONLY
  // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
  const entry = db.peek(key)
  if (entry !== undefined && entry.value.type !== 'string') return Errors.wrongType
  const old = entry?.value.type === 'string' ? entry.value.data : undefined
  // Redis grows the string to the last byte any SET or INCRBY reaches before running them (so
  // even when they all FAIL), and writes them into it. The change is logged as one patch from
  // the first byte a write reaches to that last byte: gaps below are the patch's zero fill.
  let from = Infinity
  let to = 0
  for (const op of writes) {
    from = Math.min(from, Math.floor(op.offset / 8))
    to = Math.max(to, Math.floor((op.offset + op.bits - 1) / 8) + 1)
  }
  const length = Math.max(old?.length ?? 0, to)
  const data = Buffer.alloc(length)
  old?.copy(data)
  const replies: Reply[] = []
  let changes = 0
  for (const op of ops) {
    const current = readField(data, op.offset, op.bits)
    if (op.kind === 'get') {
      replies.push(integer(asField(op, current)))
      continue
    }
    const stored = store(op, asField(op, current))
    if (stored === null) {
      replies.push(NULL)
      continue
    }
    writeField(data, op.offset, op.bits, stored)
    changes++
    replies.push(integer(op.kind === 'set' ? asField(op, current) : stored))
  }
  // Raw, as Redis creates the string with sdsnewlen; an existing one is patched in place,
  // keeping its TTL, and becomes raw as Redis's dbUnshareStringValue makes it.
  if (entry === undefined) db.set(key, { type: 'string', data, raw: true }, 0)
  else db.patch(key, { offset: from, bytes: data.subarray(from, to) })
  // Once, when a SET or INCRBY wrote (one that FAILed on overflow did not), as Redis.
  if (changes > 0) db.notify(NOTIFY_STRING, 'setbit', key)
  return array(replies)
}

/**
 * How far BITFIELD's writes may grow the string: to the byte holding the last bit of the
 * furthest SET or INCRBY field (the string grows even when the write fails on overflow, as in
 * Redis). GETs read zeros past the end and grow nothing.
 */
const bitfieldGrowth = (ctx: CommandContext, argv: readonly Buffer[]): number => {
  const ops = parseOps(ctx, argv)
  if (!Array.isArray(ops)) return 0
  let reach = 0
  for (const op of ops) if (op.kind !== 'get') reach = Math.max(reach, Math.ceil((op.offset + op.bits) / 8))
  return reach - storedLength(ctx, argv[1]!)
}

export const bitfield: CommandSpec = {
  name: 'bitfield',
  arity: -2,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Perform arbitrary bitfield integer operations on strings',
  since: '3.2.0',
  complexity: 'O(1) for each subcommand specified',
  syntax:
    'key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]',
  grows: (ctx, argv) => bitfieldGrowth(ctx, argv),
  execute: (ctx, argv) => bitfieldGeneric(ctx, argv, false),
}
