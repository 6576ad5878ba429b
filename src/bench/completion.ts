// One request's life: when it was meant to go, when it went, when its reply came and what it was.
// Latency is measured from the intended time: in a closed loop that is the send time; in an open
// loop it is the schedule's slot, so time spent waiting for a free connection counts
// (coordinated-omission correction, as wrk2 does).

import type { Reply } from '../protocol/reply.js'
import type { Pending } from './pipe.js'

export interface Completion {
  readonly op: string
  /** Which of the loop's pipes (connections) carried it. */
  readonly pipe: number
  /** Milliseconds on the loop's clock. */
  readonly intendedAt: number
  readonly sentAt: number
  readonly doneAt: number
  readonly reply: Reply
}

export const latencyMs = (c: Completion): number => c.doneAt - c.intendedAt

/**
 * The pending request a loop sends; settling it turns it into its own Completion (one object per
 * request on the hot path) and hands it back to the loop.
 */
export class InFlightRequest implements Pending, Completion {
  // NaN, not 0: a field that starts as a small integer and later holds a fraction changes the
  // object's hidden class; starting as a double keeps every request on one shape.
  doneAt = NaN
  reply: Reply = NOT_YET

  constructor(
    readonly op: string,
    readonly intendedAt: number,
    readonly sentAt: number,
    readonly pipe: number,
    private readonly onSettled: (request: InFlightRequest) => void,
  ) {}

  settle(reply: Reply, now: number): void {
    this.reply = reply
    this.doneAt = now
    this.onSettled(this)
  }
}

const NOT_YET: Reply = { kind: 'none' }
