// LATENCY DOCTOR
import { verbatim, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

// Redis's texts: monitoring off (threshold 0), and on with no spike recorded (here: always).
const DISABLED =
  "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
const NO_SPIKES =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n'

export const latencyDoctor: CommandSpec = {
  name: 'latency|doctor',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Return a human readable latency analysis report.',
  since: '2.8.13',
  complexity: 'O(1)',
  execute(ctx): Reply {
    return verbatim(ctx.server.config.number('latency-monitor-threshold') === 0 ? DISABLED : NO_SPIKES)
  },
}
