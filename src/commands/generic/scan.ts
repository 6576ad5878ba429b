// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
import { Errors, array, bulk, error, type ErrorReply, type Reply } from '../../protocol/reply.js'
import type { Entry } from '../../storage/keyspace.js'
import { compileGlob, literalPrefix } from '../../storage/glob.js'
import { is, parseInteger, word } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const INVALID_CURSOR = error('ERR invalid cursor')
const U64_MAX = 2n ** 64n - 1n
/** Redis's default COUNT; here the number of keys visited per call. */
const DEFAULT_COUNT = 10

/**
 * The cursor as Redis's strtoul-based parser accepts it: no leading space, an optional sign
 * (`-n` wraps modulo 2^64), decimal digits, at most 2^64-1; the empty string is cursor 0.
 */
export const parseCursor = (arg: Buffer): bigint | null => {
  const len = arg.length
  if (len === 0) return 0n
  let i = 0
  const sign = arg[0]
  if (sign === 0x2b /* + */ || sign === 0x2d /* - */) i = 1
  if (i === len) return null
  for (let j = i; j < len; j++) {
    const c = arg[j]!
    if (c < 0x30 || c > 0x39) return null
  }
  const n = BigInt(arg.toString('latin1', i))
  if (n > U64_MAX) return null
  return sign === 0x2d && n !== 0n ? 2n ** 64n - n : n
}

export interface ScanOptions {
  readonly count: number
  /** Undefined for none, or `*` (which matches everything). */
  readonly pattern: Buffer | undefined
  readonly type: string | undefined
}

/**
 * Redis's scanGenericCommand options from argv[from]: COUNT (at least 1), MATCH (the last one
 * wins), and TYPE where `withType` (SCAN only; HSCAN and the others refuse it as a syntax error).
 */
export const parseScanOptions = (argv: readonly Buffer[], from: number, withType: boolean): ScanOptions | ErrorReply => {
  let count = DEFAULT_COUNT
  let pattern: Buffer | undefined
  let type: string | undefined
  for (let i = from; i < argv.length; i += 2) {
    const option = argv[i]!
    const value = argv[i + 1]
    if (value === undefined) return Errors.syntax
    if (is(option, 'count')) {
      const n = parseInteger(value)
      if (n === null) return Errors.notInteger
      if (n < 1) return Errors.syntax
      count = n
    } else if (is(option, 'match')) {
      pattern = value.length === 1 && value[0] === 0x2a ? undefined : value
    } else if (withType && is(option, 'type')) {
      type = word(value)
    } else {
      return Errors.syntax
    }
  }
  return { count, pattern, type }
}

export const scan: CommandSpec = {
  name: 'scan',
  arity: -2,
  flags: ['readonly'],
  keys: NO_KEYS,
  group: 'generic',
  summary: 'Incrementally iterate the keys space',
  since: '2.8.0',
  complexity:
    'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
  syntax: 'cursor [MATCH pattern] [COUNT count] [TYPE type]',
  execute(ctx, argv): Reply {
    const cursor = parseCursor(argv[1]!)
    if (cursor === null) return INVALID_CURSOR
    const options = parseScanOptions(argv, 2, true)
    if ('kind' in options) return options
    const { count, pattern, type } = options
    const match = pattern === undefined ? undefined : compileGlob(pattern)
    let accept: ((key: Buffer, entry: Entry) => boolean) | undefined
    if (type !== undefined) {
      // Redis reads each MATCHing key's type with a stats-counting lookup: one keyspace hit each.
      const stats = ctx.server.stats
      accept = (key, entry) => {
        if (match !== undefined && !match(key)) return false
        stats.hits++
        return entry.value.type === type
      }
    } else accept = match
    const result = ctx.session.db.scan(Number(cursor), count, accept, pattern === undefined ? undefined : literalPrefix(pattern))
    return array([bulk(String(result.cursor)), array(result.keys.map(bulk))])
  },
}
