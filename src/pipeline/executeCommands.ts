import { map, type OperatorFunction } from 'rxjs'
import { error, type Reply } from '../protocol/reply.js'
import type { ReplyBatch, RequestBatch } from './batches.js'

/** What executeCommands needs from the connection: run one command, and the session flags. */
export interface CommandRunner {
  run(argv: Buffer[]): Reply
  /** The protocol version replies are encoded with (HELLO changes it mid-batch). */
  readonly resp: 2 | 3
  /** Set by QUIT or CLIENT KILL: stop executing and close once replies are written. */
  readonly closeAfterReply: boolean
}

/**
 * Executes each batch's commands in order and emits their replies as one batch. Stops at a
 * command that closes the connection; a protocol error becomes the batch's last reply.
 */
export const executeCommands = (runner: CommandRunner): OperatorFunction<RequestBatch, ReplyBatch> =>
  map((batch) => {
    const replies: Reply[] = []
    const resp = runner.resp
    let current = resp
    let respChanges: [number, 2 | 3][] | undefined
    // A connection already closing (QUIT earlier in the read, CLIENT KILL) runs nothing more.
    let close = runner.closeAfterReply
    for (const argv of batch.commands) {
      if (close) break
      replies.push(runner.run(argv))
      if (runner.resp !== current) {
        // The reply that switched the protocol (HELLO) is already in the new version, as in Redis.
        current = runner.resp
        ;(respChanges ??= []).push([replies.length - 1, current])
      }
      if (runner.closeAfterReply) {
        close = true
        break
      }
    }
    if (batch.protocolError !== undefined && !close) {
      replies.push(error(`ERR ${batch.protocolError}`))
      close = true
    }
    return respChanges ? { replies, resp, respChanges, close } : { replies, resp, close }
  })
