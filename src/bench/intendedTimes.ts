// The open-loop schedule: request i is due at start + i / rate. Emits each due time (in the
// scheduler's milliseconds) on the tick at or after it, so a late tick emits the missed slots at
// once with their original times: the delay is then charged to the requests, not forgotten.

import { Observable, type SchedulerLike } from 'rxjs'

export interface IntendedTimesOptions {
  /** Requests per second. */
  readonly rate: number
  readonly scheduler: SchedulerLike
  /** How often due slots are released, in ms; 1 ms by default (timers are no finer). */
  readonly tickMs?: number
  /** Stop after this many slots. */
  readonly count?: number
}

export const intendedTimes = (options: IntendedTimesOptions): Observable<number> =>
  new Observable<number>((subscriber) => {
    if (!(options.rate > 0)) throw new RangeError(`rate must be positive, got ${options.rate}`)
    const { scheduler } = options
    const intervalMs = 1000 / options.rate
    const count = options.count ?? Infinity
    const start = scheduler.now()
    let next = 0
    const release = (): boolean => {
      const now = scheduler.now()
      while (next < count && start + next * intervalMs <= now) {
        subscriber.next(start + next * intervalMs)
        next++
        if (subscriber.closed) return false
      }
      if (next >= count) {
        subscriber.complete()
        return false
      }
      return true
    }
    if (!release()) return
    const tickMs = options.tickMs ?? Math.min(1, intervalMs)
    return scheduler.schedule(function () {
      if (release()) this.schedule(undefined, tickMs)
    }, tickMs)
  })
