// READWRITE
import { error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NO_CLUSTER = error('ERR This instance has cluster support disabled')

export const readwrite: CommandSpec = {
  name: 'readwrite',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  keys: NO_KEYS,
  group: 'cluster',
  summary: 'Disables read queries for a connection to a Redis Cluster replica node',
  since: '3.0.0',
  complexity: 'O(1)',
  /** A cluster command; there is no cluster mode, so it is refused as Redis refuses it then. */
  execute(): Reply {
    return NO_CLUSTER
  },
}
