// DEBUG CHANGE-REPL-ID
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

export const debugChangeReplId: CommandSpec = {
  name: 'debug|change-repl-id',
  arity: 2,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Change the replication IDs of the instance',
  since: '6.0.0',
  complexity: 'O(1)',
  /** There is no replication here, so no ID to change: answered OK as Redis does. */
  execute(): Reply {
    return OK
  },
}
