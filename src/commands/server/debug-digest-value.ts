// DEBUG DIGEST-VALUE [key ...]
import { array, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'
import { mixValueDigest } from './debug-digest.js'

export const debugDigestValue: CommandSpec = {
  name: 'debug|digest-value',
  arity: -2,
  flags: DEBUG_FLAGS,
  // Declared so that staging reads the keys back from disk first.
  keys: { first: 2, last: -1, step: 1 },
  group: 'server',
  summary: 'Output a hex signature of the values of the given keys',
  since: '6.0.0',
  complexity: 'O(N) where N is the total size of the values',
  syntax: '[key ...]',
  /** Per key, Redis's xorObjectDigest of its value (the key is not mixed in); 40 zeros if missing. */
  execute(ctx, argv): Reply {
    const out: Reply[] = []
    for (let i = 2; i < argv.length; i++) {
      const digest = Buffer.alloc(20)
      // Like Redis's dictFind: no access, no keyspace hit or miss.
      const entry = ctx.session.db.peek(argv[i]!)
      if (entry !== undefined) mixValueDigest(digest, entry)
      out.push(simple(digest.toString('hex')))
    }
    return array(out)
  },
}
