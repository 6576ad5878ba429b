// MSETNX key value [key value ...]
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const msetnx: CommandSpec = {
  name: 'msetnx',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: -1, step: 2 },
  group: 'string',
  summary: 'Set multiple keys to multiple values, only if none of the keys exist',
  since: '1.0.1',
  complexity: 'O(N) where N is the number of keys to set.',
  syntax: 'key value [key value ...]',
  execute(ctx, argv): Reply {
    if (argv.length % 2 === 0) return Errors.wrongArity('msetnx')
    const db = ctx.session.db
    // All or nothing: one existing key (of any type) sets none.
    for (let i = 1; i < argv.length; i += 2) {
      if (db.peek(argv[i]!) !== undefined) return integer(0)
    }
    for (let i = 1; i < argv.length; i += 2) {
      db.set(argv[i]!, { type: 'string', data: argv[i + 1]! }, 0)
      db.notify(NOTIFY_STRING, 'set', argv[i]!)
    }
    return integer(1)
  },
}
