// LATENCY HELP
import type { Reply } from '../../protocol/reply.js'
import { helpReply } from './help.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

// Redis's lines, without HISTOGRAM: per-command latency histograms are not recorded here.
const HELP = helpReply('latency', [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
])

export const latencyHelp: CommandSpec = {
  name: 'latency|help',
  arity: 2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Show helpful text about the different subcommands.',
  since: '2.8.13',
  complexity: 'O(1)',
  execute(): Reply {
    return HELP
  },
}
