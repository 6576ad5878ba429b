// A scripted RequestPipe for virtual-time specs: a server that answers each request `serviceMs`
// after it starts on it, one request at a time, in order (a single-threaded server), stamping
// replies with the scheduler's clock. Requests sent at the same virtual time form one write, as a
// real connection writes everything sent in one tick together; replies due at the same virtual
// time arrive in one read (a service time of 0 answers a whole write in one read).

import type { SchedulerLike } from 'rxjs'
import { connectionError, type Pending, type RequestPipe } from '../../../src/bench/pipe.js'
import type { Frame } from '../../../src/bench/resp.js'
import type { Reply } from '../../../src/protocol/reply.js'

interface FakeWrite {
  sentAt: number
  firstReplyAt: number
}

export class FakePipe implements RequestPipe {
  readonly frames: Frame[] = []
  /** How many requests each write carried, in order. */
  readonly writeSizes: number[] = []
  private queue: { pending: Pending; write: FakeWrite }[] = []
  /** Replies due at a time, delivered together as one read. */
  private reads = new Map<number, Reply[]>()
  private lastWrite: FakeWrite | undefined
  private busyUntil = 0
  private closeListeners: (() => void)[] = []
  private settledListeners: (() => void)[] = []
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
    const now = this.scheduler.now()
    this.frames.push(frame)
    if (this.lastWrite === undefined || this.lastWrite.sentAt !== now) {
      this.lastWrite = { sentAt: now, firstReplyAt: NaN }
      this.writeSizes.push(0)
    }
    this.writeSizes[this.writeSizes.length - 1]!++
    const write = this.lastWrite
    this.queue.push({ pending, write })
    const service = typeof this.serviceMs === 'number' ? this.serviceMs : this.serviceMs()
    const startAt = Math.max(now, this.busyUntil)
    this.busyUntil = startAt + service
    const reply = this.reply(frame)
    const due = this.reads.get(this.busyUntil)
    if (due !== undefined) return void due.push(reply)
    const replies = [reply]
    this.reads.set(this.busyUntil, replies)
    this.scheduler.schedule(() => this.deliver(replies), this.busyUntil - now)
  }

  private deliver(replies: Reply[]): void {
    const at = this.scheduler.now()
    this.reads.delete(at)
    if (!this.open) return
    for (const reply of replies) {
      const { pending, write } = this.queue.shift()!
      if (Number.isNaN(write.firstReplyAt)) write.firstReplyAt = at
      pending.settle(reply, { sentAt: write.sentAt, firstReplyAt: write.firstReplyAt, readAt: at })
    }
    for (const l of this.settledListeners) l()
  }

  onClose(listener: () => void): void {
    if (this.open) this.closeListeners.push(listener)
    else listener()
  }

  onSettled(listener: () => void): () => void {
    this.settledListeners.push(listener)
    return () => {
      this.settledListeners = this.settledListeners.filter((l) => l !== listener)
    }
  }

  /** The connection drops: pending requests fail. */
  fail(): void {
    this.open = false
    const now = this.scheduler.now()
    for (const { pending, write } of this.queue.splice(0)) pending.settle(connectionError('reset'), { sentAt: write.sentAt, firstReplyAt: now, readAt: now })
    for (const l of this.settledListeners) l()
    for (const l of this.closeListeners.splice(0)) l()
  }
}
