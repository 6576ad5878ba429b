// GET key
import { NULL, transientBulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'

export const get: CommandSpec = {
  name: 'get',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Get the value of a key',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const entry = ctx.session.db.getForReply(argv[1]!)
    if (entry === undefined) return NULL
    if (entry.value.type !== 'string') return Errors.wrongType
    return transientBulk(entry.value.data)
  },
}
