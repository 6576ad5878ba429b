// CLIENT NO-TOUCH <ON | OFF>
import { OK, Errors, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientNoTouch: CommandSpec = {
  name: 'client|no-touch',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.',
  since: '7.2.0',
  complexity: 'O(1)',
  syntax: '<ON | OFF>',
  /** Validated and accepted, but a no-op: it controls access-time updates by this connection. */
  execute(_ctx, argv): Reply {
    return is(argv[2]!, 'on') || is(argv[2]!, 'off') ? OK : Errors.syntax
  },
}
