// COMMAND GETKEYS command [arg [arg ...]]
import { array, bulk, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { resolveKeys } from './command-getkeysandflags.js'

export const commandGetkeys: CommandSpec = {
  name: 'command|getkeys',
  arity: -4,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Extract keys given a full Redis command',
  since: '2.8.13',
  complexity: 'O(N) where N is the number of arguments to the command',
  syntax: 'command [arg [arg ...]]',
  execute(ctx, argv): Reply {
    const found = resolveKeys(ctx.server.commands, argv.slice(2))
    return 'kind' in found ? found : array(found.map((k) => bulk(k.key)))
  },
}
