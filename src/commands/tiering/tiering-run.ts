// TIERING RUN
import { array, bulk, error, integer, record, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NO_STORE = error('ERR tiering needs the store: appendonly is off')

export const tieringRun: CommandSpec = {
  name: 'tiering|run',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Run one tiering pass now and report its moves',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of segments, plus the bytes moved',
  before: () => 'tiering-pass',
  /**
   * The pass ran before this command (the connection waits for it, off the event loop, as for a
   * read from disk); the reply lists its planned moves and how many were carried out.
   */
  execute(ctx): Reply {
    const run = ctx.server.takeTieringRun(ctx.session)
    if (run === undefined) return NO_STORE
    return record({
      moved: integer(run.moved),
      failed: integer(run.failed),
      moves: array(run.moves.map((m) => bulk(`segment ${m.id} to ${m.to}: ${m.reason}`))),
    })
  },
}
