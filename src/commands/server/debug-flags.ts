// What DEBUG and each of its subcommands share: Redis's flags for the command, and the option
// that must allow it (Redis 7.0 refuses DEBUG unless enable-debug-command does).

import type { CommandFlag } from '../spec.js'

export const DEBUG_FLAGS: readonly CommandFlag[] = ['admin', 'noscript', 'loading', 'stale']
export const DEBUG_OPTION = 'enable-debug-command'
