// BGREWRITEAOF
import { error, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const bgrewriteaof: CommandSpec = {
  name: 'bgrewriteaof',
  arity: 1,
  flags: ['admin', 'noscript'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Asynchronously rewrite the append-only file',
  since: '1.0.0',
  complexity: 'O(1)',
  /** The WAL's equivalent of an AOF rewrite is a checkpoint: a snapshot, then older segments recycled. */
  execute(ctx): Reply {
    const outcome = ctx.server.requestCheckpoint()
    if (outcome === 'off') return error('ERR persistence is off (appendonly no): there is no WAL to rewrite')
    if (outcome === 'running') return simple('Background append only file rewriting scheduled')
    return simple('Background append only file rewriting started')
  },
}
