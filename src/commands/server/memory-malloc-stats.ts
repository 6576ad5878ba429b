// MEMORY MALLOC-STATS
import { bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NOT_SUPPORTED = bulk(Buffer.from('Stats not supported for the current allocator'))

export const memoryMallocStats: CommandSpec = {
  name: 'memory|malloc-stats',
  arity: 2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Show allocator internal stats',
  since: '4.0.0',
  complexity: 'Depends on how much memory is allocated, could be slow',
  /** Redis's answer when it is built without jemalloc, as this server has none to report on. */
  execute(): Reply {
    return NOT_SUPPORTED
  },
}
