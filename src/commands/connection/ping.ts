// PING [message]
import { PONG, array, bulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const PONG_BULK = bulk('pong')
const EMPTY = bulk('')

export const ping: CommandSpec = {
  name: 'ping',
  arity: -1,
  flags: ['fast'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Ping the server',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: '[message]',
  /** In RESP2's subscribed mode, Redis answers with an array a subscriber's reader can parse: pong and the message. */
  execute(ctx, argv): Reply {
    if (argv.length > 2) return Errors.wrongArity('ping')
    const session = ctx.session
    if (session.pubsub !== undefined && session.resp === 2) return array([PONG_BULK, argv.length === 2 ? bulk(argv[1]!) : EMPTY])
    return argv.length === 2 ? bulk(argv[1]!) : PONG
  },
}

