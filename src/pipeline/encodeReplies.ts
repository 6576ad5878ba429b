import { map, type OperatorFunction } from 'rxjs'
import { encodeReply, ReplyWriter } from '../protocol/encoder.js'
import type { EncodedBatch, ReplyBatch } from './batches.js'

/**
 * Encodes each batch of replies into bytes for one socket write, honouring protocol switches
 * inside the batch. One writer per subscription; its slab is shared by that stream's batches.
 */
export const encodeReplies =
  (writer: ReplyWriter = new ReplyWriter()): OperatorFunction<ReplyBatch, EncodedBatch> =>
  (source) =>
    source.pipe(
      map((batch) => {
        const { replies, respChanges } = batch
        let resp = batch.resp
        let change = 0
        for (let i = 0; i < replies.length; i++) {
          if (respChanges !== undefined && change < respChanges.length && respChanges[change]![0] === i) {
            resp = respChanges[change++]![1]
          }
          encodeReply(writer, replies[i]!, resp)
        }
        const bytes = writer.length
        return { pieces: writer.take(), bytes, close: batch.close }
      }),
    )
