// CLIENT CACHING <YES | NO>
import { OK, Errors, error, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NOT_OPTIN_OR_OPTOUT = error(
  'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
)
const YES_NEEDS_OPTIN = error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.')
const NO_NEEDS_OPTOUT = error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.')

export const clientCaching: CommandSpec = {
  name: 'client|caching',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Instruct the server about tracking or not keys in the next request',
  since: '6.0.0',
  complexity: 'O(1)',
  syntax: '<YES | NO>',
  /**
   * YES in OPTIN mode remembers the keys of the next command (or transaction), NO in OPTOUT mode
   * does not; the connection clears the mark after that command (Connection.run), as Redis's
   * resetClient.
   */
  execute(ctx, argv): Reply {
    const tracking = ctx.session.tracking
    if (tracking === undefined) return NOT_OPTIN_OR_OPTOUT
    const answer = argv[2]!
    if (is(answer, 'yes')) {
      if (!tracking.optin) return YES_NEEDS_OPTIN
    } else if (is(answer, 'no')) {
      if (!tracking.optout) return NO_NEEDS_OPTOUT
    } else return Errors.syntax
    tracking.caching = true
    return OK
  },
}
