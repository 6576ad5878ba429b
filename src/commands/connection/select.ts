// SELECT index
import { OK, Errors, error, type Reply } from '../../protocol/reply.js'
import { parseInt32, parseInteger } from '../args.js'
import type { CommandSpec, Session } from '../spec.js'
import { NO_KEYS } from '../spec.js'

/** An index outside the tenant's databases (SELECT, SWAPDB, MOVE, COPY's DB). */
export const DB_OUT_OF_RANGE = error('ERR DB index is out of range')

/**
 * The index of the database `arg` names among the session's tenant's, or the error Redis answers
 * (SELECT, and MOVE's and COPY's DB): Redis reads the index as a C int (getIntFromObjectOrReply),
 * so a 64-bit integer beyond 32 bits has its own error and anything else that is no integer the
 * usual one; then selectDb refuses an index outside the databases.
 */
export const databaseIndex = (session: Session, arg: Buffer): number | Reply => {
  const index = parseInt32(arg)
  if (index === null) return parseInteger(arg) === null ? Errors.notInteger : Errors.notInt32
  return index >= 0 && index < session.tenant.databases.length ? index : DB_OUT_OF_RANGE
}

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
    const index = databaseIndex(ctx.session, argv[1]!)
    if (typeof index !== 'number') return index
    ctx.session.dbIndex = index
    ctx.session.db = ctx.session.tenant.databases[index]!
    return OK
  },
}
