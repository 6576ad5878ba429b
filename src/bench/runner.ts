// One run of one thread: open the connections, drive the workload closed- or open-loop, record,
// close. Several threads run this side by side on their share of the clients and merge the
// snapshots (see threads.ts).

import { lastValueFrom, takeUntil, timer, type SchedulerLike } from 'rxjs'
import type { KeyDistribution } from './keyDistribution.js'
import { closedLoop } from './closedLoop.js'
import { openLoop } from './openLoop.js'
import { openPool } from './pool.js'
import { preciseScheduler } from './preciseScheduler.js'
import { LatencyRecorder, type RecorderSnapshot } from './recorder.js'
import { recordLatency } from './recordLatency.js'
import type { ValueSize } from './valueSize.js'
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
  /** Exactly one of durationMs and requests bounds the run. */
  readonly durationMs?: number
  readonly requests?: number
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
  const startedAt = clock()
  const recorder = new LatencyRecorder(startedAt, options.durationMs === undefined ? Infinity : Math.max(0, Math.ceil(options.durationMs / 1000) - 1))
  const limits = options.requests === undefined ? {} : { requests: options.requests }
  const loop =
    options.rate === undefined
      ? closedLoop(pool.connections, sources, { pipeline: options.pipeline, refill: options.refill ?? 'batch', clock, ...limits })
      : openLoop(pool.connections, sources, { rate: options.rate, maxInFlight: options.pipeline, scheduler, clock, ...limits })
  const ticker =
    hooks.onTick === undefined
      ? undefined
      : timer(hooks.tickMs ?? 250, hooks.tickMs ?? 250, scheduler).subscribe(() => hooks.onTick!(recorder, clock() - startedAt))
  try {
    const bounded = options.durationMs === undefined ? loop : loop.pipe(takeUntil(timer(options.durationMs, scheduler)))
    await lastValueFrom(bounded.pipe(recordLatency(recorder)), { defaultValue: undefined })
    return recorder.snapshot(options.durationMs === undefined ? undefined : Math.min(clock(), startedAt + options.durationMs))
  } finally {
    ticker?.unsubscribe()
    pool.close()
  }
}
