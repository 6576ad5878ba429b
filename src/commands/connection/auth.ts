// AUTH [username] password
import { OK, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { authenticate } from './session-info.js'

export const auth: CommandSpec = {
  name: 'auth',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Authenticate to the server',
  since: '1.0.0',
  complexity: 'O(N) where N is the number of passwords defined for the user',
  syntax: '[username] password',
  // The user name too, as Redis: MONITOR and SLOWLOG show `(redacted)` for every argument.
  redact: (argv) => argv.map((_, i) => i).slice(1),
  execute(ctx, argv): Reply {
    if (argv.length > 3) return Errors.syntax
    const failed = argv.length === 2 ? authenticate(ctx, undefined, argv[1]!) : authenticate(ctx, argv[1]!, argv[2]!)
    return failed ?? OK
  },
}
