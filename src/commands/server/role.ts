// ROLE
import { array, bulk, integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

// A master with replication offset 0 and no replicas: the server does not replicate.
const MASTER = array([bulk('master'), integer(0), array([])])

export const role: CommandSpec = {
  name: 'role',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return the role of the instance in the context of replication',
  since: '2.8.12',
  complexity: 'O(1)',
  execute(): Reply {
    return MASTER
  },
}
