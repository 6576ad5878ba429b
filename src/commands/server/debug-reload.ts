// DEBUG RELOAD [MERGE | NOFLUSH | NOSAVE ...]
import { OK, error, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

const BAD_OPTION = error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.')
/** shared.err: what Redis answers when the save fails. */
const SAVE_FAILED = error('ERR')

export const debugReload: CommandSpec = {
  name: 'debug|reload',
  arity: -2,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Checkpoint the dataset',
  since: '1.0.0',
  complexity: 'O(N) where N is the number of changed keys',
  syntax: '[MERGE | NOFLUSH | NOSAVE ...]',
  // No options, or none but the ones that still save.
  before: (argv) => {
    for (let i = 2; i < argv.length; i++) if (!is(argv[i]!, 'merge') && !is(argv[i]!, 'noflush')) return undefined
    return 'checkpoint'
  },
  /**
   * Redis saves the RDB, empties memory and loads the file back. Here it runs a checkpoint, as
   * SAVE does (before: the connection waits for it before the command runs), and answers OK
   * once it is installed: the data is then in the store as a restart would read it. It does not
   * empty memory or read the store back, so it does not prove the round trip that Redis's does
   * (a restart does: spec/durability). NOSAVE skips the checkpoint; MERGE and NOFLUSH change
   * nothing when nothing is loaded.
   */
  execute(ctx, argv): Reply {
    let save = true
    for (let i = 2; i < argv.length; i++) {
      const option = argv[i]!
      if (is(option, 'nosave')) save = false
      else if (!is(option, 'merge') && !is(option, 'noflush')) return BAD_OPTION
    }
    if (!save) return OK
    // 'running': a checkpoint already under way (or none prepared, inside EXEC) carries the data.
    return ctx.server.takeSave(ctx.session) === 'failed' ? SAVE_FAILED : OK
  },
}
