// LATENCY subcommand [argument ...]
// Latency events (Redis's latency monitor) are never sampled here: every report is empty, as
// Redis's is with latency-monitor-threshold 0 or before any spike. Server-wide, so admin only.
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { latencyDoctor } from './latency-doctor.js'
import { latencyGraph } from './latency-graph.js'
import { latencyHelp } from './latency-help.js'
import { latencyHistory } from './latency-history.js'
import { latencyLatest } from './latency-latest.js'
import { latencyReset } from './latency-reset.js'

export const latency: CommandSpec = {
  name: 'latency',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for latency diagnostics commands',
  since: '2.8.13',
  complexity: 'Depends on subcommand.',
  subcommands: [latencyDoctor, latencyGraph, latencyHelp, latencyHistory, latencyLatest, latencyReset],
}
