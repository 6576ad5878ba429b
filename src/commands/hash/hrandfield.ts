// HRANDFIELD key [count [WITHVALUES]]
import { EMPTY_ARRAY, Errors, NULL, array, bulk, error, pairs, type Reply } from '../../protocol/reply.js'
import { I64_MAX, is, parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

const COUNT_RANGE = error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')
const OUT_OF_RANGE = error('ERR value is out of range')

/** A uniformly random index below `n`. */
const below = (n: number): number => Math.floor(Math.random() * n)

export const hrandfield: CommandSpec = {
  name: 'hrandfield',
  arity: -2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get one or multiple random fields from a hash',
  since: '6.2.0',
  complexity: 'O(N) where N is the number of fields returned',
  syntax: 'key [count [WITHVALUES]]',
  /**
   * Redis's hrandfieldCommand: a negative count may repeat fields and returns exactly that many;
   * a positive one returns distinct fields, the whole hash (in its order) once the count reaches
   * its size. WITHVALUES pairs each field with its value: flat in RESP2, pairs in RESP3.
   */
  execute(ctx, argv): Reply {
    if (argv.length === 2) {
      const hash = readHash(ctx, argv[1]!)
      if (hash === undefined) return NULL
      if (isError(hash)) return hash
      let n = below(hash.fields.size)
      for (const field of hash.fields.keys()) if (n-- === 0) return bulk(field)
      return NULL
    }
    const count = parseI64(argv[2]!)
    if (count === null) return Errors.notInteger
    if (count < -I64_MAX || count > I64_MAX) return COUNT_RANGE
    let withValues = false
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3]!, 'withvalues'))) return Errors.syntax
    if (argv.length === 4) {
      withValues = true
      if (count < -I64_MAX / 2n || count > I64_MAX / 2n) return OUT_OF_RANGE
    }
    const hash = readHash(ctx, argv[1]!)
    if (hash === undefined) return EMPTY_ARRAY
    if (isError(hash)) return hash
    const size = hash.fields.size
    const unique = count >= 0n
    const wanted = unique ? count : -count
    if (wanted === 0n || size === 0) return EMPTY_ARRAY
    const reply = (entries: readonly (readonly [string, string])[]): Reply =>
      withValues ? pairs(entries.map(([f, v]) => [bulk(f), bulk(v)] as const)) : array(entries.map(([f]) => bulk(f)))
    if (unique && wanted >= BigInt(size)) return reply([...hash.fields])
    const entries = [...hash.fields]
    const n = Number(wanted)
    if (!unique || n === 1) {
      const picked: (readonly [string, string])[] = []
      for (let i = 0; i < n; i++) picked.push(entries[below(size)]!)
      return reply(picked)
    }
    // A partial Fisher-Yates shuffle: the first n entries become a uniform sample.
    for (let i = 0; i < n; i++) {
      const j = i + below(size - i)
      const t = entries[i]!
      entries[i] = entries[j]!
      entries[j] = t
    }
    return reply(entries.slice(0, n))
  },
}
