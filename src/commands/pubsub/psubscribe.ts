// PSUBSCRIBE pattern [pattern ...]
import type { Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

export const psubscribe: CommandSpec = {
  name: 'psubscribe',
  arity: -2,
  flags: ['pubsub', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'pubsub',
  summary: 'Listen for messages published to channels matching the given patterns',
  since: '2.0.0',
  complexity: 'O(N) where N is the number of patterns to subscribe to.',
  syntax: 'pattern [pattern ...]',
  /** Patterns are Redis's globs (storage/glob.ts), matched against the tenant's channel names. */
  execute(ctx, argv): Reply {
    return ctx.server.pubsub.subscribe(ctx.session, ctx, 'pattern', argv.slice(1))
  },
}
