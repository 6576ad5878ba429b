// MEMORY USAGE key [SAMPLES count]
import { Errors, NULL, integer, type Reply } from '../../protocol/reply.js'
import { recordBytes } from '../../storage/memory-keyspace.js'
import { hashMemoryBytes } from '../../storage/hash-value.js'
import { is, parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'

export const memoryUsage: CommandSpec = {
  name: 'memory|usage',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 2, last: 2, step: 1 },
  group: 'server',
  summary: 'Estimate the memory usage of a key',
  since: '4.0.0',
  complexity: 'O(N) where N is the number of samples.',
  syntax: 'key [SAMPLES count]',
  execute(ctx, argv): Reply {
    // Options are checked before the key is looked up, as in Redis. A string has nothing nested
    // to sample, so the count is only validated.
    for (let i = 3; i < argv.length; i += 2) {
      if (!is(argv[i]!, 'samples') || i + 1 >= argv.length) return Errors.syntax
      const samples = parseI64(argv[i + 1]!)
      if (samples === null) return Errors.notInteger
      if (samples < 0n) return Errors.syntax
    }
    // Like Redis's dictFind: neither a keyspace hit nor an access.
    const entry = ctx.session.db.peek(argv[2]!)
    if (entry === undefined) return NULL
    // What the record costs here, the figure INFO memory sums: key and value bytes, the
    // record's header and table slot, and the key's copy on the heap.
    const value = entry.value
    return integer(recordBytes(argv[2]!.length, value.type === 'string' ? value.data.length : hashMemoryBytes(value)))
  },
}
