// HLEN key
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

export const hlen: CommandSpec = {
  name: 'hlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get the number of fields in a hash',
  since: '2.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (isError(hash)) return hash
    return integer(hash?.fields.size ?? 0)
  },
}
