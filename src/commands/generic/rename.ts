// RENAME key newkey
import { OK, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_GENERIC, NOTIFY_NEW } from '../../storage/keyspace-events.js'
import type { Keyspace } from '../../storage/keyspace.js'

/** The events of Redis's renameGenericCommand, after the move. */
export const notifyRename = (db: Keyspace, source: Buffer, target: Buffer): void => {
  db.notify(NOTIFY_GENERIC, 'rename_from', source)
  db.notify(NOTIFY_GENERIC, 'rename_to', target)
}

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
    // set() replaces whatever the target held; the TTL travels with the value. Redis deletes a
    // target that exists and adds the key anew, so `new` is emitted either way: set() emits it
    // for a key it creates, and a replaced target is looked up only when the event is delivered.
    const replaced = db.notifies(NOTIFY_NEW) && db.peek(target) !== undefined
    db.set(target, entry.value, entry.expiresAt)
    db.delete(source)
    if (replaced) db.notify(NOTIFY_NEW, 'new', target)
    notifyRename(db, source, target)
    return OK
  },
}
