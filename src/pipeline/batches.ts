// The values that flow between the connection pipeline's operators. Everything is batched per
// socket read: one emission carries all the commands (or replies) that read produced.

import type { Reply } from '../protocol/reply.js'

/** The commands one socket read completed, and the protocol error that ended the stream, if any. */
export interface RequestBatch {
  readonly commands: Buffer[][]
  /** Redis's error text (without `-`); the connection closes after the replies before it. */
  readonly protocolError?: string
  /**
   * Out-of-band replies (Pub/Sub messages) that join the stream here, with no commands: they are
   * answered in order behind the batches before them, and dropped once the connection closes.
   */
  readonly deliveries?: Reply[]
}

/** The replies to one RequestBatch, in request order. */
export interface ReplyBatch {
  readonly replies: Reply[]
  /** Protocol version for replies[0]; a later switch (HELLO) is listed in respChanges. */
  readonly resp: 2 | 3
  /** [index, version]: from replies[index] on, encode with version. Usually absent. */
  readonly respChanges?: readonly (readonly [number, 2 | 3])[]
  /** Close the connection once these replies are written (QUIT, protocol error, KILL). */
  readonly close: boolean
}

/** Encoded bytes for one ReplyBatch, as pieces to write in order. */
export interface EncodedBatch {
  readonly pieces: Buffer[]
  readonly bytes: number
  readonly close: boolean
}
