// INCR key
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { incrementBy } from './incrby.js'

export const incr: CommandSpec = {
  name: 'incr',
  arity: 2,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Increment the integer value of a key by one',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    return incrementBy(ctx, argv[1]!, 1)
  },
}
