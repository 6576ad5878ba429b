// PING [message]
import { PONG, bulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

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
  execute(_ctx, argv): Reply {
    if (argv.length > 2) return Errors.wrongArity('ping')
    return argv.length === 2 ? bulk(argv[1]!) : PONG
  },
}

