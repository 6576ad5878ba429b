import { Observable, type OperatorFunction } from 'rxjs'
import { RequestDecoder, DEFAULT_LIMITS, type DecoderLimits } from '../protocol/request-decoder.js'
import type { RequestBatch } from './batches.js'

/**
 * Decodes a stream of byte chunks into one RequestBatch per chunk that completes at least one
 * command (or reveals a protocol error). Chunk boundaries may fall anywhere. Each subscription
 * gets its own decoder unless one is passed in (the connection passes its own so it can apply
 * the stricter limits for unauthenticated clients). After a protocol error, input is ignored.
 * While the decoder is unauthenticated it yields one command per batch, so a read may give several,
 * and none while one of them waits (decoder.held).
 */
export const decodeFrames =
  (decoderOrLimits: RequestDecoder | DecoderLimits = DEFAULT_LIMITS): OperatorFunction<Buffer, RequestBatch> =>
  (source) =>
    new Observable<RequestBatch>((subscriber) => {
      const decoder =
        decoderOrLimits instanceof RequestDecoder ? decoderOrLimits : new RequestDecoder(decoderOrLimits)
      let failed = false
      return source.subscribe({
        next(chunk) {
          if (failed) return
          let limited = decoder.unauthenticated
          // A command before this chunk still waits: its outcome (an AUTH) decides the limits.
          if (limited && decoder.held && decoder.hold(chunk)) return
          let outcome = decoder.push(chunk)
          for (;;) {
            if (outcome.error !== undefined) {
              failed = true
              subscriber.next({ commands: outcome.commands, protocolError: outcome.error })
              return
            }
            if (outcome.commands.length === 0) return
            subscriber.next(outcome)
            // An unauthenticated decoder stops after each command; downstream runs synchronously,
            // so by now that command (perhaps an AUTH) has run and the limits are current.
            if (!limited || subscriber.closed) return
            // That command waits (a tenant's AUTH): the rest is decoded once it has run.
            if (decoder.held) return
            limited = decoder.unauthenticated
            outcome = decoder.resume()
          }
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      })
    })
