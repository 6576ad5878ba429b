import { from, Observable, type ObservableInput, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs'

export interface GroupCommitOptions<T> {
  /** Bytes an item adds to a batch. Must not throw. */
  readonly sizeOf: (item: T) => number
  /** A batch is sealed once it holds this many bytes (an item larger than that is committed alone). */
  readonly maxBytes: number
  /** Longest a first item waits, when no commit is in flight, for more items to join its batch (ms; 0 = the scheduler's next turn). */
  readonly maxDelay: number
  readonly scheduler: SchedulerLike
}

export type CommitOutcome<T, R> =
  | { readonly ok: true; readonly items: readonly T[]; readonly result: R }
  | { readonly ok: false; readonly items: readonly T[]; readonly error: unknown }

// Slots preallocated for a batch: filling a presized array costs a fraction of growing one by
// push, so each batch starts with as many slots as the last one used, within these bounds.
const MIN_SLOTS = 16
const MAX_SLOTS = 65_536

/** The error of a failed outcome whose commit completed without producing a value. */
export class CommitWithoutResult extends Error {
  constructor() {
    super('commit completed without a result')
    this.name = 'CommitWithoutResult'
  }
}

/**
 * Commits items in batches, one `commit` call per batch, and emits each batch's outcome.
 *
 * - At most one commit is in flight and one batch accumulates. Items that arrive while a commit
 *   is in flight accumulate; when it settles, everything accumulated (up to `maxBytes`; the rest
 *   stays for the next commit) is committed at once, with no further delay, since those items
 *   already waited, and then the settled commit's outcome is emitted. Starting the next commit
 *   first keeps the disk busy while downstream acts on the outcome (releasing replies); a
 *   `commit` function that must not run after a failure it has not yet seen as an outcome can
 *   tell from its own earlier commit's rejection, which it observes first.
 * - With nothing in flight, the first item opens a gather window of `maxDelay` on the scheduler;
 *   the batch is committed when the window ends, or as soon as it holds `maxBytes`.
 * - Batches are cut greedily in arrival order: an item that would take a non-empty batch past
 *   `maxBytes` starts the next one, so a batch exceeds `maxBytes` only when it is a single item.
 * - A commit's result is the first value of its ObservableInput (the rest is not awaited). A
 *   rejection, an error, a synchronous throw, or completion without a value is a failed outcome
 *   (`ok: false`); the stream does not error, and later batches are still committed.
 * - Outcomes are emitted in commit order; every item is in exactly one outcome, in arrival order.
 * - When the source completes, what remains is committed (still by `maxBytes`, one in flight,
 *   without waiting for the gather window), then the stream completes. A source error is emitted
 *   once the in-flight commit (if any) has settled and its outcome has been emitted; items not yet
 *   committed are dropped uncommitted, so no outcome ever reports them.
 * - Unsubscribing cancels the gather window and ignores the in-flight commit's result.
 *
 * Each item costs one `sizeOf` call and a store into a presized array: batches are cut as items
 * arrive, and cut ones wait in a queue read by index, so a backlog costs no more per item than none.
 * `items` arrays are never touched again once handed to `commit`.
 */
export const groupCommit =
  <T, R>(
    commit: (items: readonly T[]) => ObservableInput<R>,
    options: GroupCommitOptions<T>,
  ): OperatorFunction<T, CommitOutcome<T, R>> =>
  (source) =>
    new Observable<CommitOutcome<T, R>>((subscriber) => {
      const { sizeOf, maxBytes, maxDelay, scheduler } = options
      /** The batch accumulating: its first `openCount` slots hold items, the rest are spare. */
      let open: T[] = new Array<T>(MIN_SLOTS)
      let openCount = 0
      let openBytes = 0
      /** Batches cut by maxBytes and not yet committed, oldest at `sealedHead`. */
      let sealed: (T[] | undefined)[] = []
      let sealedHead = 0
      let inFlight = false
      let inner: Subscription | undefined
      let gather: Subscription | undefined
      /** Set while the commit loop runs, so a commit that settles synchronously does not recurse. */
      let pumping = false
      /** Outcomes settled but not yet emitted, in commit order (emitted after the next commit starts). */
      let ready: CommitOutcome<T, R>[] = []
      let sourceDone = false
      let sourceFailed = false
      let sourceError: unknown

      /** Closes the open batch and starts the next with as many slots as this one used. */
      const takeOpen = (): T[] => {
        const batch = open
        batch.length = openCount
        open = new Array<T>(openCount < MIN_SLOTS ? MIN_SLOTS : openCount > MAX_SLOTS ? MAX_SLOTS : openCount)
        openCount = 0
        openBytes = 0
        return batch
      }

      /** True when a batch is waiting to be committed. */
      const hasWork = (): boolean => sealedHead < sealed.length || openCount > 0

      /**
       * Starts the next commit if none is in flight, then emits settled outcomes in order; repeats
       * while emitting made more work; ends the stream once the source has ended and all settled.
       */
      const pump = (): void => {
        if (pumping) return
        pumping = true
        do {
          while (!inFlight && !sourceFailed && !subscriber.closed) {
            let batch: T[]
            if (sealedHead < sealed.length) {
              batch = sealed[sealedHead]!
              sealed[sealedHead++] = undefined
              if (sealedHead === sealed.length) {
                sealed.length = sealedHead = 0
              } else if (sealedHead >= 1024 && sealedHead * 2 >= sealed.length) {
                // A backlog that never drains still releases the front of the queue.
                sealed = sealed.slice(sealedHead)
                sealedHead = 0
              }
            } else if (openCount > 0) {
              batch = takeOpen()
            } else break
            start(batch)
          }
          if (ready.length > 0) {
            const outcomes = ready
            ready = []
            for (const outcome of outcomes) {
              if (subscriber.closed) break
              subscriber.next(outcome)
            }
          }
        } while (!inFlight && !sourceFailed && !subscriber.closed && (ready.length > 0 || hasWork()))
        pumping = false
        if (inFlight || subscriber.closed) return
        if (sourceFailed) subscriber.error(sourceError)
        else if (sourceDone) subscriber.complete()
      }

      const start = (items: T[]): void => {
        if (gather !== undefined) {
          gather.unsubscribe()
          gather = undefined
        }
        inFlight = true
        let settled = false
        let subscription: Subscription | undefined
        const settle = (outcome: CommitOutcome<T, R>): void => {
          if (settled) return
          settled = true
          if (subscription !== undefined) {
            subscription.unsubscribe()
            inner = undefined
          }
          inFlight = false
          ready.push(outcome)
          pump()
        }
        try {
          subscription = from(commit(items)).subscribe({
            next: (result) => settle({ ok: true, items, result }),
            error: (error: unknown) => settle({ ok: false, items, error }),
            // A commit that produced its value completes too; only build the error when it did not.
            complete: () => {
              if (!settled) settle({ ok: false, items, error: new CommitWithoutResult() })
            },
          })
        } catch (error) {
          settle({ ok: false, items, error })
          return
        }
        if (settled) subscription.unsubscribe()
        else inner = subscription
      }

      const gatherEnded = (): void => {
        gather = undefined
        pump()
      }

      const sourceSubscription = source.subscribe({
        next(item) {
          const size = sizeOf(item)
          if (openBytes + size > maxBytes && openCount > 0) {
            sealed.push(takeOpen())
            if (!inFlight) pump()
          }
          open[openCount++] = item
          openBytes += size
          if (openBytes >= maxBytes) {
            sealed.push(takeOpen())
            if (!inFlight) pump()
          } else if (!inFlight && !pumping && gather === undefined) {
            gather = scheduler.schedule(gatherEnded, maxDelay)
          }
        },
        error(error: unknown) {
          sourceFailed = true
          sourceError = error
          if (!inFlight) pump()
        },
        complete() {
          sourceDone = true
          if (!inFlight) pump()
        },
      })

      return () => {
        sourceSubscription.unsubscribe()
        gather?.unsubscribe()
        inner?.unsubscribe()
      }
    })
