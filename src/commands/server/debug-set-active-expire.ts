// DEBUG SET-ACTIVE-EXPIRE 0|1
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

/** C's atoi: optional blanks and sign, then the digits that follow; 0 when there are none. */
export const atoi = (text: string): number => {
  const m = /^\s*[+-]?\d+/.exec(text)
  return m === null ? 0 : Number.parseInt(m[0], 10)
}

export const debugSetActiveExpire: CommandSpec = {
  name: 'debug|set-active-expire',
  arity: 3,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Turn the active expiry cycle off (0) or on again (any other number)',
  since: '3.2.0',
  complexity: 'O(1)',
  syntax: '0|1',
  /** Off, expired keys stay until a command touches them: DBSIZE counts them, EXISTS does not. */
  execute(ctx, argv): Reply {
    ctx.server.activeExpire = atoi(argv[2]!.toString('latin1')) !== 0
    return OK
  },
}
