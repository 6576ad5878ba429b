// HSET key field value [field value ...]
import { Errors, integer, type Reply } from '../../protocol/reply.js'
import { NOTIFY_HASH } from '../../storage/keyspace-events.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { isError, setFields, writeHash } from './hash-lookup.js'

/**
 * HSET and HMSET (Redis's hsetCommand serves both): the pairs must pair up, named by the command
 * as sent to the table; the number of fields created.
 */
export const setPairs = (ctx: CommandContext, argv: Buffer[], name: string): Reply | number => {
  if (argv.length % 2 === 1) return Errors.wrongArity(name)
  const key = argv[1]!
  const hash = writeHash(ctx, key)
  if (isError(hash)) return hash
  const created = setFields(ctx, key, hash, argv, 2)
  ctx.session.db.notify(NOTIFY_HASH, 'hset', key)
  return created
}

export const hset: CommandSpec = {
  name: 'hset',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Set the string value of a hash field',
  since: '2.0.0',
  complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
  syntax: 'key field value [field value ...]',
  execute(ctx, argv): Reply {
    const created = setPairs(ctx, argv, 'hset')
    return typeof created === 'number' ? integer(created) : created
  },
}
