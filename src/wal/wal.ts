// The write-ahead log's contract, shared by the native log (native-wal.ts, Rust through ffi-rs)
// and its in-memory twin (memory-wal.ts, for unit specs). The log stores opaque payloads: one
// record per group-commit batch, numbered by a log sequence number (LSN) the caller assigns.
//
// Every method that touches the disk returns a Promise and never blocks the event loop. Each is
// called once per batch (an FFI call costs microseconds), never once per command.

export type RecoveryMode = 'strict' | 'truncate'

export interface WalOptions {
  /** The WAL directory; created if missing. */
  readonly dir: string
  /** Size of one preallocated segment file in bytes (a record larger than this gets its own, larger segment). */
  readonly segmentBytes: number
  /** O_DIRECT with aligned buffers. */
  readonly directIo: boolean
  /**
   * What to do about a checksum mismatch before the tail: 'strict' refuses to open (the error
   * names the file and offset); 'truncate' drops that record and everything after it, loudly.
   * A torn tail (an incomplete last record) is always truncated.
   */
  readonly recovery: RecoveryMode
}

/** What opening found, for the start-up log and INFO. */
export interface RecoveryReport {
  /** Segment files that hold live records. */
  readonly segments: number
  readonly records: number
  /** Highest LSN found (0 when the log is empty). */
  readonly lastLsn: number
  /** Set when an incomplete record at the end was cut off. */
  readonly tornTail?: { readonly file: string; readonly offset: number; readonly bytes: number }
  /** Set when --wal-recovery truncate dropped records after a checksum mismatch. */
  readonly truncatedCorruption?: { readonly file: string; readonly offset: number }
}

export interface WalRecord {
  readonly lsn: number
  readonly payload: Buffer
}

/** A failure of the log; `code` is the errno name when the OS gave one (EIO, ENOSPC, …). */
export class WalError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'WalError'
  }
}

export interface WalStats {
  /** Segment files in use (holding records after the last checkpoint). */
  readonly segments: number
  /** Preallocated segment files waiting to be reused. */
  readonly freeSegments: number
  /** Bytes of records appended since the last checkpoint. */
  readonly bytesSinceCheckpoint: number
}

export interface Wal {
  readonly recovery: RecoveryReport
  /** LSN of the last record appended successfully (0 when none). */
  readonly lastLsn: number
  /** Highest LSN known to be on disk (fdatasync returned success after it was written). */
  readonly syncedLsn: number
  stats(): WalStats

  /**
   * Recovery: the next records in LSN order, several per call; an empty array at the end. Only
   * valid before the first append. Records with lsn <= `after` (given to the first call) are skipped.
   */
  read(after: number): Promise<WalRecord[]>

  /**
   * Appends one record and, when `sync` is true, fdatasyncs before resolving. `lsn` must be
   * lastLsn + 1; while the log holds no record (lastLsn 0) any LSN >= 1 is accepted, so a log
   * started after a snapshot can go on from the snapshot's LSN. The payload must not be changed
   * until the promise settles.
   *
   * On failure (the promise rejects with WalError) lastLsn does not advance, and the log never
   * treats the failed bytes as written: the next append (which reuses the same LSN) starts a new
   * segment, whose header supersedes any record with that LSN or higher in earlier segments.
   * A failed fdatasync is not retried as if the data had reached the disk. Records appended
   * without sync since the last successful sync are not trusted either: lastLsn falls back to
   * syncedLsn, and the next append must be syncedLsn + 1.
   */
  append(lsn: number, payload: Buffer, sync: boolean): Promise<void>

  /**
   * Settles the append in flight now if the disk work behind it has already succeeded, ahead of
   * the completion notice, which a busy event loop reads only at its next poll phase. Cheap (a
   * memory read); the connection actor calls it between socket reads. Does nothing otherwise.
   */
  poll(): void

  /**
   * fdatasyncs everything appended so far (appendfsync everysec). Failure: as append (lastLsn
   * falls back to syncedLsn).
   */
  sync(): Promise<void>

  /**
   * Everything up to and including `lsn` is stored elsewhere (flushed to the store): segments holding only
   * such records are recycled for reuse. Records after it stay readable by recovery.
   */
  checkpoint(lsn: number): Promise<void>

  /** Syncs and closes; the handle is unusable afterwards. Idempotent. */
  close(): Promise<void>
}
