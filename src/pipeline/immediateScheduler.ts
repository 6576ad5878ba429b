import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs'

type Work<T> = (this: SchedulerAction<T>, state?: T) => void

/**
 * One scheduled piece of work. Like rxjs's AsyncAction it runs once unless its work reschedules
 * it through `this.schedule(state, delay)`; scheduling it again before it ran replaces the pending
 * run. Unsubscribing cancels the pending run and any later rescheduling.
 */
class ImmediateAction<T> extends Subscription implements SchedulerAction<T> {
  private immediate: NodeJS.Immediate | undefined = undefined
  private timeout: NodeJS.Timeout | undefined = undefined
  private state: T | undefined = undefined

  constructor(private readonly work: Work<T>) {
    super()
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    this.state = state
    this.cancel()
    // `!(delay > 0)` also sends NaN and negative delays to the next check phase.
    if (!(delay > 0)) this.immediate = setImmediate(this.run)
    else this.timeout = setTimeout(this.run, delay)
    return this
  }

  private readonly run = (): void => {
    this.immediate = this.timeout = undefined
    try {
      this.work.call(this, this.state)
    } catch (error) {
      // As rxjs's actions do: a failed action is finished, and the error is not swallowed.
      this.unsubscribe()
      throw error
    }
  }

  override unsubscribe(): void {
    this.cancel()
    super.unsubscribe()
  }

  private cancel(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    if (this.timeout !== undefined) clearTimeout(this.timeout)
    this.immediate = this.timeout = undefined
  }
}

/**
 * A scheduler on Node's event loop for batching server work. A delay of 0 runs the work with
 * `setImmediate`, in the check phase: after every I/O callback of the current loop turn, so all the
 * socket reads of one turn land before it runs (the same point at which Redis's `beforeSleep`
 * flushes its AOF). A positive delay uses `setTimeout`. `now()` is wall-clock milliseconds.
 */
export const immediateScheduler: SchedulerLike = {
  now: () => Date.now(),
  schedule<T>(work: Work<T>, delay = 0, state?: T): Subscription {
    return new ImmediateAction<T>(work).schedule(state, delay)
  },
}
