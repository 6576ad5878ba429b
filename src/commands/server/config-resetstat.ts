// CONFIG RESETSTAT
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec, ServerStats } from '../spec.js'
import { NO_KEYS } from '../spec.js'

/**
 * Zeroes what INFO stats, commandstats and errorstats report, as Redis's resetServerStats does.
 * Per-command counters are zeroed in place: dispatch holds references to them.
 */
export const resetStats = (stats: ServerStats): void => {
  stats.hits = 0
  stats.misses = 0
  stats.expiredKeys = 0
  stats.totalConnectionsReceived = 0
  stats.totalCommandsProcessed = 0
  stats.rejectedConnections = 0
  stats.totalNetInputBytes = 0
  stats.totalNetOutputBytes = 0
  stats.totalErrorReplies = 0
  for (const stat of stats.commands.values()) {
    stat.calls = 0
    stat.usec = 0
    stat.rejectedCalls = 0
    stat.failedCalls = 0
  }
  stats.errors.clear()
}

export const configResetstat: CommandSpec = {
  name: 'config|resetstat',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Reset the stats returned by INFO',
  since: '2.0.0',
  complexity: 'O(1)',
  execute(ctx): Reply {
    resetStats(ctx.server.stats)
    return OK
  },
}
