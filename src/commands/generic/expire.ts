// EXPIRE key seconds [NX | XX | GT | LT]
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { expireGeneric } from './expire-generic.js'

export const expire: CommandSpec = {
  name: 'expire',
  arity: -3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: "Set a key's time to live in seconds",
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key seconds [NX | XX | GT | LT]',
  execute(ctx, argv): Reply {
    return expireGeneric(ctx, argv, 'expire', ctx.server.now(), true)
  },
}
