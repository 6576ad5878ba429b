// The in-memory twin of the native log, for unit specs of its callers: the same contract (LSN
// rule, failure semantics, checkpoints, replay before the first append), segments modelled with
// the native frame sizes, plus failure injection and crash simulation.

import { WalError, type RecoveryReport, type Wal, type WalOptions, type WalRecord, type WalStats } from './wal.js'

export type MemoryWalFailure = 'append' | 'sync' | 'checkpoint'

export interface MemoryWalOptions {
  /** As WalOptions.segmentBytes; only affects stats(). Default 64 MiB. */
  readonly segmentBytes?: WalOptions['segmentBytes']
}

// The native layout (docs/wal-format.md), so segment counts match the native log's.
const BLOCK = 4096
const SEGMENT_HEADER_BYTES = 64
const RECORD_HEADER_BYTES = 16
const TERMINATOR_BYTES = 16
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
/** Free files kept for reuse, as the native pool keeps them (one spare is always prepared). */
const MAX_FREE = 4
/** Replay hands out at most this many payload bytes per read() (as the native reader's chunk). */
const READ_CHUNK_BYTES = 1 << 20

const alignUp = (value: number, to: number): number => Math.ceil(value / to) * to
const frameBytes = (payloadBytes: number): number => alignUp(RECORD_HEADER_BYTES + payloadBytes, 8)

interface Segment {
  readonly firstLsn: number
  readonly capacity: number
  used: number
  records: WalRecord[]
}

export class MemoryWal implements Wal {
  readonly recovery: RecoveryReport
  private readonly segmentBytes: number
  private segments: Segment[]
  /** Appends go to the last segment while this is set; cleared by a failure or when full. */
  private appending: boolean
  private last: number
  private synced: number
  private freeSegments = 1
  private bytesSinceCheckpoint: number
  private readCursor = 0
  private appended = false
  private closed = false
  private readonly failures = new Map<MemoryWalFailure, string>()

  constructor(options: MemoryWalOptions = {}, recovered: readonly Segment[] = []) {
    const requested = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    if (!Number.isSafeInteger(requested) || requested <= 0) {
      throw new WalError(`segmentBytes must be a positive integer, not ${requested}`, 'EINVAL')
    }
    this.segmentBytes = alignUp(requested, BLOCK)
    this.segments = recovered.filter((segment) => segment.records.length > 0)
    const records = this.segments.reduce((sum, segment) => sum + segment.records.length, 0)
    this.last = this.segments.at(-1)?.records.at(-1)?.lsn ?? 0
    this.synced = this.last
    this.appending = this.segments.length > 0
    this.bytesSinceCheckpoint = this.segments.reduce((sum, segment) => sum + segment.used - SEGMENT_HEADER_BYTES, 0)
    this.recovery = { segments: this.segments.length, records, lastLsn: this.last }
  }

  get lastLsn(): number {
    return this.last
  }

  get syncedLsn(): number {
    return this.synced
  }

  stats(): WalStats {
    return {
      segments: this.segments.length,
      freeSegments: this.freeSegments,
      bytesSinceCheckpoint: this.bytesSinceCheckpoint,
    }
  }

  /** The next `op` fails with errno name `code`. A failed append has "written" its bytes, as on disk. */
  failNext(op: MemoryWalFailure, code: string): void {
    this.failures.set(op, code)
  }

  /**
   * The log a restart after a crash would find now: only what was synced, minus what
   * checkpoints recycled. This log stays usable.
   */
  crashed(): MemoryWal {
    const durable = this.segments.map((segment) => {
      const records = segment.records.filter((record) => record.lsn <= this.synced)
      const used = records.reduce((sum, record) => sum + frameBytes(record.payload.length), SEGMENT_HEADER_BYTES)
      return { firstLsn: segment.firstLsn, capacity: segment.capacity, used, records }
    })
    return new MemoryWal({ segmentBytes: this.segmentBytes }, durable)
  }

