// TIERING STATUS
import { bulk, integer, record, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const tieringStatus: CommandSpec = {
  name: 'tiering|status',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Segments and bytes per storage tier, migrations, promotions and the last pass',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of segments',
  /** The fields of INFO tiering, as a map (a flat array in RESP2). */
  execute(ctx): Reply {
    const t = ctx.server.tieringStatus()
    return record({
      enabled: integer(t.enabled ? 1 : 0),
      ssd_segments: integer(t.ssdSegments),
      ssd_bytes: integer(t.ssdBytes),
      hdd_segments: integer(t.hddSegments),
      hdd_bytes: integer(t.hddBytes),
      migrations: integer(t.demotions),
      promotions: integer(t.promotions),
      bytes_moved: integer(t.bytesMoved),
      move_time_ms: integer(Math.round(t.moveMs)),
      passes: integer(t.passes),
      pass_in_progress: integer(t.inProgress ? 1 : 0),
      last_run: integer(Math.floor(t.lastRunAt / 1000)),
      errors: integer(t.errors),
      last_error: bulk(t.lastError),
    })
  },
}
