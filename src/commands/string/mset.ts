// MSET key value [key value ...]
import { OK, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const mset: CommandSpec = {
  name: 'mset',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: -1, step: 2 },
  group: 'string',
  summary: 'Set multiple keys to multiple values',
  since: '1.0.1',
  complexity: 'O(N) where N is the number of keys to set.',
  syntax: 'key value [key value ...]',
  execute(ctx, argv): Reply {
    if (argv.length % 2 === 0) return Errors.wrongArity('mset')
    const db = ctx.session.db
    // Each key is replaced whatever its type, and loses any TTL; a repeated key keeps the last value.
    for (let i = 1; i < argv.length; i += 2) {
      db.set(argv[i]!, { type: 'string', data: argv[i + 1]! }, 0)
      db.notify(NOTIFY_STRING, 'set', argv[i]!)
    }
    return OK
  },
}
