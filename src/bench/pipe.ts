// The contract between a load loop and whatever carries its requests: a raw connection in real
// runs, a scripted fake in virtual-time specs. Replies come back in request order (Redis answers
// a connection's requests in order), so each request is matched to the oldest pending one.

import type { Reply } from '../protocol/reply.js'
import type { Frame } from './resp.js'

/** A request awaiting its reply. `now` is the clock reading when the reply was read. */
export interface Pending {
  settle(reply: Reply, now: number): void
}

export interface RequestPipe {
  /** Queues a request; it is written with the others queued in the same tick. */
  send(frame: Frame, pending: Pending): void
  /** Requests sent and not yet answered. */
  readonly inFlight: number
  /** False once the pipe failed or was closed: it takes no more requests. */
  readonly open: boolean
  /**
   * Calls `listener` once when the pipe closes, after every pending request was settled with an
   * error reply whose first word is CONNECTION.
   */
  onClose(listener: () => void): void
}

/** The error reply pending requests get when their connection goes away. */
export const connectionError = (reason: string): Reply => ({ kind: 'error', value: `CONNECTION ${reason}` })
