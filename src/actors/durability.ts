// The durability actor: turns the journal's sealed changes into WAL records through the group
// commit operator, tells connections when their replies may go (holdUntilDurable), and owns the
// WAL's failure state.
//
// Sequence numbers: each socket read that changed data seals one fragment with the next write
// sequence number (seq). A group commit writes many fragments as one WAL record (one LSN).
//
// Failure (EIO, ENOSPC, a failed fdatasync): the failed batch and every fragment sealed after
// it are undone in memory (newest first), their held replies become `-MISCONF …`, and writes are
// refused until a probe record reaches the disk. Reads keep working throughout.

import { Subject, type Subscription } from 'rxjs'
import { groupCommit, type CommitOutcome } from '../pipeline/groupCommit.js'
import { immediateScheduler } from '../pipeline/immediateScheduler.js'
import { ALWAYS_DURABLE, type DurabilityGate, type Settlement } from '../pipeline/holdUntilDurable.js'
import { ByteBuffer } from '../durability/byte-buffer.js'
import { ASK_ALWAYS, ASK_DEFAULT, ASK_EVERYSEC, Journal, undo, type UndoLog } from '../durability/journal.js'
import { WalError, type Wal } from '../wal/wal.js'
import type { Logger } from '../log.js'
import type { PersistenceStatus } from '../commands/spec.js'
import { systemErrorText } from '../storage/durable-dir.js'

export type FsyncPolicy = 'always' | 'everysec' | 'no'

interface Fragment {
  readonly seq: number
  readonly epoch: number
  readonly bytes: Buffer
  readonly undo: UndoLog
  /** Journal ASK_* bits: whether its writes want fdatasync before the reply. */
  readonly asks: number
  /** The journal's name for `bytes`, released once they are written or dropped. */
  readonly take: number
  /** Its undo log's stamp: Journal.undoDropped once the fragment settles. */
  readonly stamp: number
}

const DROPPED = -1
/** fsync latencies kept for the percentiles INFO reports. */
const LATENCY_SAMPLES = 4096
const PROBE_INTERVAL_MS = 1000
/**
 * Payloads appended without fdatasync (everysec, no) are kept for the replay after a failed sync;
 * past this size they are synced at once, which bounds that memory (and costs one background
 * fdatasync per this many bytes).
 */
const UNSYNCED_LIMIT_BYTES = 4 * 1024 * 1024
const EVERYSEC_MS = 1000

/** Redis's text for a write refused after an AOF write error. */
export const misconf = (e: unknown): string =>
  `MISCONF Errors writing to the AOF file: ${systemErrorText(e, e instanceof WalError ? e.code : undefined)}`

export interface DurabilityOptions {
  /** LSN the recovered state reaches (the store checkpoint, when the log after it is empty): numbering continues above it. */
  readonly recoveredLsn: number
  readonly policy: () => FsyncPolicy
  readonly maxBatchBytes: () => number
  readonly log: Logger
  /** Called with the refusal text while writes must be refused, and undefined once they may resume. */
  readonly refuseWrites: (reason: string | undefined) => void
}

export interface DurabilityStats {
  /** Times a connection stopped reading because the backlog was above its limit. */
  backlogPauses: number
  batches: number
  fragments: number
  /** Ops (one per key changed, or per FLUSHDB) in the batches written. */
  ops: number
  bytes: number
  failedBatches: number
  lastWriteOk: boolean
  lastError: string
}

/** How much written data waits for the WAL; connections stop reading above the limit. */
export interface WriteBacklog {
  /** Bytes of writes sealed but not yet settled. */
  readonly backlogBytes: number
  readonly backlogLimit: number
  /** Counts a connection pausing for the backlog (INFO). */
  notePause(): void
}

/** The gate and backlog when nothing is logged (appendonly no). */
export const NO_DURABILITY: DurabilityGate & WriteBacklog = {
  ...ALWAYS_DURABLE,
  backlogBytes: 0,
  backlogLimit: Number.POSITIVE_INFINITY,
  notePause: () => {},
}

