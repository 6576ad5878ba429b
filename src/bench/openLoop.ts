// Open loop: requests are sent at a fixed rate whatever the server does. Each one takes the next
// open pipe with room (round-robin, at most `maxInFlight` per pipe); when none has room it waits
// in a backlog. Latency counts from the intended time to the read that completed the reply, so a
// stalled server shows in the percentiles instead of silently lowering the load (coordinated
// omission). Completions are emitted per socket read, one array each, as the closed loop does.

import { Observable, type SchedulerLike } from 'rxjs'
import { ScheduledRequest, type Completion, type SettledSink } from './completion.js'
import { intendedTimes } from './intendedTimes.js'
import type { RequestPipe } from './pipe.js'
import { Recycler } from './recycler.js'
import type { RequestSource } from './workload.js'

export interface OpenLoopOptions {
  /** Requests per second, over all pipes. */
  readonly rate: number
  /** Requests in flight per pipe before further ones wait. */
  readonly maxInFlight: number
  /** Times the schedule; its clock must be the one the pipes stamp writes and reads with. */
  readonly scheduler: SchedulerLike
  /** Stop after this many requests (all answered). */
  readonly requests?: number
  readonly tickMs?: number
  /** Reuse completion objects and group arrays after each emission (see ClosedLoopOptions.recycle). */
  readonly recycle?: boolean
}

export const openLoop = (
  pipes: readonly RequestPipe[],
  sources: RequestSource | readonly RequestSource[],
  options: OpenLoopOptions,
): Observable<Completion[]> =>
  new Observable<Completion[]>((subscriber) => {
    const limit = options.requests ?? Infinity
    const sourceOf = (pipe: number): RequestSource => (typeof sources === 'function' ? sources : sources[pipe]!)
    const backlog: number[] = []
    let backlogHead = 0
    let cursor = 0
    let settled = 0
    let stopped = false
    let openPipes = pipes.length
    const recycled = new Recycler<ScheduledRequest>(options.recycle ?? false)

    const send = (pipe: number, intendedAt: number): void => {
      const request = sourceOf(pipe)()
      const pending = recycled.take()?.reschedule(request.op, pipe, intendedAt) ?? new ScheduledRequest(request.op, pipe, intendedAt, sink)
      pipes[pipe]!.send(request.frame, pending)
    }
    const pipeWithRoom = (): number => {
      for (let tried = 0; tried < pipes.length; tried++) {
        const p = cursor
        cursor = cursor + 1 === pipes.length ? 0 : cursor + 1
        if (pipes[p]!.open && pipes[p]!.inFlight < options.maxInFlight) return p
      }
      return -1
    }
    const sink: SettledSink = {
      settled: (request) => {
        if (stopped) return
        settled++
        // The open loop sends only ScheduledRequests.
        recycled.group.push(request as ScheduledRequest)
        if (settled >= limit) return finish()
        const pipe = pipes[request.pipe]!
        if (backlogHead < backlog.length && pipe.open && pipe.inFlight < options.maxInFlight) {
          send(request.pipe, backlog[backlogHead++]!)
          if (backlogHead > 1024 && backlogHead * 2 > backlog.length) backlog.splice(0, backlogHead), (backlogHead = 0)
        }
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
    const schedule = intendedTimes({
      rate: options.rate,
      scheduler: options.scheduler,
      ...(options.requests === undefined ? {} : { count: options.requests }),
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    }).subscribe((intendedAt) => {
      const pipe = pipeWithRoom()
      if (pipe === -1) backlog.push(intendedAt)
      else send(pipe, intendedAt)
    })
    if (limit === 0 || pipes.length === 0) finish()
    return () => {
      stopped = true
      schedule.unsubscribe()
      for (const remove of removers) remove()
    }
  })
