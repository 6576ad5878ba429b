// OBJECT IDLETIME key
import { NULL, error, integer, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { readNoTouch } from './lookup.js'

export const LFU_SELECTED = error(
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
)

export const lfuPolicy = (ctx: CommandContext): boolean =>
  (ctx.server.config.get('maxmemory-policy') ?? '').includes('lfu')

export const objectIdletime: CommandSpec = {
  name: 'object|idletime',
  arity: 3,
  flags: ['readonly'],
  keys: { first: 2, last: 2, step: 1 },
  group: 'generic',
  summary: 'Get the time since a Redis object was last accessed',
  since: '2.2.3',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    // peek: asking for the idle time must not reset it. A missing key wins over the policy error.
    const entry = readNoTouch(ctx, argv[2]!, false)
    if (entry === undefined) return NULL
    if (lfuPolicy(ctx)) return LFU_SELECTED
    return integer(Math.max(0, Math.floor((ctx.server.now() - entry.accessedAt) / 1000)))
  },
}
