// ECHO message
import { bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const echo: CommandSpec = {
  name: 'echo',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Echo the given string',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'message',
  execute(_ctx, argv): Reply {
    return bulk(argv[1]!)
  },
}
