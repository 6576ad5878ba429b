// TOUCH key [key ...]
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'

export const touch: CommandSpec = {
  name: 'touch',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'generic',
  summary: 'Alters the last access time of a key(s). Returns the number of existing keys specified.',
  since: '3.2.1',
  complexity: 'O(N) where N is the number of keys that will be touched.',
  syntax: 'key [key ...]',
  execute(ctx, argv): Reply {
    // A key named twice counts twice, as in Redis.
    const db = ctx.session.db
    let touched = 0
    for (let i = 1; i < argv.length; i++) if (db.touch(argv[i]!)) touched++
    return integer(touched)
  },
}
