// The optional ASYNC | SYNC argument of FLUSHDB and FLUSHALL.

import { Errors, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'

/**
 * Undefined when the arguments are valid. Both modes flush at once: dropping the in-memory
 * tables is already cheap, so ASYNC has nothing to defer.
 */
export const checkFlushMode = (argv: Buffer[]): Reply | undefined => {
  if (argv.length === 1) return undefined
  if (argv.length === 2 && (is(argv[1]!, 'async') || is(argv[1]!, 'sync'))) return undefined
  return Errors.syntax
}
