// RENAMENX key newkey
import { Errors, integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { notifyRename } from './rename.js'

export const renamenx: CommandSpec = {
  name: 'renamenx',
  arity: 3,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 2, step: 1 },
  group: 'generic',
  summary: 'Rename a key, only if the new key does not exist',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key newkey',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const source = argv[1]!
    const target = argv[2]!
    const entry = db.peek(source)
    if (entry === undefined) return Errors.noSuchKey
    // Renaming a key to itself: the target "exists", so nothing is done (Redis replies 0).
    if (source.equals(target) || db.peek(target) !== undefined) return integer(0)
    db.set(target, entry.value, entry.expiresAt)
    db.delete(source)
    notifyRename(db, source, target)
    return integer(1)
  },
}
