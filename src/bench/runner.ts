// One run of one thread: open the connections, drive the workload closed- or open-loop, record,
// close. Several threads run this side by side on their share of the clients and merge the
// snapshots (see threads.ts).

import { lastValueFrom, takeUntil, timer, type Observable, type SchedulerLike, type Subscription } from 'rxjs'
import type { Completion } from './completion.js'
import type { KeyDistribution } from './keyDistribution.js'
import { closedLoop } from './closedLoop.js'
import { openLoop } from './openLoop.js'
import { openPool } from './pool.js'
import { preciseScheduler } from './preciseScheduler.js'
import { LatencyRecorder, type RecorderSnapshot } from './recorder.js'
import { recordLatency } from './recordLatency.js'
import type { ValueSize } from './valueSize.js'
import { whenIdle } from './whenIdle.js'
import { RequestCatalog, workload, type WorkloadSpec } from './workload.js'

export interface RunOptions {
  readonly host: string
  readonly port: number
  readonly user?: string
  readonly password?: string
  readonly tenants?: number
  readonly clients: number
  readonly pipeline: number
  /** How a closed loop refills its pipeline (see closedLoop.ts); batch by default. */
  readonly refill?: 'batch' | 'window'
  /** How a closed loop measures latency (see closedLoop.ts); batch by default. An open loop measures from the intended time. */
  readonly latency?: 'batch' | 'request'
  /** Exactly one of durationMs and requests bounds the measured run. */
  readonly durationMs?: number
  readonly requests?: number
  /**
   * Before the measured run, the same load for this long, not recorded, and then drained: the
   * harness's own JIT compilation and heap growth happen there instead of in the measurements.
   */
  readonly warmupMs?: number
  readonly workload: WorkloadSpec
  readonly keyspace: number
  readonly keyDistribution: KeyDistribution
  readonly valueSize: ValueSize
  /** Open loop at this many requests per second (over this run's clients); closed loop when absent. */
  readonly rate?: number
  readonly seed: number
  /** The global index of this run's first client, and the number of clients over all threads. */
  readonly firstClient?: number
  readonly totalClients?: number
}

export interface RunHooks {
  /** Called about every `tickMs` while the run goes on, with the recorder and the elapsed ms. */
  readonly onTick?: (recorder: LatencyRecorder, elapsedMs: number) => void
  readonly tickMs?: number
  readonly scheduler?: SchedulerLike
}

export const runWorkload = async (options: RunOptions, hooks: RunHooks = {}): Promise<RecorderSnapshot> => {
  const scheduler = hooks.scheduler ?? preciseScheduler
  const clock = () => scheduler.now()
  const first = options.firstClient ?? 0
  const pool = await openPool({
    host: options.host,
    port: options.port,
    clients: options.clients,
    firstClient: first,
    clock,
    // A run looks at reply kinds and error texts only: bulk payloads are skipped, not copied.
    replyValues: false,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tenants === undefined ? {} : { tenants: options.tenants }),
  })
  const catalog = new RequestCatalog(options.keyspace)
  const sources = pool.connections.map((_, i) =>
    workload(options.workload, {
      keyspace: options.keyspace,
      keyDistribution: options.keyDistribution,
      valueSize: options.valueSize,
      seed: options.seed,
      stream: first + i,
      streams: options.totalClients ?? options.clients,
      catalog,
    }),
  )
  // Recycling: the only subscriber is the recorder, which keeps no completion.
  const makeLoop = (limits: { requests?: number }): Observable<Completion[]> =>
    options.rate === undefined
      ? closedLoop(pool.connections, sources, { pipeline: options.pipeline, refill: options.refill ?? 'batch', latency: options.latency ?? 'batch', recycle: true, ...limits })
      : openLoop(pool.connections, sources, { rate: options.rate, maxInFlight: options.pipeline, scheduler, recycle: true, ...limits })
  let ticker: Subscription | undefined
  try {
    if ((options.warmupMs ?? 0) > 0) {
      await lastValueFrom(makeLoop({}).pipe(takeUntil(timer(options.warmupMs!, scheduler))), { defaultValue: undefined })
      await whenIdle(pool.connections)
    }
    const startedAt = clock()
    const recorder = new LatencyRecorder(startedAt, options.durationMs === undefined ? Infinity : Math.max(0, Math.ceil(options.durationMs / 1000) - 1))
    const loop = makeLoop(options.requests === undefined ? {} : { requests: options.requests })
    if (hooks.onTick !== undefined) {
      const onTick = hooks.onTick
      ticker = timer(hooks.tickMs ?? 250, hooks.tickMs ?? 250, scheduler).subscribe(() => onTick(recorder, clock() - startedAt))
    }
    const bounded = options.durationMs === undefined ? loop : loop.pipe(takeUntil(timer(options.durationMs, scheduler)))
    await lastValueFrom(bounded.pipe(recordLatency(recorder)), { defaultValue: undefined })
    return recorder.snapshot(options.durationMs === undefined ? undefined : Math.min(clock(), startedAt + options.durationMs))
  } finally {
    ticker?.unsubscribe()
    pool.close()
  }
}