export class Durability implements DurabilityGate, WriteBacklog {
  readonly settlements = new Subject<Settlement>()
  readonly stats: DurabilityStats = {
    backlogPauses: 0,
    batches: 0,
    fragments: 0,
    ops: 0,
    bytes: 0,
    failedBatches: 0,
    lastWriteOk: true,
    lastError: '',
  }
  settledSeq = 0
  backlogBytes = 0
  private seq = 0
  /** The commit in flight (or the last one): its last fragment's seq and its fragment count. */
  private inFlightLast = 0
  private inFlightCount = 0
  private epoch = 0
  /** Sealed fragments not yet settled, oldest first (from `head`). */
  private pending: (Fragment | undefined)[] = []
  private head = 0
  private readonly fragments = new Subject<Fragment>()
  private subscription: Subscription | undefined
  private readonly latencies = new Float64Array(LATENCY_SAMPLES)
  private latencyCount = 0
  private refused: string | undefined
  private probe: NodeJS.Timeout | undefined
  private everysec: NodeJS.Timeout | undefined
  private syncing = false
  /** Appends made without fdatasync that must be synced within a second (everysec writes). */
  private everysecOwed = false
  /**
   * Set the moment an append fails, before groupCommit emits that outcome (it starts the next
   * commit first): no batch may reach the log until fail() has undone the failed state.
   */
  private poisoned = false
  /**
   * Payloads appended without fdatasync (everysec, no) since the last sync that covered them.
   * Their writes were acknowledged; when a write or sync fails, the log drops everything after
   * its last good sync, so the probe record carries these again (after-images: harmless twice).
   */
  private readonly unsynced = new ByteBuffer()
  /** The payload of the commit in flight when it joins several fragments. */
  private readonly payload = new ByteBuffer()
  private waiters: { target: number; resolve: () => void }[] = []

  constructor(
    private readonly wal: Wal,
    readonly journal: Journal,
    private readonly options: DurabilityOptions,
  ) {}

  start(): void {
    this.subscription = this.fragments
      .pipe(
        groupCommit((items: readonly Fragment[]) => this.commit(items), {
          sizeOf: (f) => f.bytes.length,
          maxBytes: this.options.maxBatchBytes(),
          maxDelay: 0,
          scheduler: immediateScheduler,
        }),
      )
      .subscribe((outcome) => this.settle(outcome))
    this.everysec = setInterval(() => this.syncEverySecond(), EVERYSEC_MS).unref()
  }

  /** Four full group commits: enough to keep the disk busy, little enough to bound memory. */
  get backlogLimit(): number {
    return 4 * this.options.maxBatchBytes()
  }

  notePause(): void {
    this.stats.backlogPauses++
  }

  /** The LSN of the last record written, or the recovered one when none was written since. */
  get lastLsn(): number {
    return Math.max(this.wal.lastLsn, this.options.recoveredLsn)
  }

  get syncedLsn(): number {
    return this.wal.syncedLsn
  }

  /** True while writes are refused after a WAL failure. */
  get failing(): boolean {
    return this.refused !== undefined
  }

  poll(): void {
    // Only once as many fragments wait as the commit in flight carries: settled earlier, the
    // next commit would go out smaller, and at -P 16 batches of a quarter the size cost more
    // in fdatasyncs than the earlier start saves.
    if (this.seq - this.inFlightLast >= this.inFlightCount) this.wal.poll()
  }

  mark(): number {
    const journal = this.journal
    if (journal.dirty) {
      const sealed = journal.seal()!
      const fragment: Fragment = {
        seq: ++this.seq,
        epoch: this.epoch,
        bytes: sealed.bytes,
        undo: sealed.undo,
        asks: sealed.asks,
        take: sealed.take,
        stamp: sealed.stamp,
      }
      this.pending.push(fragment)
      this.backlogBytes += fragment.bytes.length
      this.fragments.next(fragment)
      return fragment.seq
    }
    return this.seq > this.settledSeq ? this.seq : 0
  }

  /** fsync latency percentile in microseconds over the recent samples (0 when none). */
  fsyncPercentile(p: number): number {
    const n = Math.min(this.latencyCount, LATENCY_SAMPLES)
    if (n === 0) return 0
    const sorted = this.latencies.slice(0, n).sort()
    return Math.round(sorted[Math.min(n - 1, Math.floor((p / 100) * n))]! * 1000)
  }

