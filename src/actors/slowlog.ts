// SLOWLOG: the commands that ran for at least slowlog-log-slower-than µs, newest first, at most
// slowlog-max-len of them (Redis's slowlog.c). There is one log per tenant: a tenant's SLOWLOG
// GET, LEN and RESET see and clear only the commands its own connections ran (the admin's, the
// default tenant's), so one tenant never sees another's arguments.
//
// Dispatch times commands and decides (see SlowlogLimits); this module only keeps entries.

import type { CommandSpec } from '../commands/spec.js'

/** Redis's SLOWLOG_ENTRY_MAX_ARGC: the last argument kept says how many more there were. */
export const SLOWLOG_MAX_ARGC = 32
/** Redis's SLOWLOG_ENTRY_MAX_STRING: a longer argument is cut, saying how many bytes more. */
export const SLOWLOG_MAX_STRING = 128

/** What MONITOR and SLOWLOG show in place of an argument that must not be shown (a password). */
export const REDACTED = '(redacted)'
const REDACTED_ARG = Buffer.from(REDACTED)

export interface SlowlogEntry {
  readonly id: number
  /** Unix time, in seconds, when the command ran. */
  readonly time: number
  /** µs. */
  readonly duration: number
  readonly args: readonly Buffer[]
  readonly addr: string
  readonly name: string
}

/**
 * What dispatch reads per command, kept current from CONFIG by the server: the threshold in µs
 * (Infinity when the log is off, so that one comparison decides), and whether fast commands must
 * be timed one by one (see makeDispatch's BatchClock: otherwise they share one clock read).
 */
export interface SlowlogLimits {
  threshold: number
  timeEach: boolean
  maxLen: number
}

/**
 * Fast commands (O(1), O(log N)) are assumed to run in less than this many µs: with a threshold
 * at or above it they are not timed one by one (a clock read per command costs the hot path
 * about 4%), so they are never logged. Below it (slowlog-log-slower-than 0 for a trace), each is.
 */
export const FAST_COMMAND_BOUND_US = 1000

export const slowlogLimits = (threshold: number, maxLen: number): SlowlogLimits => ({
  threshold: threshold < 0 ? Infinity : threshold,
  timeEach: threshold >= 0 && threshold < FAST_COMMAND_BOUND_US,
  maxLen,
})

/** The arguments as Redis logs them: secrets redacted, at most 32, strings cut at 128 bytes. */
export const slowlogArgs = (argv: readonly Buffer[], redacted: readonly number[] = []): Buffer[] => {
  const argc = argv.length
  const kept = Math.min(argc, SLOWLOG_MAX_ARGC)
  const out: Buffer[] = []
  for (let j = 0; j < kept; j++) {
    if (kept !== argc && j === kept - 1) {
      out.push(Buffer.from(`... (${argc - kept + 1} more arguments)`))
    } else if (redacted.includes(j)) {
      out.push(REDACTED_ARG)
    } else {
      const arg = argv[j]!
      out.push(
        arg.length > SLOWLOG_MAX_STRING
          ? Buffer.concat([arg.subarray(0, SLOWLOG_MAX_STRING), Buffer.from(`... (${arg.length - SLOWLOG_MAX_STRING} more bytes)`)])
          : // Owned: argv may be a view of the socket-read buffer.
            Buffer.from(arg),
      )
    }
  }
  return out
}

/** The positions of `argv` that MONITOR and SLOWLOG must not show (a password). */
export const redactedArgs = (spec: CommandSpec, argv: readonly Buffer[]): readonly number[] => spec.redact?.(argv) ?? []

export class SlowLog {
  /** Newest first. */
  private entries: SlowlogEntry[] = []
  private nextId = 0

  get length(): number {
    return this.entries.length
  }

  push(entry: Omit<SlowlogEntry, 'id'>, maxLen: number): void {
    this.entries.unshift({ id: this.nextId++, ...entry })
    while (this.entries.length > maxLen) this.entries.pop()
  }

  /** The newest `count` entries (all with -1). */
  newest(count: number): readonly SlowlogEntry[] {
    return count < 0 ? this.entries : this.entries.slice(0, count)
  }

  /** Drops every entry; ids keep counting, as Redis's do. */
  reset(): void {
    this.entries = []
  }
}
