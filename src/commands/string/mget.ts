// MGET key [key ...]
import { NULL, array, transientBulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'

export const mget: CommandSpec = {
  name: 'mget',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'string',
  summary: 'Get the values of all the given keys',
  since: '1.0.0',
  complexity: 'O(N) where N is the number of keys to retrieve.',
  syntax: 'key [key ...]',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const values = new Array<Reply>(argv.length - 1)
    for (let i = 1; i < argv.length; i++) {
      const entry = db.getForReply(argv[i]!)
      // A key of another type reads as nil here, not as WRONGTYPE.
      values[i - 1] = entry === undefined || entry.value.type !== 'string' ? NULL : transientBulk(entry.value.data)
    }
    return array(values)
  },
}
