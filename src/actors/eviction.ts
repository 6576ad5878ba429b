// The eviction actor: keeps the process within maxmemory by keeping the data (resident records,
// the store's caches and indexes) within what the rest leaves of it. Every tick it measures memory,
// asks the pure policy (storage/eviction-policy.ts) what to do, asks for a flush when changed
// records crowd memory, and drops clean records (coldest first), which stay readable from the store.
// Unlike Redis's maxmemory policies, nothing is lost and no write is refused: evicted keys are
// read back from disk when a command needs them. Writes that arrive faster than flushes and
// eviction free memory wait instead (a write stall, as RocksDB's): while the data is over its
// budget, commands that can grow it are held before they run, and reads go on.
// Dropping a record is not Redis's eviction: no `evicted` keyspace notification is published
// (keyspace-events.ts), since the key and its data still exist.

import { setFlagsFromString } from 'node:v8'
import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
import type { ServerRuntime } from './server.js'
import { dataBudget, heldBytes, holdOversized, planEviction } from '../storage/eviction-policy.js'
import { fitYoungGeneration } from './young-generation.js'
import { MemoryGauge } from '../storage/memory-gauge.js'
import { limitSpareSlabs, unreclaimedSlabBytes } from '../storage/record-table.js'

/**
 * Short ticks with short budgets: eviction's work comes in small pieces between requests. Reads
 * from disk install records at tens of thousands a second, and 25 ms ticks of up to 3 ms each
 * put 2-4 ms stalls into every second read's tail (59 ticks over 2 ms in 8 s of uniform GETs).
 */
const TICK_MS = 5
/** Time one tick may spend evicting, so it never stalls the event loop for long. */
const TICK_BUDGET_MS = 0.75
/**
 * The same while writes wait for memory: they wait for this work, and reads are all that is left.
 * A third of the event loop's time, as 12 ms per 25 ms tick was.
 */
const STALLED_TICK_BUDGET_MS = 2.5
/** Records looked at between two looks at the clock. */
const VISITS_PER_STEP = 250
/** Ticks the memory gauge's low point covers: 2 s, longer than the heap's usual cycle under load. */
const GAUGE_WINDOW_TICKS = 2000 / TICK_MS

export interface EvictionStats {
  /** Records dropped from memory (INFO memory wtr_evicted_to_disk_keys). */
  evictedKeys: number
  /** The process's memory besides the data, as the last tick estimated it (wtr_memory_overhead_bytes). */
  overheadBytes: number
  /** What the data may use, maxmemory less that overhead (wtr_data_budget_bytes); 0 without maxmemory. */
  dataBudgetBytes: number
  readonly gauge: MemoryGauge
}

export const newEvictionStats = (): EvictionStats => ({
  evictedKeys: 0,
  overheadBytes: 0,
  dataBudgetBytes: 0,
  gauge: new MemoryGauge(GAUGE_WINDOW_TICKS),
})

/**
 * Holds commands that can grow memory (`denyoom`) while the resident set is over maxmemory. A
 * stall begins when a tick finds memory over the limit and ends when a tick finds it back under
 * the high mark, or when nothing could free memory (no flush running or due, nothing clean to
 * drop, or the last flush failed), so writes never wait for what cannot happen.
 */
export class WriteStall {
  private waiting: Promise<void> | undefined
  private release: (() => void) | undefined
  private since = 0
  /** Commands held by this stall (hold()); none before it begins or after it ends. */
  held = 0
  /** Stalls begun (INFO memory wtr_write_stalls). */
  count = 0
  /** Milliseconds spent stalled, the current stall included (wtr_write_stall_ms). */
  private endedMs = 0

  /** What a write waits for during a stall; undefined when writes run at once. */
  get wait(): Promise<void> | undefined {
    return this.waiting
  }

  /** Waits for the stall to end, as a command held by it; only while one is under way. */
  hold(): Promise<void> {
    if (this.waiting === undefined) return Promise.resolve()
    this.held++
    return this.waiting
  }

  stalledMs(now: number): number {
    return this.endedMs + (this.waiting === undefined ? 0 : now - this.since)
  }

  begin(now: number): void {
    if (this.waiting !== undefined) return
    this.count++
    this.since = now
    this.waiting = new Promise((resolve) => {
      this.release = resolve
    })
  }

  end(now: number): void {
    if (this.waiting === undefined) return
    this.endedMs += now - this.since
    this.held = 0
    this.waiting = undefined
    this.release?.()
    this.release = undefined
  }
}

