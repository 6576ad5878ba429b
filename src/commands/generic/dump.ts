// DUMP key
import { NULL, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { dumpPayload } from './dump-payload.js'

export const dump: CommandSpec = {
  name: 'dump',
  arity: 2,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Return a serialized version of the value stored at the specified key.',
  since: '2.6.0',
  complexity:
    'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).',
  syntax: 'key',
  execute(ctx, argv): Reply {
    // A read lookup, as Redis's lookupKeyRead: it counts a hit or miss and touches the key.
    const entry = ctx.session.db.get(argv[1]!)
    return entry === undefined ? NULL : bulk(dumpPayload(entry.value))
  },
}
