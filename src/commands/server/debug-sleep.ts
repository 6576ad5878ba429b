// DEBUG SLEEP seconds
import { OK, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

/** Waited on, never woken: Atomics.wait on it is a plain synchronous sleep. */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4))

/** C's strtod as Redis calls it (no end check): the longest decimal prefix, else 0. */
export const strtodPrefix = (text: string): number => {
  const m = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text)
  return m === null ? 0 : Number(m[0])
}

export const debugSleep: CommandSpec = {
  name: 'debug|sleep',
  arity: 3,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Stop the server for a number of seconds',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'seconds',
  /**
   * Blocks the whole server, as Redis's nanosleep does: tests rely on nothing else running
   * meanwhile. A negative, unparsable or non-finite time sleeps not at all (nanosleep refuses it).
   */
  execute(_ctx, argv): Reply {
    const ms = strtodPrefix(argv[2]!.toString('latin1')) * 1000
    if (Number.isFinite(ms) && ms >= 1) Atomics.wait(SLEEPER, 0, 0, ms)
    return OK
  },
}
