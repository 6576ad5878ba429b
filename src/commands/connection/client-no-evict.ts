// CLIENT NO-EVICT <ON | OFF>
import { OK, Errors, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const clientNoEvict: CommandSpec = {
  name: 'client|no-evict',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Set client eviction mode for the current connection',
  since: '7.0.0',
  complexity: 'O(1)',
  syntax: '<ON | OFF>',
  /** Validated and accepted, but a no-op: it controls eviction of this connection under client memory pressure, which this server does not do. */
  execute(_ctx, argv): Reply {
    return is(argv[2]!, 'on') || is(argv[2]!, 'off') ? OK : Errors.syntax
  },
}
