// Closed loop: each pipe keeps `pipeline` requests in flight and sends more as replies arrive, as
// redis-benchmark and memtier do. The load adapts to the server's speed.

import { Observable } from 'rxjs'
import { InFlightRequest, type Completion, type SettledSink } from './completion.js'
import { Recycler } from './recycler.js'
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
  /**
   * `batch` (the default, redis-benchmark's definition): every request of a write is charged the
   * time from the write to the first read that answers it. `request`: each is charged up to the
   * read that completed its own reply. The two agree at pipeline 1.
   */
  readonly latency?: 'batch' | 'request'
  /** Stop after this many requests in total (all of them answered); unbounded otherwise. */
  readonly requests?: number
  /**
   * Reuse the completion objects and group arrays once `next` has returned: a subscriber must not
   * keep a group or a completion beyond its `next` call (recordLatency does not). Saves one
   * allocation per request and the garbage collection it causes (what `bench` runs do). False by
   * default.
   */
  readonly recycle?: boolean
}

/**
 * Emits the completions of each socket read (RequestPipe.onSettled) as one array, in reply order
 * per pipe. Completes when `requests` are all answered or every pipe has closed; unsubscribing
 * stops sending (late replies are dropped). `sources` is one request source for all pipes or one
 * per pipe.
 */
export const closedLoop = (
  pipes: readonly RequestPipe[],
  sources: RequestSource | readonly RequestSource[],
  options: ClosedLoopOptions,
): Observable<Completion[]> =>
  new Observable<Completion[]>((subscriber) => {
    const limit = options.requests ?? Infinity
    const sourceOf = (pipe: number): RequestSource => (typeof sources === 'function' ? sources : sources[pipe]!)
    const batchRefill = (options.refill ?? 'batch') === 'batch'
    const definition = options.latency ?? 'batch'
    let stopped = false
    let sent = 0
    let settled = 0
    let openPipes = pipes.length
    const recycled = new Recycler<InFlightRequest>(options.recycle ?? false)

    const sendNext = (pipe: number): void => {
      if (stopped || sent >= limit || !pipes[pipe]!.open) return
      sent++
      const request = sourceOf(pipe)()
      const pending = recycled.take()?.reuse(request.op, pipe) ?? new InFlightRequest(request.op, pipe, definition, sink)
      pipes[pipe]!.send(request.frame, pending)
    }
    const sink: SettledSink = {
      settled: (request) => {
        if (stopped) return
        settled++
        recycled.group.push(request)
        if (!batchRefill) sendNext(request.pipe)
        else if (pipes[request.pipe]!.inFlight === 0) for (let slot = 0; slot < options.pipeline; slot++) sendNext(request.pipe)
        if (settled >= limit) finish()
      },
    }
    const emit = (): void => {
      if (recycled.group.length > 0 && !subscriber.closed) recycled.emit((group) => subscriber.next(group))
    }
    const finish = (): void => {
      if (stopped) return
      emit()
      stopped = true
      subscriber.complete()
    }

    const removers = pipes.map((pipe) => pipe.onSettled(emit))
    pipes.forEach((pipe) =>
      pipe.onClose(() => {
        if (--openPipes === 0) finish()
      }),
    )
    for (let slot = 0; slot < options.pipeline; slot++) for (let p = 0; p < pipes.length; p++) sendNext(p)
    if (limit === 0 || pipes.length === 0) finish()
    return () => {
      stopped = true
      for (const remove of removers) remove()
    }
  })
