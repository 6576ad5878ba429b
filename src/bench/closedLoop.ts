// Closed loop: each pipe keeps `pipeline` requests in flight and sends the next one as soon as a
// reply arrives, as redis-benchmark and memtier do. The load adapts to the server's speed.

import { Observable } from 'rxjs'
import { InFlightRequest, type Completion } from './completion.js'
import type { RequestPipe } from './pipe.js'
import type { RequestSource } from './workload.js'

export interface ClosedLoopOptions {
  /** Requests in flight per pipe. */
  readonly pipeline: number
  /**
   * `batch` (the default, as redis-benchmark): a pipe sends its next `pipeline` requests once all
   * of the previous ones are answered, in one write. `window` (as memtier): each reply lets one
   * more request go, keeping exactly `pipeline` in flight at the cost of more, smaller writes.
   */
  readonly refill?: 'batch' | 'window'
  /** Stop after this many requests in total (all of them answered); unbounded otherwise. */
  readonly requests?: number
  /** Milliseconds; the pipes stamp replies with the same clock. */
  readonly clock?: () => number
}

/**
 * Emits one Completion per reply, in reply order per pipe. Completes when `requests` are all
 * answered or every pipe has closed; unsubscribing stops sending (late replies are dropped).
 * `sources` is one request source for all pipes or one per pipe.
 */
export const closedLoop = (
  pipes: readonly RequestPipe[],
  sources: RequestSource | readonly RequestSource[],
  options: ClosedLoopOptions,
): Observable<Completion> =>
  new Observable<Completion>((subscriber) => {
    const clock = options.clock ?? (() => performance.now())
    const limit = options.requests ?? Infinity
    const sourceOf = (pipe: number): RequestSource => (typeof sources === 'function' ? sources : sources[pipe]!)
    const batch = (options.refill ?? 'batch') === 'batch'
    let stopped = false
    let sent = 0
    let settled = 0
    let openPipes = pipes.length

    const sendNext = (pipe: number, now: number): void => {
      if (stopped || sent >= limit || !pipes[pipe]!.open) return
      sent++
      const request = sourceOf(pipe)()
      pipes[pipe]!.send(request.frame, new InFlightRequest(request.op, now, now, pipe, onSettled))
    }
    const onSettled = (request: InFlightRequest): void => {
      if (stopped) return
      settled++
      subscriber.next(request)
      if (!batch) sendNext(request.pipe, request.doneAt)
      else if (pipes[request.pipe]!.inFlight === 0) for (let slot = 0; slot < options.pipeline; slot++) sendNext(request.pipe, request.doneAt)
      if (settled >= limit) finish()
    }
    const finish = (): void => {
      if (stopped) return
      stopped = true
      subscriber.complete()
    }

    pipes.forEach((pipe) =>
      pipe.onClose(() => {
        if (--openPipes === 0) finish()
      }),
    )
    const now = clock()
    for (let slot = 0; slot < options.pipeline; slot++) for (let p = 0; p < pipes.length; p++) sendNext(p, now)
    if (limit === 0 || pipes.length === 0) finish()
    return () => {
      stopped = true
    }
  })
