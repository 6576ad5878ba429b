// HVALS key
import { EMPTY_ARRAY, array, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

export const hvals: CommandSpec = {
  name: 'hvals',
  arity: 2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get all the values in a hash',
  since: '2.0.0',
  complexity: 'O(N) where N is the size of the hash.',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (hash === undefined) return EMPTY_ARRAY
    if (isError(hash)) return hash
    return array(Array.from(hash.fields.values(), (value) => bulk(value)))
  },
}
