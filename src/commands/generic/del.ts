// DEL key [key ...]
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

/** Shared with UNLINK: a key named twice is removed once and counted once. */
export const deleteKeys = (ctx: CommandContext, argv: Buffer[]): Reply => {
  const db = ctx.session.db
  let removed = 0
  for (let i = 1; i < argv.length; i++) {
    if (db.delete(argv[i]!)) {
      removed++
      db.notify(NOTIFY_GENERIC, 'del', argv[i]!)
    }
  }
  return integer(removed)
}

export const del: CommandSpec = {
  name: 'del',
  arity: -2,
  flags: ['write'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'generic',
  summary: 'Delete a key',
  since: '1.0.0',
  complexity:
    'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).',
  syntax: 'key [key ...]',
  execute: deleteKeys,
}
