// CONFIG REWRITE
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NO_FILE = error('ERR The server is running without a config file')

export const configRewrite: CommandSpec = {
  name: 'config|rewrite',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Rewrite the configuration file with the in memory configuration',
  since: '2.8.0',
  complexity: 'O(1)',
  before: () => 'config-rewrite',
  /**
   * The file was rewritten before this ran (before: the connection waited for it, off the event
   * loop), as Redis's rewriteConfig does: comments and unknown lines kept, each option's line
   * rewritten in place, changed options appended (config/rewrite.ts), the file replaced
   * atomically. Without a config file, and on a failed write, Redis's errors.
   */
  execute(ctx): Reply {
    if (ctx.server.configFile === '') return NO_FILE
    const outcome = ctx.server.takeConfigRewrite(ctx.session)
    if (outcome === 'ok') return OK
    return error(`ERR Rewriting config file: ${outcome ?? 'not prepared'}`)
  },
}
