// Open loop: requests are sent at a fixed rate whatever the server does. Each one takes the next
// open pipe with room (round-robin, at most `maxInFlight` per pipe); when none has room it waits
// in a backlog. Latency counts from the intended time, so a stalled server shows in the
// percentiles instead of silently lowering the load (coordinated omission).

import { Observable, type SchedulerLike } from 'rxjs'
import { InFlightRequest, type Completion } from './completion.js'
import { intendedTimes } from './intendedTimes.js'
import type { RequestPipe } from './pipe.js'
import type { RequestSource } from './workload.js'

export interface OpenLoopOptions {
  /** Requests per second, over all pipes. */
  readonly rate: number
  /** Requests in flight per pipe before further ones wait. */
  readonly maxInFlight: number
  readonly scheduler: SchedulerLike
  /** Stop after this many requests (all answered). */
  readonly requests?: number
  /** The clock the pipes stamp replies with; the scheduler's own clock by default. */
  readonly clock?: () => number
  readonly tickMs?: number
}

export const openLoop = (
  pipes: readonly RequestPipe[],
  sources: RequestSource | readonly RequestSource[],
  options: OpenLoopOptions,
): Observable<Completion> =>
  new Observable<Completion>((subscriber) => {
    const clock = options.clock ?? (() => options.scheduler.now())
    const limit = options.requests ?? Infinity
    const sourceOf = (pipe: number): RequestSource => (typeof sources === 'function' ? sources : sources[pipe]!)
    const backlog: number[] = []
    let backlogHead = 0
    let cursor = 0
    let settled = 0
    let stopped = false
    let openPipes = pipes.length

    const send = (pipe: number, intendedAt: number): void => {
      const request = sourceOf(pipe)()
      pipes[pipe]!.send(request.frame, new InFlightRequest(request.op, intendedAt, clock(), pipe, onSettled))
    }
    const pipeWithRoom = (): number => {
      for (let tried = 0; tried < pipes.length; tried++) {
        const p = cursor
        cursor = cursor + 1 === pipes.length ? 0 : cursor + 1
        if (pipes[p]!.open && pipes[p]!.inFlight < options.maxInFlight) return p
      }
      return -1
    }
    const onSettled = (request: InFlightRequest): void => {
      if (stopped) return
      settled++
      subscriber.next(request)
      if (settled >= limit) return finish()
      const pipe = pipes[request.pipe]!
      if (backlogHead < backlog.length && pipe.open && pipe.inFlight < options.maxInFlight) {
        send(request.pipe, backlog[backlogHead++]!)
        if (backlogHead > 1024 && backlogHead * 2 > backlog.length) backlog.splice(0, backlogHead), (backlogHead = 0)
      }
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
    }
  })
