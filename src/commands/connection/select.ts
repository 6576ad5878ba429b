// SELECT index
import { OK, Errors, error, type Reply } from '../../protocol/reply.js'
import { parseInteger } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const OUT_OF_RANGE = error('ERR DB index is out of range')

export const select: CommandSpec = {
  name: 'select',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Change the selected database for the current connection',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'index',
  execute(ctx, argv): Reply {
    const index = parseInteger(argv[1]!)
    // Redis reads the index as a C int (getIntFromObjectOrReply): a 64-bit integer beyond 32
    // bits has its own error, anything else that is no integer the usual one.
    if (index === null) return Errors.notInteger
    if (index > 2 ** 31 - 1 || index < -(2 ** 31)) return Errors.notInt32
    const db = ctx.session.tenant.databases[index]
    if (db === undefined) return OUT_OF_RANGE
    ctx.session.dbIndex = index
    ctx.session.db = db
    return OK
  },
}
