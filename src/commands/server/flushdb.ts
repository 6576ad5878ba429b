// FLUSHDB [ASYNC | SYNC]
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { checkFlushMode } from './flush-mode.js'

export const flushdb: CommandSpec = {
  name: 'flushdb',
  arity: -1,
  flags: ['write'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Remove all keys from the current database',
  since: '1.0.0',
  complexity: 'O(N) where N is the number of keys in the selected database',
  syntax: '[ASYNC | SYNC]',
  execute(ctx, argv): Reply {
    const invalid = checkFlushMode(argv)
    if (invalid !== undefined) return invalid
    ctx.session.db.flush()
    // Tracking clients learn of it with one null, whichever database they read (signalFlushedDb).
    ctx.server.tracking.flushed(ctx.session.tenant)
    return OK
  },
}
