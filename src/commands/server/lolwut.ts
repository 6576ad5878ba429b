// LOLWUT [VERSION version]
import { verbatim, type Reply } from '../../protocol/reply.js'
import { is, parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { Errors } from '../../protocol/reply.js'

/**
 * Redis draws generative art for versions 5 and 6 and prints only its version for any other
 * (the default being its own, 7.0). Ours is a fixed drawing: a log, its segments and a WAL.
 */
const ART = [
  '  _________   _________   _________',
  ' |  WAL    | |  mem    | |  SST    |',
  ' | ~~~~~~~ |>|  table  |>| [] [] []|',
  ' |_________| |_________| |_________|',
  '',
].join('\n')

export const lolwut: CommandSpec = {
  name: 'lolwut',
  arity: -1,
  flags: ['readonly', 'fast'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Display some computer art and the Redis version',
  since: '5.0.0',
  syntax: '[VERSION version]',
  execute(ctx, argv): Reply {
    let version = 7
    if (argv.length >= 3 && is(argv[1]!, 'version')) {
      const v = parseI64(argv[2]!)
      if (v === null) return Errors.notInteger
      version = Number(v)
    }
    const tail = `Redis ver. ${ctx.server.version}\n`
    return verbatim(version === 5 || version === 6 ? `${ART}\nWe trust Redis: a log, a table, and segments. ${tail}` : tail)
  },
}
