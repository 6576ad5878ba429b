// PTTL key
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { ttlGeneric } from './ttl-generic.js'

export const pttl: CommandSpec = {
  name: 'pttl',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Get the time to live for a key in milliseconds',
  since: '2.6.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    return ttlGeneric(ctx, argv[1]!, true, false)
  },
}
