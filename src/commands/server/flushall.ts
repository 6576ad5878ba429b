// FLUSHALL [ASYNC | SYNC]
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { checkFlushMode } from './flush-mode.js'

export const flushall: CommandSpec = {
  name: 'flushall',
  arity: -1,
  flags: ['write'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Remove all keys from all databases',
  since: '1.0.0',
  complexity: 'O(N) where N is the total number of keys in all databases',
  syntax: '[ASYNC | SYNC]',
  execute(ctx, argv): Reply {
    const invalid = checkFlushMode(argv)
    if (invalid !== undefined) return invalid
    // A tenant's FLUSHALL empties its own databases only.
    for (const db of ctx.session.tenant.databases) db.flush()
    // One null to each tracking client for all the databases, as Redis's signalFlushedDb(-1).
    ctx.server.tracking.flushed(ctx.session.tenant)
    return OK
  },
}
