// OBJECT FREQ key
import { NULL, error, integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { lfuPolicy } from './object-idletime.js'
import { readNoTouch } from './lookup.js'

const LFU_NOT_SELECTED = error(
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
)

/** Redis's starting LFU counter; it decays by one per `lfu-decay-time` minutes idle. */
const LFU_INIT_VAL = 5

export const objectFreq: CommandSpec = {
  name: 'object|freq',
  arity: 3,
  flags: ['readonly'],
  keys: { first: 2, last: 2, step: 1 },
  group: 'generic',
  summary: 'Get the logarithmic access frequency counter of a Redis object',
  since: '4.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const entry = readNoTouch(ctx, argv[2]!, false)
    if (entry === undefined) return NULL
    if (!lfuPolicy(ctx)) return LFU_NOT_SELECTED
    // Access counts are not kept, so report Redis's initial counter decayed by idle time.
    const decayMinutes = Number(ctx.server.config.get('lfu-decay-time') ?? '1')
    const idleMinutes = (ctx.server.now() - entry.accessedAt) / 60_000
    const decay = decayMinutes > 0 ? Math.floor(idleMinutes / decayMinutes) : 0
    return integer(Math.max(0, LFU_INIT_VAL - decay))
  },
}
