// DEBUG subcommand [argument ...]
//
// The subset of Redis's DEBUG that Redis's test suite and client test suites use. Redis parses
// the subcommands in debugCommand itself, so an unknown one or a wrong argument count answers
// "unknown subcommand or wrong number of arguments" (ownSubcommandErrors), and the whole command
// is refused unless enable-debug-command allows it (protectedBy).
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS, DEBUG_OPTION } from './debug-flags.js'
import { debugChangeReplId } from './debug-change-repl-id.js'
import { debugDigest } from './debug-digest.js'
import { debugDigestValue } from './debug-digest-value.js'
import { debugHelp } from './debug-help.js'
import { debugObject } from './debug-object.js'
import { debugProtocol } from './debug-protocol.js'
import { debugQuicklistPackedThreshold } from './debug-quicklist-packed-threshold.js'
import { debugReload } from './debug-reload.js'
import { debugSetActiveExpire } from './debug-set-active-expire.js'
import { debugSleep } from './debug-sleep.js'
import { debugStringmatchTest } from './debug-stringmatch-test.js'

export const debug: CommandSpec = {
  name: 'debug',
  arity: -2,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for debugging commands',
  since: '1.0.0',
  complexity: 'Depends on subcommand.',
  protectedBy: DEBUG_OPTION,
  ownSubcommandErrors: true,
  subcommands: [
    debugChangeReplId, debugDigest, debugDigestValue, debugHelp, debugObject, debugProtocol,
    debugQuicklistPackedThreshold, debugReload, debugSetActiveExpire, debugSleep, debugStringmatchTest,
  ],
}
