// HEXISTS key field
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

export const hexists: CommandSpec = {
  name: 'hexists',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Determine if a hash field exists',
  since: '2.0.0',
  complexity: 'O(1)',
  syntax: 'key field',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (isError(hash)) return hash
    return integer(hash?.fields.has(argv[2]!.toString('latin1')) === true ? 1 : 0)
  },
}