  /** Resolves once every fragment sealed so far has settled (later ones are not waited for). */
  whenSettled(): Promise<void> {
    this.mark()
    const target = this.seq
    if (this.settledSeq >= target) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ target, resolve }))
  }

  /** Stops committing after the fragments already sealed settle, then syncs (any policy). */
  async stop(): Promise<void> {
    await this.whenSettled()
    clearInterval(this.everysec)
    clearTimeout(this.probe)
    this.subscription?.unsubscribe()
    if (this.refused === undefined && this.wal.lastLsn > this.wal.syncedLsn) {
      await this.wal.sync().catch((e: unknown) => this.options.log.warning(`WAL sync at shutdown failed: ${misconf(e)}`))
    }
  }

  private commit(items: readonly Fragment[]): Promise<number> {
    const epoch = this.epoch
    const lastTake = items[items.length - 1]!.take
    let first = 0
    while (first < items.length && items[first]!.epoch !== epoch) first++
    // Fragments sealed before a failure were (or are about to be) undone with it; they must never
    // reach the log.
    if (first === items.length || this.poisoned) {
      this.journal.release(lastTake)
      return Promise.resolve(DROPPED)
    }
    const live = first === 0 ? items : items.slice(first)
    let payload: Buffer
    if (live.length === 1) payload = live[0]!.bytes
    else {
      // Free to reuse: groupCommit starts a commit only once the previous one has settled.
      const assembled = this.payload
      assembled.clear()
      for (const f of live) assembled.append(f.bytes)
      payload = assembled.view()
    }
    const lsn = this.lastLsn + 1
    this.inFlightLast = live[live.length - 1]!.seq
    this.inFlightCount = live.length
    // One fdatasync for the whole batch if any of its writes asks for it: a tenant with
    // DURABILITY always, or one following appendfsync always.
    let asks = 0
    for (const f of live) asks |= f.asks
    const policy = this.options.policy()
    const sync = (asks & ASK_ALWAYS) !== 0 || ((asks & ASK_DEFAULT) !== 0 && policy === 'always')
    if (!sync && ((asks & ASK_EVERYSEC) !== 0 || policy === 'everysec')) this.everysecOwed = true
    const started = performance.now()
    return this.wal.append(lsn, payload, sync).then(
      () => {
        if (sync) {
          this.latencies[this.latencyCount++ % LATENCY_SAMPLES] = performance.now() - started
          // fdatasync covers every earlier write to the log too.
          this.unsynced.clear()
        } else {
          this.unsynced.append(payload)
          if (this.unsynced.length > UNSYNCED_LIMIT_BYTES) this.syncUnsynced()
        }
        this.journal.release(lastTake)
        this.stats.batches++
        this.stats.fragments += live.length
        // The undo log holds three entries per op (see Journal).
        for (const f of live) this.stats.ops += f.undo.length / 3
        this.stats.bytes += payload.length
        return lsn
      },
      (e: unknown) => {
        this.poisoned = true
        this.journal.release(lastTake)
        throw e
      },
    )
  }

  private settle(outcome: CommitOutcome<Fragment, number>): void {
    const items = outcome.items
    if (outcome.ok) {
      if (outcome.result === DROPPED) return
      const last = items[items.length - 1]!.seq
      const pending = this.pending
      let dropped = -1
      while (this.head < pending.length && pending[this.head]!.seq <= last) {
        this.backlogBytes -= pending[this.head]!.bytes.length
        dropped = pending[this.head]!.stamp
        // Its undo log holds the values its writes replaced (a burst of large overwrites would
        // otherwise stay in memory until 1,024 more fragments settle).
        pending[this.head++] = undefined
      }
      if (dropped >= 0) this.journal.undoDropped(dropped)
      this.compactPending()
      this.stats.lastWriteOk = true
      this.advance({ settled: last })
      return
    }
    // Fragments of an earlier epoch were already settled as failed.
    const first = items.find((f) => f.epoch === this.epoch)
    if (first === undefined) return
    this.fail(first.seq, outcome.error)
  }

  private fail(from: number, e: unknown): void {
    const reason = misconf(e)
    this.stats.failedBatches++
    this.stats.lastWriteOk = false
    this.stats.lastError = reason
    // Changes made since the last seal (none between socket reads, but be exact) go too.
    this.mark()
    const pending = this.pending
    for (let i = pending.length - 1; i >= this.head; i--) {
      if (pending[i]!.seq >= from) undo(pending[i]!.undo)
    }
    if (pending.length > this.head) this.journal.undoDropped(pending[pending.length - 1]!.stamp)
    this.pending = []
    this.head = 0
    this.backlogBytes = 0
    this.epoch++
    this.poisoned = false
    const to = this.seq
    this.options.log.warning(
      `Error writing to the WAL (${reason.slice('MISCONF '.length)}): ${to - from + 1} write batch(es) undone; refusing writes until the disk accepts them again`,
    )
    this.refuseUntilHealthy(reason)
    this.advance({ settled: to, failed: { from, to, reason } })
  }

  private advance(s: Settlement): void {
    this.settledSeq = s.settled
    this.settlements.next(s)
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.target <= s.settled)
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((w) => w.target > s.settled)
        for (const w of ready) w.resolve()
      }
    }
  }

  private refuseUntilHealthy(reason: string): void {
    this.refused = reason
    this.options.refuseWrites(reason)
    if (this.probe !== undefined) return
    const tryProbe = (): void => {
      // A record through the same path as data: it succeeds only if write and fdatasync do. It
      // carries the acknowledged writes the log dropped with its unsynced tail (empty under always).
      const lsn = this.lastLsn + 1
      // A copy: the tail may change while the append runs.
      const replay = Buffer.from(this.unsynced.view())
      this.wal.append(lsn, replay, true).then(
        () => {
          this.unsynced.dropFront(replay.length)
          this.probe = undefined
          this.refused = undefined
          this.stats.lastWriteOk = true
          this.options.refuseWrites(undefined)
          this.options.log.notice('The WAL accepts writes again; writes resumed')
        },
        (e: unknown) => {
          this.refused = misconf(e)
          this.options.refuseWrites(this.refused)
          this.probe = setTimeout(tryProbe, PROBE_INTERVAL_MS)
        },
      )
    }
    this.probe = setTimeout(tryProbe, PROBE_INTERVAL_MS)
  }

  private syncEverySecond(): void {
    if (this.wal.lastLsn <= this.wal.syncedLsn) {
      if (!this.syncing) this.everysecOwed = false
      return
    }
    if (!this.everysecOwed && this.options.policy() !== 'everysec') return
    this.syncUnsynced()
  }

  /** fdatasyncs what was appended without it, in the background. */
  private syncUnsynced(): void {
    if (this.syncing || this.refused !== undefined) return
    this.everysecOwed = false
    this.syncing = true
    const started = performance.now()
    // The log runs its calls in order: this sync covers exactly the appends already issued.
    const covered = this.unsynced.length
    this.wal.sync().then(
      () => {
        this.syncing = false
        this.unsynced.dropFront(covered)
        this.latencies[this.latencyCount++ % LATENCY_SAMPLES] = performance.now() - started
      },
      (e: unknown) => {
        this.syncing = false
        this.stats.lastWriteOk = false
        this.stats.lastError = misconf(e)
        this.options.log.warning(`Background WAL fdatasync failed: ${this.stats.lastError}; refusing writes`)
        this.refuseUntilHealthy(this.stats.lastError)
      },
    )
  }

  private compactPending(): void {
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head)
      this.head = 0
    }
  }
}

/** What INFO persistence reports when the WAL is off (appendonly no). */
export const persistenceOff = (startedAt: number): PersistenceStatus => ({
  enabled: false,
  lastWriteOk: true,
  walLastLsn: 0,
  walSyncedLsn: 0,
  batches: 0,
  batchedWrites: 0,
  bytes: 0,
  failedBatches: 0,
  backlogBytes: 0,
  backlogPauses: 0,
  fsyncP50Us: 0,
  fsyncP99Us: 0,
  walSegments: 0,
  walFreeSegments: 0,
  walBytesSinceCheckpoint: 0,
  walOpsSinceCheckpoint: 0,
  checkpointInProgress: false,
  checkpointStartedAt: 0,
  lastSaveTime: startedAt,
  lastCheckpointOk: true,
  lastCheckpointDurationSec: -1,
  changesSinceLastSave: 0,
})
