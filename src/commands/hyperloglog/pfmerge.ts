// PFMERGE destkey [sourcekey [sourcekey ...]]
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { HLL_DENSE, HLL_DENSE_SIZE, HLL_REGISTERS, HllBuilder, createHll, mergeInto } from './hll.js'
import { storedLength } from '../quota.js'
import { INVALID_HLL, hllBytes, sparseMaxBytes, storeHll } from './pfadd.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const pfmerge: CommandSpec = {
  name: 'pfmerge',
  arity: -2,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'hyperloglog',
  summary: 'Merge N different HyperLogLogs into a single one.',
  since: '2.8.9',
  complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
  syntax: 'destkey [sourcekey [sourcekey ...]]',
  // The merge may be dense: 12 KB from a few bytes of key names.
  grows: (ctx, argv) => HLL_DENSE_SIZE - storedLength(ctx, argv[1]!),
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    // The destination is merged too (Redis reads from argv[1] on), so PFMERGE dest adds to it.
    const max = new Uint8Array(HLL_REGISTERS)
    let useDense = false
    for (let j = 1; j < argv.length; j++) {
      const entry = db.get(argv[j]!)
      if (entry === undefined) continue
      const bytes = hllBytes(entry)
      if (!Buffer.isBuffer(bytes)) return bytes
      // One dense input makes the result dense; all sparse keeps it sparse while it fits.
      if (bytes[4] === HLL_DENSE) useDense = true
      if (!mergeInto(max, bytes)) return INVALID_HLL
    }
    const dest = argv[1]!
    // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
    const entry = db.peek(dest)
    // The loop above read it as an HLL (it is argv[1]): a string, if anything.
    const hll = new HllBuilder(entry === undefined || entry.value.type !== 'string' ? createHll() : entry.value.data)
    if (useDense && !hll.toDense()) return INVALID_HLL
    const maxBytes = sparseMaxBytes(ctx)
    for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) hll.set(j, max[j]!, maxBytes)
    hll.invalidateCache()
    storeHll(db, dest, entry, hll.bytes())
    // Redis's pfmergeCommand names its event `pfadd`.
    db.notify(NOTIFY_STRING, 'pfadd', dest)
    return OK
  },
}
