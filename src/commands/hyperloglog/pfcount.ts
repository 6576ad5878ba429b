// PFCOUNT key [key ...]
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { HLL_REGISTERS, cacheValid, cachedCardinality, count, estimate, mergeInto, rawHistogram, setCachedCardinality } from './hll.js'
import { INVALID_HLL, hllBytes, storeHll } from './pfadd.js'

export const pfcount: CommandSpec = {
  name: 'pfcount',
  arity: -2,
  // Read-only as Redis declares it, although a stale cache is refreshed (stored) in passing:
  // may_replicate says so.
  flags: ['readonly', 'may_replicate'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'hyperloglog',
  summary: 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
  since: '2.8.9',
  complexity:
    'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
  syntax: 'key [key ...]',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    if (argv.length > 2) {
      // The union's cardinality, from a temporary of one byte per register; no cache is touched.
      const max = new Uint8Array(HLL_REGISTERS)
      for (let j = 1; j < argv.length; j++) {
        const entry = db.get(argv[j]!)
        if (entry === undefined) continue
        const bytes = hllBytes(entry)
        if (!Buffer.isBuffer(bytes)) return bytes
        if (!mergeInto(max, bytes)) return INVALID_HLL
      }
      return integer(estimate(rawHistogram(max)))
    }
    const key = argv[1]!
    const entry = db.get(key)
    if (entry === undefined) return integer(0)
    const bytes = hllBytes(entry)
    if (!Buffer.isBuffer(bytes)) return bytes
    if (cacheValid(bytes)) return integer(cachedCardinality(bytes))
    const card = count(bytes)
    if (card === null) return INVALID_HLL
    // The refreshed cache is a change of the value, stored (and logged) as a write. While writes
    // are refused it is not: Redis answers the count then (PFCOUNT is no write command), its
    // cache updated in memory only; here the cache stays stale until a PFCOUNT may store it.
    if (ctx.server.writesRefusedReason === undefined) {
      const next = Buffer.from(bytes)
      setCachedCardinality(next, card)
      storeHll(db, key, entry, next)
    }
    return integer(card)
  },
}
