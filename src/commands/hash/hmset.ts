// HMSET key field value [field value ...]
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { setPairs } from './hset.js'

export const hmset: CommandSpec = {
  name: 'hmset',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Set multiple hash fields to multiple values',
  since: '2.0.0',
  complexity: 'O(N) where N is the number of fields being set.',
  syntax: 'key field value [field value ...]',
  execute(ctx, argv): Reply {
    const created = setPairs(ctx, argv, 'hmset')
    return typeof created === 'number' ? OK : created
  },
}
