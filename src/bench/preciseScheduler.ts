// rxjs's async scheduler with a sub-millisecond clock: its own `now()` is Date.now(), too coarse
// for latencies of tens of microseconds. Timers behave exactly as asyncScheduler's.

import { asyncScheduler, type SchedulerLike } from 'rxjs'

export const preciseScheduler: SchedulerLike = {
  now: () => performance.now(),
  schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'],
}
