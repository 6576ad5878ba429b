// INCRBYFLOAT key increment
//
// Redis computes this in C `long double` (x86-64: 80-bit extended, 64-bit significand), parses
// with strtold and stores the result printed as `%.17Lf` with trailing zeros trimmed. JS doubles
// would give visibly different results (10.5 + 0.1 is 10.6 in Redis, 10.59999999999999964 when
// printed from a double), so this module emulates that arithmetic exactly with BigInt: every
// parse, sum and print is correctly rounded to nearest-even, as glibc does. Integer operands
// that fit a double take a fast path, since their sum is exact in both representations.
import { bulk, error, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { parseInteger } from '../args.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

/** The sum is not finite (INCRBYFLOAT, HINCRBYFLOAT). */
export const NAN_OR_INF = error('ERR increment would produce NaN or Infinity')

/** A finite extended-precision value: (-1)^neg × m × 2^e, with m < 2^64 (m = 0 for zero). */
export interface LongDouble {
  readonly neg: boolean
  readonly m: bigint
  readonly e: number
}

/** Infinity of either sign; strtold accepts `inf`, and the sum then fails. */
const INF = 'inf' as const

const SIGNIFICAND_BITS = 64
/** The largest binary exponent a long double reaches: values at or above 2^16384 are infinite. */
const MAX_BINARY_EXP = 16384
/** Half the smallest subnormal: strtold rounds values up to this one to zero. */
const MIN_BINARY_EXP = -16446
/** Decimal exponents beyond which strtold overflows or underflows to zero (ERANGE, rejected). */
const MAX_DECIMAL_EXP = 4933
const MIN_DECIMAL_EXP = -4951
/** string2ld copies into a 5 KiB buffer; longer inputs are rejected outright. */
const MAX_CHARS = 5 * 1024

const DECIMAL = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/
const INFINITY = /^([+-]?)inf(?:inity)?$/i

/** Powers of ten for ordinary exponents, so common inputs skip BigInt exponentiation. */
const POW10: bigint[] = Array.from({ length: 64 }, (_, i) => 10n ** BigInt(i))
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)

const bitLength = (n: bigint): number => {
  const hex = n.toString(16)
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)))
}

/**
 * Rounds the exact value n × 2^e (n ≥ 0) to a 64-bit significand, nearest-even. `sticky` says
 * that nonzero bits were already dropped below n (n is then a truncation of the true value).
 */
const round = (neg: boolean, n: bigint, e: number, sticky = false): LongDouble | typeof INF => {
  if (n === 0n) return { neg, m: 0n, e: 0 }
  const bits = bitLength(n)
  let m = n
  if (bits > SIGNIFICAND_BITS) {
    const shift = bits - SIGNIFICAND_BITS
    const big = BigInt(shift)
    m = n >> big
    const rest = n & ((1n << big) - 1n)
    const half = 1n << (big - 1n)
    if (rest > half || (rest === half && (sticky || (m & 1n) === 1n))) m += 1n
    e += shift
    if (m >> 64n === 1n) {
      m >>= 1n
      e += 1
    }
  }
  return bitLength(m) + e > MAX_BINARY_EXP ? INF : { neg, m, e }
}

/**
 * The parse result as strtold reports it to string2ld: overflow and underflow to zero (below
 * half the smallest subnormal, 2^-16446) are rejected. Subnormal precision is not emulated: it
 * cannot show in a result printed with 17 decimals.
 */
const parsed = (r: LongDouble | typeof INF): LongDouble | null => {
  if (r === INF) return null
  if (r.m === 0n) return r
  const top = bitLength(r.m) - 1 + r.e
  if (top < MIN_BINARY_EXP || (top === MIN_BINARY_EXP && (r.m & (r.m - 1n)) === 0n)) return null
  return r
}

/** Exponent digits may be absurdly long; anything this large over- or underflows anyway. */
const exponent = (digits: string | undefined): number => {
  if (digits === undefined) return 0
  const n = Number(digits)
  return Math.max(-1e9, Math.min(1e9, n))
}

/**
 * Redis's string2ld: the value strtold would produce, `inf` with a sign, or null when Redis
 * rejects it (spaces, trailing bytes, NaN, overflow, underflow to zero, 5 KiB or longer).
 */
