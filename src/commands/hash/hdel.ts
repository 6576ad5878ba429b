// HDEL key field [field ...]
import { integer, type Reply } from '../../protocol/reply.js'
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../../storage/keyspace-events.js'
import type { CommandSpec } from '../spec.js'
import { isError, writeHash } from './hash-lookup.js'

export const hdel: CommandSpec = {
  name: 'hdel',
  arity: -3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Delete one or more hash fields',
  since: '2.0.0',
  complexity: 'O(N) where N is the number of fields to be removed.',
  syntax: 'key field [field ...]',
  execute(ctx, argv): Reply {
    const key = argv[1]!
    const hash = writeHash(ctx, key)
    if (hash === undefined) return integer(0)
    if (isError(hash)) return hash
    const db = ctx.session.db
    let deleted = 0
    let keyRemoved = false
    for (let i = 2; i < argv.length; i++) {
      // The last field takes the key with it (the hash itself is left as it was, for undo).
      const last = hash.fields.size === 1
      if (!db.hashDelete(key, argv[i]!)) continue
      deleted++
      if (last) {
        keyRemoved = true
        break
      }
    }
    if (deleted > 0) {
      db.notify(NOTIFY_HASH, 'hdel', key)
      if (keyRemoved) db.notify(NOTIFY_GENERIC, 'del', key)
    }
    return integer(deleted)
  },
}
