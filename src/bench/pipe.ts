// The contract between a load loop and whatever carries its requests: a raw connection in real
// runs, a scripted fake in virtual-time specs. Replies come back in request order (Redis answers
// a connection's requests in order), so each request is matched to the oldest pending one.

import type { Reply } from '../protocol/reply.js'
import type { Frame } from './resp.js'

/**
 * When a reply came, on the pipe's clock (ms): the times of the write that carried its request and
 * of the read that completed it. One object serves every reply that one read brings to one write.
 * `sentAt` and `firstReplyAt` are the two ends of redis-benchmark's latency: it starts its clock
 * just before a batch's write and stops it at the first read that brings back part of the
 * batch's replies.
 */
export interface ReplyTimes {
  /** Just before the bytes of the write went to the socket. */
  readonly sentAt: number
  /** When the first read that carried (part of) a reply to that write arrived. */
  readonly firstReplyAt: number
  /** When the read that completed this reply arrived. */
  readonly readAt: number
}

/** A request awaiting its reply. */
export interface Pending {
  settle(reply: Reply, times: ReplyTimes): void
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
  /**
   * Calls `listener` after each group of settlements: all the replies one read completed, or all
   * the requests a failure settled. Loops hand on their completions per group, not per request.
   * Returns a function that removes the listener.
   */
  onSettled(listener: () => void): () => void
}

/** The error reply pending requests get when their connection goes away. */
export const connectionError = (reason: string): Reply => ({ kind: 'error', value: `CONNECTION ${reason}` })
