// Argument parsing with Redis's exact acceptance rules. Every command parses through these so
// that "is this an integer" means the same thing everywhere (Redis's string2ll / string2ld).

export const I64_MIN = -(2n ** 63n)
export const I64_MAX = 2n ** 63n - 1n

/** The option word in lowercase ASCII (argument names are ASCII; other bytes pass through). */
export const word = (arg: Buffer): string => arg.toString('latin1').toLowerCase()

/** Case-insensitive comparison of an argument with a lowercase ASCII option name. */
export const is = (arg: Buffer, lowerName: string): boolean => {
  if (arg.length !== lowerName.length) return false
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]!
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lowerName.charCodeAt(i)) return false
  }
  return true
}

/**
 * The argument as Redis prints it into an error with `%s` (or `%.*s`, at most `max` bytes): a C
 * string, so up to its first NUL byte. Line breaks are the encoder's to replace.
 */
export const cText = (arg: Buffer, max = arg.length): string => {
  const nul = arg.indexOf(0)
  return arg.toString('latin1', 0, Math.min(max, nul === -1 ? arg.length : nul))
}

/**
 * A signed 64-bit integer as Redis's string2ll accepts it: optional '-', no '+', no spaces, no
 * leading zeros (except "0" itself), at most 20 characters. Returns null when not an integer.
 */
export const parseI64 = (arg: Buffer): bigint | null => {
  const len = arg.length
  if (len === 0 || len > 20) return null
  let i = 0
  if (arg[0] === 45 /* - */) {
    if (len === 1) return null
    i = 1
  }
  if (arg[i] === 48 /* 0 */) return len === 1 ? 0n : null
  for (let j = i; j < len; j++) {
    const c = arg[j]!
    if (c < 48 || c > 57) return null
  }
  const n = BigInt(arg.toString('latin1'))
  return n < I64_MIN || n > I64_MAX ? null : n
}

/**
 * Like parseI64 but as a JS number, for counts, offsets and times. Values beyond 2^53 lose
 * precision, which only matters to callers that must be exact at 64 bits (INCR family): those
 * use parseI64. The fast path avoids BigInt for short arguments.
 */
/** A C int as Redis's getIntFromObjectOrReply reads one (SELECT, SWAPDB, MOVE's DB): null otherwise. */
export const parseInt32 = (arg: Buffer): number | null => {
  const n = parseInteger(arg)
  return n === null || n > 2 ** 31 - 1 || n < -(2 ** 31) ? null : n
}

export const parseInteger = (arg: Buffer): number | null => {
  const len = arg.length
  if (len === 0 || len > 15) {
    const big = parseI64(arg)
    return big === null ? null : Number(big)
  }
  let i = 0
  let negative = false
  if (arg[0] === 45) {
    if (len === 1) return null
    negative = true
    i = 1
  }
  if (arg[i] === 48) return len === 1 ? 0 : null
  let n = 0
  for (; i < len; i++) {
    const c = arg[i]!
    if (c < 48 || c > 57) return null
    n = n * 10 + (c - 48)
  }
  return negative ? -n : n
}

/**
 * A float as Redis's string2ld accepts it (INCRBYFLOAT, and later ZADD scores): decimal or
 * exponent notation, `inf`/`-inf`/`+inf`; no spaces, no hex, not NaN. Returns null otherwise.
 */
export const parseFloatArg = (arg: Buffer): number | null => {
  if (arg.length === 0 || arg.length > 5000) return null
  const s = arg.toString('latin1')
  const lower = s.toLowerCase()
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity
  if (lower === '-inf' || lower === '-infinity') return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null
  const n = Number(s)
  return Number.isNaN(n) ? null : n
}

export { formatDouble } from '../protocol/format.js'