  async read(after: number): Promise<WalRecord[]> {
    this.ensureOpen()
    if (this.appended) throw new WalError('read is only valid before the first append', 'EINVAL')
    const all = this.segments.flatMap((segment) => segment.records)
    const batch: WalRecord[] = []
    let bytes = 0
    while (this.readCursor < all.length) {
      const record = all[this.readCursor]!
      if (record.lsn > after) {
        if (batch.length > 0 && bytes + record.payload.length > READ_CHUNK_BYTES) break
        batch.push({ lsn: record.lsn, payload: Buffer.from(record.payload) })
        bytes += record.payload.length
      }
      this.readCursor++
    }
    return batch
  }

  /** Nothing to learn early: an append settles as soon as its promise can. */
  poll(): void {}

  async append(lsn: number, payload: Buffer, sync: boolean): Promise<void> {
    this.ensureOpen()
    if (lsn !== this.last + 1 && !(this.last === 0 && Number.isSafeInteger(lsn) && lsn >= 1)) {
      throw new WalError(
        `append of LSN ${lsn} refused: the last LSN is ${this.last}, so the next must be ${this.last + 1}`,
        'EINVAL',
      )
    }
    this.appended = true
    const frame = frameBytes(payload.length)
    let segment = this.appending ? this.segments.at(-1) : undefined
    if (segment === undefined || segment.used + frame > segment.capacity) {
      segment = this.startSegment(lsn, frame)
    }
    segment.used += frame
    const failure = this.takeFailure('append')
    if (failure !== undefined) throw this.fail(failure, 'write')
    segment.records.push({ lsn, payload: Buffer.from(payload) })
    this.last = lsn
    this.bytesSinceCheckpoint += frame
    if (sync) this.syncNow()
  }

  async sync(): Promise<void> {
    this.ensureOpen()
    this.syncNow()
  }

  async checkpoint(lsn: number): Promise<void> {
    this.ensureOpen()
    const failure = this.takeFailure('checkpoint')
    if (failure !== undefined) throw new WalError(`checkpoint failed (injected ${failure})`, failure)
    const current = this.appending ? this.segments.at(-1) : undefined
    this.segments = this.segments.filter((segment) => {
      const lastLsn = segment.records.at(-1)?.lsn ?? segment.firstLsn - 1
      if (segment === current || lastLsn > lsn) return true
      if (segment.capacity === this.segmentBytes && this.freeSegments < MAX_FREE) this.freeSegments++
      return false
    })
    this.bytesSinceCheckpoint = 0
  }

  /** Idempotent. Syncs first, as the native log does. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.last > this.synced) this.syncNow()
  }

  private ensureOpen(): void {
    if (this.closed) throw new WalError('the WAL is closed', 'ECLOSED')
  }

  private startSegment(firstLsn: number, frame: number): Segment {
    const fits = SEGMENT_HEADER_BYTES + frame <= this.segmentBytes
    const capacity = fits ? this.segmentBytes : alignUp(SEGMENT_HEADER_BYTES + frame + TERMINATOR_BYTES, BLOCK)
    // The spare is taken and at once replaced, as the native preallocation thread does.
    if (fits) this.freeSegments = Math.max(1, this.freeSegments - 1)
    const segment: Segment = { firstLsn, capacity, used: SEGMENT_HEADER_BYTES, records: [] }
    this.segments.push(segment)
    this.appending = true
    return segment
  }

  private syncNow(): void {
    const failure = this.takeFailure('sync')
    if (failure !== undefined) throw this.fail(failure, 'fdatasync')
    this.synced = this.last
  }

  private takeFailure(op: MemoryWalFailure): string | undefined {
    const code = this.failures.get(op)
    this.failures.delete(op)
    return code
  }

  /** As the native log: nothing after the synced LSN is trusted, and appends go on in a new segment. */
  private fail(code: string, operation: string): WalError {
    this.last = this.synced
    this.appending = false
    for (const segment of this.segments) {
      segment.records = segment.records.filter((record) => record.lsn <= this.synced)
    }
    return new WalError(`${operation} failed (injected ${code})`, code)
  }
}
