// HSETNX key field value
import { integer, type Reply } from '../../protocol/reply.js'
import { NOTIFY_HASH } from '../../storage/keyspace-events.js'
import type { CommandSpec } from '../spec.js'
import { isError, setFields, writeHash } from './hash-lookup.js'

export const hsetnx: CommandSpec = {
  name: 'hsetnx',
  arity: 4,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Set the value of a hash field, only if the field does not exist',
  since: '2.0.0',
  complexity: 'O(1)',
  syntax: 'key field value',
  execute(ctx, argv): Reply {
    const key = argv[1]!
    const hash = writeHash(ctx, key)
    if (isError(hash)) return hash
    // A field there already leaves the hash alone, its encoding too (Redis 7.0.15 converts only
    // when it sets).
    if (hash?.fields.has(argv[2]!.toString('latin1')) === true) return integer(0)
    setFields(ctx, key, hash, argv, 2)
    ctx.session.db.notify(NOTIFY_HASH, 'hset', key)
    return integer(1)
  },
}
