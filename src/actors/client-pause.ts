// CLIENT PAUSE: commands of paused clients are held, not refused, until the pause ends (Redis's
// pauseClients and blockPostponeClient). A pause belongs to a tenant: a tenant's pause holds only
// its own clients; the admin's (the default tenant's) holds every client, of every tenant, as a
// pause of the whole server would. The connection asks before each command (Connection.gather);
// while no pause is in effect that costs one field test (`active`).

import type { PauseControl, PauseMode } from '../commands/spec.js'
import { DEFAULT_USER } from '../commands/spec.js'

interface Pause {
  /** ms since the epoch. */
  end: number
  mode: PauseMode
  timer: NodeJS.Timeout | undefined
  /** The held commands, released in the order they were held. */
  readonly waiters: (() => void)[]
}

/** setTimeout's longest delay; a longer pause re-arms its timer. */
const MAX_DELAY = 2 ** 31 - 1

export class ClientPause implements PauseControl {
  /** Whether any pause is in effect: the only thing a command tests while none is. */
  active = false
  private readonly pauses = new Map<string, Pause>()

  /** As Redis: a pause during a pause keeps the later end and the stronger mode (ALL over WRITE). */
  pause(tenant: string, end: number, mode: PauseMode): void {
    let p = this.pauses.get(tenant)
    if (p === undefined) {
      p = { end, mode, timer: undefined, waiters: [] }
      this.pauses.set(tenant, p)
    } else {
      if (end > p.end) p.end = end
      if (mode === 'all') p.mode = 'all'
    }
    this.active = true
    this.arm(tenant, p)
  }

  private arm(tenant: string, p: Pause): void {
    clearTimeout(p.timer)
    const delay = p.end - Date.now()
    p.timer = setTimeout(() => (p.end <= Date.now() ? this.unpause(tenant) : this.arm(tenant, p)), Math.max(0, Math.min(delay, MAX_DELAY)))
    // A pause alone must not keep the process alive (the held connections do).
    p.timer.unref()
  }

  /** Ends the tenant's pause (CLIENT UNPAUSE, or its timeout): held commands run, in order. */
  unpause(tenant: string): void {
    const p = this.pauses.get(tenant)
    if (p === undefined) return
    clearTimeout(p.timer)
    this.pauses.delete(tenant)
    this.active = this.pauses.size > 0
    for (const release of p.waiters) release()
  }

  /** Ends every pause (shutdown: held commands run and the connections drain). */
  unpauseAll(): void {
    for (const tenant of [...this.pauses.keys()]) this.unpause(tenant)
  }

  /**
   * A promise that settles when the pause holding a command from a client of `tenant` ends, or
   * undefined when none holds it. `writes`: the command counts as a write for a WRITE pause.
   */
  /** Whether the tenant's writes are paused (its own pause or the admin's, of either mode). */
  pausesWrites(tenant: string): boolean {
    return this.pauses.has(tenant) || this.pauses.has(DEFAULT_USER)
  }

  hold(tenant: string, writes: boolean): Promise<void> | undefined {
    const p = this.holding(this.pauses.get(tenant), writes) ?? (tenant === DEFAULT_USER ? undefined : this.holding(this.pauses.get(DEFAULT_USER), writes))
    if (p === undefined) return undefined
    return new Promise((resolve) => p.waiters.push(resolve))
  }

  private holding(p: Pause | undefined, writes: boolean): Pause | undefined {
    return p !== undefined && (p.mode === 'all' || writes) ? p : undefined
  }
}
