// SLOWLOG GET [count]
import { array, bulk, error, integer, type Reply } from '../../protocol/reply.js'
import { parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const BAD_COUNT = error('ERR count should be greater than or equal to -1')
/** Redis's default count. */
const DEFAULT_COUNT = 10

export const slowlogGet: CommandSpec = {
  name: 'slowlog|get',
  arity: -2,
  flags: ['admin', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get the slow log\'s entries',
  since: '2.2.12',
  complexity: 'O(N) where N is the number of entries returned',
  syntax: '[count]',
  // The tenant's own log only (actors/slowlog.ts).
  tenantScoped: true,
  /**
   * The newest `count` entries (10 by default, -1 for all), newest first, each as Redis's
   * [id, unix time, µs, [arguments], client address, client name].
   */
  execute(ctx, argv): Reply {
    if (argv.length > 3) return error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try SLOWLOG HELP.`)
    let count = DEFAULT_COUNT
    if (argv.length === 3) {
      const n = parseI64(argv[2]!)
      if (n === null || n < -1n) return BAD_COUNT
      count = n > 2n ** 31n ? 2 ** 31 : Number(n)
    }
    return array(
      ctx.session.tenant.slowlog.newest(count).map((e) =>
        array([integer(e.id), integer(e.time), integer(e.duration), array(e.args.map(bulk)), bulk(e.addr), bulk(e.name)]),
      ),
    )
  },
}