export const evictOnce = (runtime: ServerRuntime): void => {
  const store = runtime.store
  const checkpointer = runtime.checkpointer
  if (store === undefined || checkpointer === undefined) return
  const maxmemory = runtime.config.number('maxmemory')
  if (maxmemory <= 0) {
    // CONFIG SET maxmemory 0 lifts the limit, and with it any stall and any budget.
    runtime.writeStall.end(performance.now())
    runtime.eviction.overheadBytes = 0
    runtime.eviction.dataBudgetBytes = 0
    return
  }
  // Measured once per database and tick: the policy and the per-database shares use the same figures.
  const bytesOf = runtime.keyspaces.all.map((db) => (db.residentCount === 0 ? 0 : db.residentBytes))
  let residentBytes = 0
  let residentKeys = 0
  let dirtyEntries = 0
  // Only records eviction may drop can be freed: the tenant registry's keyspace is pinned, and
  // its clean records, counted as freeable, kept a stall that nothing could end waiting for ever
  // (after a restart, when they are read back clean, under a maxmemory the process alone exceeds).
  let evictableBytes = 0
  const largeOf = runtime.keyspaces.all.map((db) => (db.evictable ? db.largeRecords() : []))
  runtime.keyspaces.all.forEach((db, n) => {
    residentBytes += bytesOf[n]!
    residentKeys += db.residentCount
    dirtyEntries += db.dirtyLength
    if (db.evictable) evictableBytes += bytesOf[n]!
  })
  const stats = runtime.eviction
  const memory = process.memoryUsage()
  const overheadBytes = stats.gauge.sample(memory.heapTotal + memory.external - unreclaimedSlabBytes(), residentBytes + store.residentBytes)
  // Oversized records being changed stay resident (holdOversized); the rest of the data keeps
  // its budget, and the per-record estimate below is of the other records.
  const hold = holdOversized(largeOf.flat(), dataBudget(maxmemory, overheadBytes), maxmemory)
  if (hold.records > 0) largeOf.forEach((records, n) => (bytesOf[n]! -= heldBytes(records, hold)))
  residentBytes -= hold.bytes
  residentKeys -= hold.records
  evictableBytes -= hold.bytes
  const recordBytes = residentKeys <= 0 ? 0 : residentBytes / residentKeys
  const dirtyBytes = Math.min(residentBytes, Math.max(0, dirtyEntries - hold.records) * recordBytes)
  stats.overheadBytes = overheadBytes
  stats.dataBudgetBytes = dataBudget(maxmemory, overheadBytes)
  const plan = planEviction({
    maxmemory,
    overheadBytes,
    residentBytes,
    storeBytes: store.residentBytes,
    dirtyBytes,
    flushRunning: checkpointer.inProgress,
  })
  if (plan.flush) checkpointer.runAutomatic()
  const stall = runtime.writeStall
  const now = performance.now()
  const cleanBytes = Math.max(0, evictableBytes - dirtyBytes)
  // Only what a flush or eviction can free is worth waiting for. After a failed flush (a full or
  // failing disk) writes run and meet the log's own errors rather than wait without end.
  const canFree = checkpointer.lastOk && (checkpointer.inProgress || plan.flush || cleanBytes > 0)
  if (plan.stallWrites && canFree) stall.begin(now)
  else if (plan.resumeWrites || !canFree) stall.end(now)
  if (plan.evictShare <= 0 || recordBytes === 0 || (runtime.stager?.gathering ?? 0) > 0) return
  // Each database gives up the same share of its resident records, in steps, within the budget.
  const deadline = now + (stall.held === 0 ? TICK_BUDGET_MS : STALLED_TICK_BUDGET_MS)
  runtime.keyspaces.all.forEach((db, n) => {
    if (db.residentCount === 0) return
    let target = Math.ceil(plan.evictShare * bytesOf[n]!)
    const before = db.residentCount
    while (target > 0 && db.residentCount > 0 && performance.now() < deadline) {
      const freed = db.evict(target, VISITS_PER_STEP, hold)
      target -= freed
      // Nothing clean and cold in a whole step: the next tick tries again.
      if (freed === 0) break
    }
    stats.evictedKeys += before - db.residentCount
  })
}

/**
 * How far past its live size the heap may grow between full collections under maxmemory. V8's
 * own choice goes up to four times the live size; under a steady write load that was 110 MB of
 * garbage on 35 MB of live objects, more than a 100mb limit has in all. Without a limit V8
 * chooses (0).
 */
const HEAP_GROWING_PERCENT = 30
/** Share of maxmemory the record table's spare slabs may hold (16 MB without a limit). */
const SPARE_SHARE = 1 / 32

/**
 * Sizes what the process keeps besides its data to maxmemory: the heap's growth, the spare slabs.
 * Both are process-wide: the last server of a process to set maxmemory decides.
 */
const fitMemoryLimit = (maxmemory: number): void => {
  setFlagsFromString(`--heap-growing-percent=${maxmemory > 0 ? HEAP_GROWING_PERCENT : 0}`)
  limitSpareSlabs(maxmemory > 0 ? maxmemory * SPARE_SHARE : Infinity)
}

/** Forks the eviction tick into the current scope; it stops when the scope closes. */
export const runEvictionActor = (runtime: ServerRuntime): Effect.Effect<void, never, Scope.Scope> =>
  Effect.sync(() => {
    fitMemoryLimit(runtime.config.number('maxmemory'))
    runtime.config.onChange('maxmemory', (value) => fitMemoryLimit(Number(value)))
  }).pipe(
    Effect.zipRight(
      Effect.forever(
        Effect.sync(() => {
          fitYoungGeneration(runtime.config.number('maxmemory'))
          evictOnce(runtime)
        }).pipe(Effect.zipRight(Effect.sleep(TICK_MS))),
      ),
    ),
    // Without the actor nothing would end a stall: writes held at shutdown run and are answered.
    Effect.ensuring(Effect.sync(() => runtime.writeStall.end(performance.now()))),
    Effect.forkScoped,
    Effect.asVoid,
  )
