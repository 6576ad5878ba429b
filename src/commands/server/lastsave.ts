// LASTSAVE
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const lastsave: CommandSpec = {
  name: 'lastsave',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get the UNIX time stamp of the last successful save to disk',
  since: '1.0.0',
  complexity: 'O(1)',
  /** The last installed snapshot (checkpoint); the start time until the first, as Redis at boot. */
  execute(ctx): Reply {
    return integer(Math.floor(ctx.server.persistence().lastSaveTime / 1000))
  },
}
