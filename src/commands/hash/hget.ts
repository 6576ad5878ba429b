// HGET key field
import { NULL, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

export const hget: CommandSpec = {
  name: 'hget',
  arity: 3,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get the value of a hash field',
  since: '2.0.0',
  complexity: 'O(1)',
  syntax: 'key field',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (hash === undefined) return NULL
    if (isError(hash)) return hash
    const value = hash.fields.get(argv[2]!.toString('latin1'))
    return value === undefined ? NULL : bulk(value)
  },
}
