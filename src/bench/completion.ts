// One request's life: when it was meant to go, when it went, when replies came and what it got,
// and the latency its loop measured from those times. Loops emit completions in groups, one
// array per socket read (see RequestPipe.onSettled), so per-request work stays out of RxJS.

import type { Reply } from '../protocol/reply.js'
import type { Pending, ReplyTimes } from './pipe.js'

export interface Completion {
  readonly op: string
  /** Which of the loop's pipes (connections) carried it. */
  readonly pipe: number
  /** Milliseconds on the pipe's clock. The open loop's schedule slot; in a closed loop, `sentAt`. */
  readonly intendedAt: number
  /** Just before the write that carried it. */
  readonly sentAt: number
  /** When the first read that brought back part of a reply to that write arrived. */
  readonly firstReplyAt: number
  /** When the read that completed its own reply arrived. */
  readonly doneAt: number
  /** The latency the loop measured, in ms, by its definition (see LatencyDefinition). */
  readonly latencyMs: number
  readonly reply: Reply
}

/**
 * How a loop turns the times into a latency:
 * - `batch`: from the write to the first read that answers it, the same for every request the
 *   write carried. This is redis-benchmark's definition (`c->latency` in redis-benchmark.c).
 * - `request`: from the write to the read that completed the request's own reply, so a request
 *   deep in a pipeline is charged for the replies ahead of it.
 * - `intended`: from the request's intended time to the read that completed its reply; the open
 *   loop's definition, which charges waiting for a free connection (coordinated omission).
 */
export type LatencyDefinition = 'batch' | 'request' | 'intended'

/** Where settled requests go: the loop that sent them. */
export interface SettledSink {
  settled(request: InFlightRequest): void
}

/**
 * The pending request a closed loop sends; settling it turns it into its own Completion and hands
 * it to the loop. Its times are read through the ReplyTimes the pipe settled it with, which one
 * read shares among the replies to one write: a request holds no numbers of its own, so the hot
 * path allocates one small object per request and nothing per time (and a loop that recycles
 * its completions, nothing at all).
 */
export class InFlightRequest implements Pending, Completion {
  reply: Reply = NOT_YET
  protected times: ReplyTimes = NOT_YET_TIMES

  constructor(
    public op: string,
    public pipe: number,
    private readonly definition: 'batch' | 'request',
    private readonly sink: SettledSink,
  ) {}

  /** Makes a settled request pending again, for another request of its loop. */
  reuse(op: string, pipe: number): this {
    this.op = op
    this.pipe = pipe
    this.reply = NOT_YET
    this.times = NOT_YET_TIMES
    return this
  }

  settle(reply: Reply, times: ReplyTimes): void {
    this.reply = reply
    this.times = times
    this.sink.settled(this)
  }

  get intendedAt(): number {
    return this.times.sentAt
  }
  get sentAt(): number {
    return this.times.sentAt
  }
  get firstReplyAt(): number {
    return this.times.firstReplyAt
  }
  get doneAt(): number {
    return this.times.readAt
  }
  get latencyMs(): number {
    return (this.definition === 'batch' ? this.times.firstReplyAt : this.times.readAt) - this.times.sentAt
  }
}

/** An open loop's request: due at its schedule slot, and measured from there to its reply. */
export class ScheduledRequest extends InFlightRequest {
  #intendedAt: number

  constructor(op: string, pipe: number, intendedAt: number, sink: SettledSink) {
    super(op, pipe, 'request', sink)
    this.#intendedAt = intendedAt
  }

  reschedule(op: string, pipe: number, intendedAt: number): this {
    this.#intendedAt = intendedAt
    return this.reuse(op, pipe)
  }

  override get intendedAt(): number {
    return this.#intendedAt
  }
  override get latencyMs(): number {
    return this.times.readAt - this.#intendedAt
  }
}

const NOT_YET: Reply = { kind: 'none' }
const NOT_YET_TIMES: ReplyTimes = { sentAt: NaN, firstReplyAt: NaN, readAt: NaN }
