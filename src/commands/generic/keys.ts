// KEYS pattern
import { array, bulk, type Reply } from '../../protocol/reply.js'
import { compileGlob, literalPrefix } from '../../storage/glob.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const keys: CommandSpec = {
  name: 'keys',
  arity: 2,
  flags: ['readonly'],
  keys: NO_KEYS,
  group: 'generic',
  summary: 'Find all keys matching the given pattern',
  since: '1.0.0',
  complexity:
    'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
  syntax: 'pattern',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const pattern = argv[1]!
    const out: Reply[] = []
    if (pattern.length === 1 && pattern[0] === 0x2a /* * */) {
      for (const key of db.keys()) out.push(bulk(key))
      return array(out)
    }
    // Every match starts with the pattern's literal prefix, so only that key range is visited.
    const match = compileGlob(pattern)
    const prefix = literalPrefix(pattern)
    const candidates = prefix.length > 0 ? db.keysWithPrefix(prefix) : db.keys()
    for (const key of candidates) if (match(key)) out.push(bulk(key))
    return array(out)
  },
}