export const parseLongDouble = (arg: Buffer): LongDouble | { readonly inf: true; readonly neg: boolean } | null => {
  if (arg.length === 0 || arg.length >= MAX_CHARS) return null
  const s = arg.toString('latin1')
  let match = DECIMAL.exec(s)
  if (match !== null) {
    const neg = match[1] === '-'
    const intDigits = match[2] ?? ''
    const fracDigits = match[3] ?? match[4] ?? ''
    const all = (intDigits + fracDigits).replace(/^0+/, '')
    if (all === '') return { neg, m: 0n, e: 0 }
    const exp10 = exponent(match[5]) - fracDigits.length
    const magnitude = exp10 + all.length
    if (magnitude > MAX_DECIMAL_EXP) return null
    if (magnitude < MIN_DECIMAL_EXP) return null
    const digits = BigInt(all)
    if (exp10 >= 0) {
      return parsed(round(neg, digits * pow10(exp10), 0))
    }
    const denominator = pow10(-exp10)
    // Enough quotient bits for a significand plus guard bit; the remainder becomes the sticky bit.
    const shift = Math.max(0, SIGNIFICAND_BITS + 2 + bitLength(denominator) - bitLength(digits))
    const scaled = digits << BigInt(shift)
    return parsed(round(neg, scaled / denominator, -shift, scaled % denominator !== 0n))
  }
  match = HEX.exec(s)
  if (match !== null) {
    const neg = match[1] === '-'
    const intDigits = match[2] ?? ''
    const fracDigits = match[3] ?? match[4] ?? ''
    const all = (intDigits + fracDigits).replace(/^0+/, '')
    if (all === '') return { neg, m: 0n, e: 0 }
    const exp2 = exponent(match[5]) - 4 * fracDigits.length
    if (exp2 + 4 * all.length > MAX_BINARY_EXP + 4) return null
    if (exp2 + 4 * all.length < MIN_BINARY_EXP - 4) return null
    return parsed(round(neg, BigInt('0x' + all), exp2))
  }
  match = INFINITY.exec(s)
  if (match !== null) return { inf: true, neg: match[1] === '-' }
  return null
}

/** The correctly rounded sum, or `inf` when it overflows. */
export const addLongDouble = (a: LongDouble, b: LongDouble): LongDouble | typeof INF => {
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b
  if (b.m === 0n) return a
  const e = Math.min(a.e, b.e)
  const x = a.m << BigInt(a.e - e)
  const y = b.m << BigInt(b.e - e)
  const sum = (a.neg ? -x : x) + (b.neg ? -y : y)
  // An exact zero sum is +0 in round-to-nearest.
  return sum < 0n ? round(true, -sum, e) : round(false, sum, e)
}

const FRACTION_DIGITS = 17
const FRACTION_SCALE = pow10(FRACTION_DIGITS)

/** `%.17Lf` with trailing zeros (and a bare point) trimmed and `-0` shown as `0`: ld2string's LD_STR_HUMAN. */
export const formatLongDouble = (v: LongDouble): string => {
  const sign = v.neg ? '-' : ''
  if (v.e >= 0) {
    const digits = (v.m << BigInt(v.e)).toString()
    return digits === '0' ? '0' : sign + digits
  }
  const shift = BigInt(-v.e)
  const scaled = v.m * FRACTION_SCALE
  let q = scaled >> shift
  const rest = scaled & ((1n << shift) - 1n)
  const half = 1n << (shift - 1n)
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n
  const intPart = (q / FRACTION_SCALE).toString()
  const frac = (q % FRACTION_SCALE).toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '')
  const text = frac === '' ? intPart : `${intPart}.${frac}`
  return text === '0' ? '0' : sign + text
}

/** The largest magnitude for which integer operands sum exactly as doubles. */
const FAST_LIMIT = 2 ** 52

export const incrbyfloat: CommandSpec = {
  name: 'incrbyfloat',
  arity: 3,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Increment the float value of a key by the given amount',
  since: '2.6.0',
  complexity: 'O(1)',
  syntax: 'key increment',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[1]!
    // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
    const entry = db.peek(key)
    if (entry !== undefined && entry.value.type !== 'string') return Errors.wrongType
    const current = entry === undefined || entry.value.type !== 'string' ? undefined : entry.value.data
    const expiresAt = entry === undefined ? 0 : entry.expiresAt

    const fastA = current === undefined ? 0 : current.length <= 15 ? parseInteger(current) : null
    const fastB = argv[2]!.length <= 15 ? parseInteger(argv[2]!) : null
    let text: string
    if (fastA !== null && fastB !== null && Math.abs(fastA) < FAST_LIMIT && Math.abs(fastB) < FAST_LIMIT) {
      text = String(fastA + fastB)
    } else {
      const a = current === undefined ? { neg: false, m: 0n, e: 0 } : parseLongDouble(current)
      if (a === null) return Errors.notFloat
      const b = parseLongDouble(argv[2]!)
      if (b === null) return Errors.notFloat
      if ('inf' in a || 'inf' in b) return NAN_OR_INF
      const sum = addLongDouble(a, b)
      if (sum === INF) return NAN_OR_INF
      text = formatLongDouble(sum)
    }
    const data = Buffer.from(text, 'latin1')
    db.set(key, { type: 'string', data }, expiresAt)
    db.notify(NOTIFY_STRING, 'incrbyfloat', key)
    return bulk(data)
  },
}
