// HSTRLEN key field
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

export const hstrlen: CommandSpec = {
  name: 'hstrlen',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get the length of the value of a hash field',
  since: '3.2.0',
  complexity: 'O(1)',
  syntax: 'key field',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (isError(hash)) return hash
    // latin1: one char per byte.
    return integer(hash?.fields.get(argv[2]!.toString('latin1'))?.length ?? 0)
  },
}
