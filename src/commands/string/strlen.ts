// STRLEN key
import { integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'

export const strlen: CommandSpec = {
  name: 'strlen',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Get the length of the value stored in a key',
  since: '2.2.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const entry = ctx.session.db.get(argv[1]!)
    if (entry === undefined) return integer(0)
    if (entry.value.type !== 'string') return Errors.wrongType
    return integer(entry.value.data.length)
  },
}
