// TTL key
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { ttlGeneric } from './ttl-generic.js'

export const ttl: CommandSpec = {
  name: 'ttl',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Get the time to live for a key in seconds',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    return ttlGeneric(ctx, argv[1]!, false, false)
  },
}
