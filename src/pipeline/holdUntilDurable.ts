import { NEVER, Observable, type OperatorFunction } from 'rxjs'
import { detachReplies, error, type Reply } from '../protocol/reply.js'
import type { ReplyBatch } from './batches.js'

/**
 * The outcome of a group commit, broadcast to every connection: every write sequence number up
 * to `settled` is now either durable or, if it lies in `failed`, undone and answered with an error.
 */
export interface Settlement {
  readonly settled: number
  readonly failed?: { readonly from: number; readonly to: number; readonly reason: string }
}

/** What holdUntilDurable needs from the durability actor. */
export interface DurabilityGate {
  /**
   * Called right after a batch of commands ran: seals the writes they made and returns the write
   * sequence number their replies depend on (0 when they depend on nothing unsettled). Like Redis,
   * which holds every reply of an event-loop turn until the AOF fsync, a read waits for any write
   * executed before it, so a reply never shows data that could still be lost.
   */
  mark(): number
  /** Every sequence number up to this one has settled. */
  readonly settledSeq: number
  /** Emits synchronously on each settlement, in order. */
  readonly settlements: Observable<Settlement>
  /**
   * Learns now of a commit whose disk work has finished (Wal.poll). The connection actor calls it
   * after each socket read: a loop busy with other clients' reads would otherwise see the
   * completion only at its next poll phase, with the disk idle meanwhile.
   */
  poll(): void
}

/** The gate when nothing is logged (appendonly no): every reply may leave at once. */
export const ALWAYS_DURABLE: DurabilityGate = { mark: () => 0, settledSeq: 0, settlements: NEVER, poll: () => {} }

/** The batch with every reply replaced by the failure text (the writes it saw were undone). */
const failedBatch = (batch: ReplyBatch, reason: string): ReplyBatch => {
  const failure = error(reason)
  const replies: Reply[] = batch.replies.map((r) => (r.kind === 'none' ? r : failure))
  return { ...batch, replies }
}

/**
 * Releases each batch of replies once the writes it depends on are durable, in order. A batch
 * that depends on nothing unsettled passes straight through (one call and one comparison); one
 * that is held has its transient values copied (detachReplies). When
 * the commit a held batch depends on fails, its replies become the failure error. The stream
 * completes once every held batch is released.
 */
export const holdUntilDurable =
  (gate: DurabilityGate): OperatorFunction<ReplyBatch, ReplyBatch> =>
  (source) =>
    new Observable<ReplyBatch>((subscriber) => {
      const held: { need: number; batch: ReplyBatch }[] = []
      let sourceDone = false
      let listening: { unsubscribe(): void } | undefined

      const release = (s: Settlement): void => {
        // Nothing was held since the last settlement: stop listening. Not as soon as the last
        // batch is released, because a busy connection holds another before the next settlement,
        // and subscribing afresh each time was several objects per socket read.
        if (held.length === 0) {
          listening?.unsubscribe()
          listening = undefined
          return
        }
        let n = 0
        while (n < held.length && held[n]!.need <= s.settled) {
          const { need, batch } = held[n++]!
          const failed = s.failed
          subscriber.next(failed !== undefined && need >= failed.from && need <= failed.to ? failedBatch(batch, failed.reason) : batch)
        }
        for (; n > 0; n--) held.shift()
        if (held.length === 0 && sourceDone) {
          listening?.unsubscribe()
          listening = undefined
          subscriber.complete()
        }
      }

      const upstream = source.subscribe({
        next(batch) {
          const need = gate.mark()
          if (held.length === 0 && need <= gate.settledSeq) {
            subscriber.next(batch)
            return
          }
          // Held past this pass: values that are views of storage are copied now.
          detachReplies(batch.replies)
          held.push({ need, batch })
          listening ??= gate.settlements.subscribe(release)
        },
        error: (e) => subscriber.error(e),
        complete() {
          sourceDone = true
          if (held.length === 0) subscriber.complete()
        },
      })
      return () => {
        upstream.unsubscribe()
        listening?.unsubscribe()
      }
    })
