// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { expireGeneric } from './expire-generic.js'

export const pexpireat: CommandSpec = {
  name: 'pexpireat',
  arity: -3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Set the expiration for a key as a UNIX timestamp specified in milliseconds',
  since: '2.6.0',
  complexity: 'O(1)',
  syntax: 'key unix-time-milliseconds [NX | XX | GT | LT]',
  execute(ctx, argv): Reply {
    return expireGeneric(ctx, argv, 'pexpireat', 0, false)
  },
}
