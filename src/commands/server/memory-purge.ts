// MEMORY PURGE
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const memoryPurge: CommandSpec = {
  name: 'memory|purge',
  arity: 2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Ask the allocator to release memory',
  since: '4.0.0',
  complexity: 'Depends on how much memory is allocated, could be slow',
  /**
   * OK, as Redis answers without jemalloc. The collector returns memory by itself; a forced
   * full collection here would stop every client for as long as the heap takes to mark.
   */
  execute(): Reply {
    return OK
  },
}
