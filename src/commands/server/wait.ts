// WAIT numreplicas timeout
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import { parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const NEGATIVE = error('ERR timeout is negative')

export const wait: CommandSpec = {
  name: 'wait',
  arity: 3,
  flags: ['noscript'],
  keys: NO_KEYS,
  group: 'generic',
  summary: 'Wait for the synchronous replication of all the write commands sent in the context of the current connection',
  since: '3.0.0',
  complexity: 'O(1)',
  syntax: 'numreplicas timeout',
  /**
   * There are no replicas: 0 at once, whatever the timeout (Redis, without replicas, answers at
   * once too). Both arguments are checked, numreplicas first, as Redis does.
   */
  execute(_ctx, argv): Reply {
    if (parseI64(argv[1]!) === null) return Errors.notInteger
    const timeout = parseI64(argv[2]!)
    if (timeout === null) return error('ERR timeout is not an integer or out of range')
    if (timeout < 0n) return NEGATIVE
    return integer(0)
  },
}
