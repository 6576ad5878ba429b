// The checkpoint actor: once the WAL has grown by wal-checkpoint-bytes, or holds a tail whose
// replay would cost as much as writing wal-checkpoint-ops keys, since the last checkpoint, it flushes the records changed since the
// last flush into a level-0 segment of the LSM store (storage/lsm-store.ts) in the background,
// then lets the WAL recycle the segments the flush covers, so the log never grows without bound,
// and runs compaction. BGSAVE and BGREWRITEAOF ask for a checkpoint directly.
//
// A flush is fuzzy and may hold changes that are not durable yet. It is installed only after
// every change made while it was written has settled without a failure; a WAL failure meanwhile
// (whose changes were undone in memory) discards it.

import type { Durability } from './durability.js'
import type { Wal } from '../wal/wal.js'
import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import type { LsmStore } from '../storage/lsm-store.js'
import type { DatabaseMap } from '../storage/manifest.js'
import type { Logger } from '../log.js'
import { describeError } from '../log.js'

/**
 * How often the thresholds are checked. The tail a crash leaves is what was written since the
 * checkpoint: the threshold, plus what came in before the check saw it, plus what came in while
 * the flush ran.
 */
const POLL_MS = 100
/**
 * After a failed checkpoint (a full or failing disk), automatic ones wait this long before
 * trying again, doubling up to MAX_RETRY_MS: each attempt writes a segment file and logs.
 */
const RETRY_MS = 1000
const MAX_RETRY_MS = 30_000
/** Replay looks up an op's key for about a quarter of what it spends writing a changed key. */
const OPS_PER_CHANGED_KEY = 4

export class Checkpointer {
  /** When the last flush was installed (ms); the start time until then, as Redis's LASTSAVE. */
  lastSaveTime: number
  lastOk = true
  lastDurationSec = -1
  startedAt = 0
  /** Write batches committed when the last flush started (changes since last save). */
  private batchesAtLastSave = 0
  /** durability.stats.ops when the last installed checkpoint's flush started. */
  private opsAtCheckpoint: number
  private stopping = false
  /** Another checkpoint runs once the one running ends. */
  private scheduled = false
  /** The clock's time before which automatic checkpoints wait, after a failure. */
  private retryAt = 0
  private retryDelay = RETRY_MS
  private running: Promise<boolean> | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly databases: readonly MemoryKeyspace[],
    private readonly store: LsmStore,
    private readonly wal: Wal,
    private readonly durability: Durability,
    private readonly thresholds: { readonly bytes: () => number; readonly ops: () => number },
    private readonly log: Logger,
    startedAt: number,
    /** Resolves once no reader of an older store snapshot is in flight (Stager.whenIdle). */
    private readonly readersIdle: () => Promise<void> = () => Promise.resolve(),
    /** Ops in the WAL's tail at start-up (replayed, and not yet in the store). */
    replayedOps = 0,
    /** Milliseconds, for the wait after a failure. */
    private readonly clock: () => number = () => performance.now(),
    /** The tenants' database maps (SWAPDB), recorded with each checkpoint (Keyspaces.databaseMaps). */
    private readonly databaseMaps: () => readonly DatabaseMap[] = () => store.databaseMaps,
  ) {
    this.lastSaveTime = startedAt
    this.opsAtCheckpoint = durability.stats.ops - replayedOps
  }

  /** Ops written since the last checkpoint: what a restart would replay. */
  get opsSinceCheckpoint(): number {
    return this.durability.stats.ops - this.opsAtCheckpoint
  }

  /**
   * What a restart would spend replaying the WAL's tail, in keys written: replay applies the
   * newest op of each changed key (about 2 µs, a record written into the memtable) and only looks
   * up the key of every older op (about 0.5 µs). So a tail costs its changed keys plus a quarter
   * of its ops. This, not the WAL's bytes, bounds the restart time after a crash (64 MB of small
   * writes are over a million ops); and writes to few keys, which change few keys, checkpoint
   * about four times less often than writes of new keys, each checkpoint a flush of every
   * changed key.
   */
  get replayCost(): number {
    let changed = 0
    for (const db of this.databases) changed += db.dirtyLength
    return changed + this.opsSinceCheckpoint / OPS_PER_CHANGED_KEY
  }

  get inProgress(): boolean {
    return this.running !== undefined
  }

  get changesSinceLastSave(): number {
    return this.durability.stats.fragments - this.batchesAtLastSave
  }

  start(): void {
    this.timer = setInterval(() => {
      // Not while one runs: the WAL's byte count is a native call.
      if (this.inProgress) return
      if (this.replayCost >= this.thresholds.ops() || this.wal.stats().bytesSinceCheckpoint >= this.thresholds.bytes()) this.runAutomatic()
    }, POLL_MS).unref()
  }

  /**
   * A checkpoint the server decides on (the WAL's thresholds, memory crowded by changed records):
   * none while one runs, nor before the wait after a failed one is over. BGSAVE calls run().
   */
  runAutomatic(): void {
    if (this.running === undefined && this.clock() >= this.retryAt) void this.run()
  }

  /** Takes a checkpoint now unless one is running; resolves true when one was installed. */
  run(): Promise<boolean> {
    if (this.running !== undefined) return this.running
    this.running = this.checkpoint().finally(() => {
      this.running = undefined
      if (this.scheduled && !this.stopping) {
        this.scheduled = false
        void this.run()
      }
    })
    return this.running
  }

  /**
   * A checkpoint that covers every write made so far: now, or once the one running ends (it
   * started earlier and does not cover what came in since). BGSAVE SCHEDULE.
   */
  schedule(): void {
    if (this.running === undefined) void this.run()
    else this.scheduled = true
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearInterval(this.timer)
    await this.running
  }

  private async checkpoint(): Promise<boolean> {
    this.startedAt = Date.now()
    const startLsn = this.durability.lastLsn
    const failures = this.durability.stats.failedBatches
    const fragments = this.durability.stats.fragments
    const ops = this.durability.stats.ops
    const unchanged = (): boolean => this.durability.stats.failedBatches === failures
    try {
      const flushed = await this.store.flush(
        this.databases,
        startLsn,
        async () => {
          await this.durability.whenSettled()
          return !this.stopping && unchanged()
        },
        this.readersIdle,
        this.databaseMaps(),
      )
      if (!flushed.installed) {
        this.log.notice('Flush discarded: a WAL write failed or shutdown began while it was written')
        this.backOff()
        return false
      }
      await this.wal.checkpoint(startLsn)
      this.lastOk = true
      this.lastSaveTime = Date.now()
      this.batchesAtLastSave = fragments
      this.opsAtCheckpoint = ops
      this.retryAt = 0
      this.retryDelay = RETRY_MS
      this.lastDurationSec = Math.round((this.lastSaveTime - this.startedAt) / 1000)
      this.log.verbose(
        `Flushed ${flushed.records} changed keys (${flushed.bytes} bytes) to a level-0 segment; WAL recycled up to LSN ${startLsn}`,
      )
      if (!this.stopping) {
        void this.store.compact(() => Date.now()).catch((e: unknown) => {
          this.log.warning(`Compaction failed: ${describeError(e)}`)
        })
      }
      return true
    } catch (e) {
      this.lastOk = false
      this.log.warning(`Flush failed: ${describeError(e)}; automatic checkpoints resume in ${this.retryDelay / 1000} s`)
      this.backOff()
      return false
    }
  }

  private backOff(): void {
    this.retryAt = this.clock() + this.retryDelay
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS)
  }
}
