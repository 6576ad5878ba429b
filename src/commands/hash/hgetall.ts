// HGETALL key
import { bulk, map, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

const EMPTY = map([])

export const hgetall: CommandSpec = {
  name: 'hgetall',
  arity: 2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get all the fields and values in a hash',
  since: '2.0.0',
  complexity: 'O(N) where N is the size of the hash.',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (hash === undefined) return EMPTY
    if (isError(hash)) return hash
    const pairs: [Reply, Reply][] = []
    for (const [field, value] of hash.fields) pairs.push([bulk(field), bulk(value)])
    return map(pairs)
  },
}
