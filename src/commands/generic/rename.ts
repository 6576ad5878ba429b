// RENAME key newkey
import { OK, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'

export const rename: CommandSpec = {
  name: 'rename',
  arity: 3,
  flags: ['write'],
  keys: { first: 1, last: 2, step: 1 },
  group: 'generic',
  summary: 'Rename a key',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key newkey',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const source = argv[1]!
    const target = argv[2]!
    const entry = db.peek(source)
    if (entry === undefined) return Errors.noSuchKey
    if (source.equals(target)) return OK
    // set() replaces whatever the target held; the TTL travels with the value.
    db.set(target, entry.value, entry.expiresAt)
    db.delete(source)
    return OK
  },
}
