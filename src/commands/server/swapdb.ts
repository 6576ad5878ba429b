// SWAPDB index1 index2
import { OK, error, type Reply } from '../../protocol/reply.js'
import { parseInt32 } from '../args.js'
import { DB_OUT_OF_RANGE } from '../connection/select.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const INVALID_FIRST = error('ERR invalid first DB index')
const INVALID_SECOND = error('ERR invalid second DB index')

export const swapdb: CommandSpec = {
  name: 'swapdb',
  arity: 3,
  flags: ['write', 'fast'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Swaps two Redis databases',
  since: '4.0.0',
  complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.',
  syntax: 'index1 index2',
  execute(ctx, argv): Reply {
    const a = parseInt32(argv[1]!)
    if (a === null) return INVALID_FIRST
    const b = parseInt32(argv[2]!)
    if (b === null) return INVALID_SECOND
    // The tenant's own databases only: its indexes are all it can name.
    const tenant = ctx.session.tenant
    const count = tenant.databases.length
    if (a < 0 || a >= count || b < 0 || b >= count) return DB_OUT_OF_RANGE
    ctx.server.tenants.swapDatabases(tenant, a, b)
    return OK
  },
}
