// MONITOR: every command that runs is shown to the monitoring connections as Redis's
// replicationFeedMonitors writes it, a status line `+<unix s>.<µs> [<db> <addr>] "arg" ...`,
// the same in RESP2 and RESP3. Per tenant: a connection monitors the tenant it is in and sees only
// that tenant's commands (the admin's: the default tenant's), its own included, each after the
// command's reply, as in Redis.
//
// Dispatch feeds a command after it ran, as Redis 7.0's call() does (so SELECT shows its new
// database, and EXEC follows its commands), unless dispatch refused it, it was queued in MULTI,
// or it is flagged admin or skip_monitor. While nobody monitors, dispatch tests `count` and
// nothing else.

import { simple } from '../protocol/reply.js'
import { quoted } from '../protocol/repr.js'
import type { CommandContext, CommandSpec, MonitorHub, Session } from '../commands/spec.js'
import { REDACTED, redactedArgs } from './slowlog.js'

/** The line a monitor receives (without `+` and CRLF): time in µs since the epoch. */
export const monitorLine = (micros: number, db: number, addr: string, argv: readonly Buffer[], redacted: readonly number[] = []): string => {
  const seconds = Math.floor(micros / 1e6)
  let line = `${seconds}.${String(micros - seconds * 1e6).padStart(6, '0')} [${db} ${addr}]`
  for (let i = 0; i < argv.length; i++) line += ' ' + (redacted.includes(i) ? `"${REDACTED}"` : quoted(argv[i]!))
  return line
}

/** The wall clock in µs, finer than Date.now(). */
const nowMicros = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000)

export class Monitors implements MonitorHub {
  /** Monitoring connections, of every tenant: the one number dispatch tests per command. */
  count = 0
  private readonly monitors = new Set<CommandContext>()

  add(ctx: CommandContext): void {
    if (this.monitors.has(ctx)) return
    this.monitors.add(ctx)
    ctx.session.monitoring = true
    this.count = this.monitors.size
  }

  remove(session: Session): void {
    if (!session.monitoring) return
    session.monitoring = false
    for (const m of this.monitors) if (m.session === session) this.monitors.delete(m)
    this.count = this.monitors.size
  }

  /** Shows a command that ran on `ctx` to the monitors of its tenant. */
  feed(ctx: CommandContext, spec: CommandSpec, argv: readonly Buffer[]): void {
    const session = ctx.session
    let line: ReturnType<typeof simple> | undefined
    for (const m of this.monitors) {
      if (m.session.tenant !== session.tenant) continue
      line ??= simple(monitorLine(nowMicros(), session.dbIndex, session.addr, argv, redactedArgs(spec, argv)))
      // A monitor's own command: its reply is not out yet, and the line goes right after it.
      if (m === ctx) m.deliverAfterReply(line)
      else m.deliver(line)
    }
  }
}
