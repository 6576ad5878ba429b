// A scripted RequestPipe for virtual-time specs: a server that answers each request `serviceMs`
// after it starts on it, one request at a time, in order (a single-threaded server), stamping
// replies with the scheduler's clock.

import type { SchedulerLike } from 'rxjs'
import { connectionError, type Pending, type RequestPipe } from '../../../src/bench/pipe.js'
import type { Frame } from '../../../src/bench/resp.js'
import type { Reply } from '../../../src/protocol/reply.js'

export class FakePipe implements RequestPipe {
  readonly frames: Frame[] = []
  private queue: Pending[] = []
  private busyUntil = 0
  private closeListeners: (() => void)[] = []
  open = true

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly serviceMs: number | (() => number),
    private readonly reply: (frame: Frame) => Reply = () => ({ kind: 'simple', value: 'OK' }),
  ) {}

  get inFlight(): number {
    return this.queue.length
  }

  send(frame: Frame, pending: Pending): void {
    this.frames.push(frame)
    this.queue.push(pending)
    const service = typeof this.serviceMs === 'number' ? this.serviceMs : this.serviceMs()
    const startAt = Math.max(this.scheduler.now(), this.busyUntil)
    this.busyUntil = startAt + service
    const reply = this.reply(frame)
    this.scheduler.schedule(() => {
      if (!this.open) return
      this.queue.shift()!.settle(reply, this.scheduler.now())
    }, this.busyUntil - this.scheduler.now())
  }

  onClose(listener: () => void): void {
    if (this.open) this.closeListeners.push(listener)
    else listener()
  }

  /** The connection drops: pending requests fail. */
  fail(): void {
    this.open = false
    for (const p of this.queue.splice(0)) p.settle(connectionError('reset'), this.scheduler.now())
    for (const l of this.closeListeners.splice(0)) l()
  }
}
