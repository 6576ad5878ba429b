// HMGET key field [field ...]
import { NULL, array, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

export const hmget: CommandSpec = {
  name: 'hmget',
  arity: -3,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Get the values of all the given hash fields',
  since: '2.0.0',
  complexity: 'O(N) where N is the number of fields being requested.',
  syntax: 'key field [field ...]',
  execute(ctx, argv): Reply {
    const hash = readHash(ctx, argv[1]!)
    if (isError(hash)) return hash
    const values: Reply[] = []
    for (let i = 2; i < argv.length; i++) {
      const value = hash?.fields.get(argv[i]!.toString('latin1'))
      values.push(value === undefined ? NULL : bulk(value))
    }
    return array(values)
  },
}
