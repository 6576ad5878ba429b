// The write-ahead log on disk: the Rust library in native/ (format in docs/wal-format.md) driven
// through ffi-rs. Disk calls run one at a time per log, in call order, and a call on an idle log
// starts before the method returns. Appends, one per group commit, go to the library's appender
// thread through a synchronous call that only queues them, and come back as 16-byte reports on a
// Unix socket the event loop reads, or earlier through the completion word (poll): an
// asynchronous ffi-rs call costs the event loop 20 to 80 µs (a thread hand-off and the release
// of what it held, through the loop), which at 2,000 commits a second is a tenth of its time.
// The rarer calls (recovery reads, sync, checkpoint, close) run on the libuv thread pool
// (runInNewThread). stats() and the LSN getters read state without waiting for disk work.

import { Socket } from 'node:net'
import { DataType, isNullPointer, load, type FFIParams } from 'ffi-rs'
import { errnoNumber, nativeLibrary, statusName, type Handle } from './native-library.js'
import { WalError, type RecoveryReport, type Wal, type WalOptions, type WalRecord, type WalStats } from './wal.js'

/** A native log, plus the failure injection its callers' specs use. */
export interface NativeWal extends Wal {
  /**
   * The next `op` fails with errno `code` (EIO, ENOSPC, …) as if the OS had reported it. An append
   * failure strikes after the record's bytes were written, as a real write error can.
   */
  failNext(op: 'append' | 'sync', code: string): void
}

const FLAG_DIRECT_IO = 1
const FLAG_STRICT = 2
const STATS_FIELDS = 5
/** Replay reads this much per call unless one record needs more. */
const READ_CHUNK_BYTES = 1 << 20
const RECORD_HEADER_BYTES = 16
const EMPTY = Buffer.alloc(0)
/** An appender thread's report: LSN (u64 LE), status (i32 LE), 4 bytes of padding. */
const REPORT_BYTES = 16

type AsyncCall<R extends DataType> = FFIParams<R, undefined, true>
type SyncCall<R extends DataType> = FFIParams<R, undefined, undefined>

/** Opens (creating if needed) and recovers the log in `options.dir`. */
export async function openNativeWal(options: WalOptions): Promise<NativeWal> {
  if (!Number.isSafeInteger(options.segmentBytes) || options.segmentBytes <= 0) {
    throw new WalError(`segmentBytes must be a positive integer, not ${options.segmentBytes}`, 'EINVAL')
  }
  const library = nativeLibrary()
  const errorCode = Buffer.alloc(4)
  const errorText = Buffer.alloc(4096)
  const flags = (options.directIo ? FLAG_DIRECT_IO : 0) | (options.recovery === 'strict' ? FLAG_STRICT : 0)
  const handle = await load({
    library,
    funcName: 'wtr_wal_open',
    retType: DataType.External,
    paramsType: [DataType.String, DataType.U64, DataType.U32, DataType.U8Array, DataType.U8Array, DataType.U64],
    paramsValue: [options.dir, options.segmentBytes, flags, errorCode, errorText, errorText.length],
    runInNewThread: true,
  })
  if (isNullPointer(handle)) {
    const end = errorText.indexOf(0)
    throw new WalError(errorText.toString('utf8', 0, end < 0 ? errorText.length : end), statusName(errorCode.readInt32LE(0)))
  }
  return new NativeWalLog(library, handle)
}

/** CRC-32C (Castagnoli) of `data`, chained from `seed`; on the CPU's CRC instruction when it has one. */
export function crc32c(data: Buffer, seed = 0): number {
  return crcCall('wtr_wal_crc32c', data, seed)
}

/** The same on the table-driven path whatever the CPU has, to check the two agree. */
export function crc32cPortable(data: Buffer, seed = 0): number {
  return crcCall('wtr_wal_crc32c_portable', data, seed)
}

/** Whether crc32c runs on the CPU's CRC instruction (SSE4.2). */
export function crc32cHardware(): boolean {
  return load({ library: nativeLibrary(), funcName: 'wtr_wal_crc32c_hardware', retType: DataType.I32, paramsType: [], paramsValue: [] }) === 1
}

function crcCall(funcName: string, data: Buffer, seed: number): number {
  return load({
    library: nativeLibrary(),
    funcName,
    retType: DataType.U32,
    paramsType: [DataType.U8Array, DataType.U64, DataType.U32],
    paramsValue: [data, data.length, seed >>> 0],
  })
}

interface ReportJson {
  segments: number
  records: number
  lastLsn: number
  tornTail?: { file: string; offset: number; bytes: number }
  truncatedCorruption?: { file: string; offset: number }
}

class NativeWalLog implements NativeWal {
  readonly recovery: RecoveryReport
  private last: number
  private synced: number
  /** Work in call order: one native call in flight at a time; `tail` settles after the last one. */
  private tail: Promise<unknown> = Promise.resolve()
  /** Calls queued or running; at 0 the next one starts at once instead of after `tail`. */
  private queued = 0
  private closing: Promise<void> | undefined
  private finalStats: WalStats | undefined
  private readonly statsBuffer = Buffer.alloc(STATS_FIELDS * 8)
  private readonly textBuffer = Buffer.alloc(4096)

  // Parameter objects are reused across calls (ffi-rs costs microseconds per call already).
  private readonly submitCall: SyncCall<DataType.I32>
  private readonly readCall: AsyncCall<DataType.I64>
  private readonly syncCall: AsyncCall<DataType.I32>
  private readonly checkpointCall: AsyncCall<DataType.I32>
  private readonly statsCall: SyncCall<DataType.I32>
  private readonly textCall: SyncCall<DataType.I64>
  /**
   * The completion word (wtr_wal_watch): the native append stores its LSN there, as a double,
   * once it has succeeded. Reset before each append, because after a failure an LSN is reused.
   */
  private readonly word = Buffer.allocUnsafeSlow(8)
  private readonly completed = new Float64Array(this.word.buffer, this.word.byteOffset, 1)
  /** The append the appender thread is running, settled by its report or by poll(). */
  private appending: { lsn: number; sync: boolean; payload: Buffer; resolve: () => void; reject: (e: Error) => void } | undefined
  /** The appender thread's reports; referenced only while an append runs. */
  private readonly reports: Socket
  /** Bytes of a report split across reads. */
  private carry = EMPTY
  /**
   * Base addresses of the buffers payloads come from. The appender thread reads a payload after
   * the call that queued it has returned, so the call names it by address, and `appending`
   * keeps it alive until the append settles.
   */
  private readonly addresses = new WeakMap<ArrayBufferLike, number>()
  private readonly addressCall: SyncCall<DataType.U64>

  constructor(
    private readonly library: string,
    private readonly handle: Handle,
  ) {
    this.submitCall = {
      library,
      funcName: 'wtr_wal_submit',
      retType: DataType.I32,
      paramsType: [DataType.External, DataType.U64, DataType.U64, DataType.U64, DataType.I32],
      paramsValue: [handle, 0, 0, 0, 0],
    }
    this.addressCall = {
      library,
      funcName: 'wtr_wal_address',
      retType: DataType.U64,
      paramsType: [DataType.U8Array],
      paramsValue: [EMPTY],
    }
    this.readCall = {
      library,
      funcName: 'wtr_wal_read',
      retType: DataType.I64,
      paramsType: [DataType.External, DataType.U64, DataType.U8Array, DataType.U64],
      paramsValue: [handle, 0, EMPTY, 0],
      runInNewThread: true,
    }
    this.syncCall = {
      library,
      funcName: 'wtr_wal_sync',
      retType: DataType.I32,
      paramsType: [DataType.External],
      paramsValue: [handle],
      runInNewThread: true,
    }
    this.checkpointCall = {
      library,
      funcName: 'wtr_wal_checkpoint',
      retType: DataType.I32,
      paramsType: [DataType.External, DataType.U64],
      paramsValue: [handle, 0],
      runInNewThread: true,
    }
    this.statsCall = {
      library,
      funcName: 'wtr_wal_stats',
      retType: DataType.I32,
      paramsType: [DataType.External, DataType.U8Array, DataType.U64],
      paramsValue: [handle, this.statsBuffer, this.statsBuffer.length],
    }
    this.textCall = {
      library,
      funcName: 'wtr_wal_report',
      retType: DataType.I64,
      paramsType: [DataType.External, DataType.U8Array, DataType.U64],
      paramsValue: [handle, this.textBuffer, this.textBuffer.length],
    }
    this.completed[0] = 0
    const watched = load({
      library,
      funcName: 'wtr_wal_watch',
      retType: DataType.I32,
      paramsType: [DataType.External, DataType.U8Array, DataType.U64],
      paramsValue: [handle, this.word, this.word.length],
    })
    if (watched !== 0) throw this.failure(watched)
    const fd = load({
      library,
      funcName: 'wtr_wal_committer_start',
      retType: DataType.I32,
      paramsType: [DataType.External],
      paramsValue: [handle],
    })
    if (fd < 0) throw this.failure(fd)
    this.reports = new Socket({ fd, readable: true, writable: false })
    this.reports.on('data', (chunk: Buffer) => this.onReports(chunk))
    // The thread writes to the socket until wtr_wal_close stops it. Should the socket fail or
    // end before, the append waiting for a report is failed rather than left to hang.
    this.reports.on('error', () => {})
    this.reports.on('close', () => {
      const appending = this.appending
      if (appending === undefined) return
      this.appending = undefined
      appending.reject(new WalError('the WAL appender thread stopped reporting', 'EPIPE'))
    })
    this.reports.unref()
    this.recovery = this.readReport()
    this.last = this.recovery.lastLsn
    this.synced = this.recovery.lastLsn
  }

  get lastLsn(): number {
    return this.last
  }

  get syncedLsn(): number {
    return this.synced
  }

  stats(): WalStats {
    if (this.finalStats !== undefined) return this.finalStats
    const fields = this.nativeStats()
    return { segments: fields[0]!, freeSegments: fields[1]!, bytesSinceCheckpoint: fields[2]! }
  }

  read(after: number): Promise<WalRecord[]> {
    return this.enqueue(async () => {
      let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      for (;;) {
        const params = this.readCall.paramsValue
        params[1] = after
        params[2] = buffer
        params[3] = buffer.length
        const result = await load(this.readCall)
        params[2] = EMPTY
        if (result < 0) throw this.failure(result)
        if (result > buffer.length) {
          buffer = Buffer.allocUnsafe(result)
          continue
        }
        return parseRecords(buffer, result)
      }
    })
  }

  append(lsn: number, payload: Buffer, sync: boolean): Promise<void> {
    return this.enqueue(
      () =>
        new Promise<void>((resolve, reject) => {
          const params = this.submitCall.paramsValue
          params[1] = lsn
          params[2] = this.addressOf(payload)
          params[3] = payload.length
          params[4] = sync ? 1 : 0
          this.completed[0] = 0
          const status = load(this.submitCall)
          if (status !== 0) {
            reject(this.failure(status))
            return
          }
          this.appending = { lsn, sync, payload, resolve, reject }
          this.reports.ref()
        }),
    )
  }

  private onReports(chunk: Buffer): void {
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk])
    let at = 0
    for (; at + REPORT_BYTES <= data.length; at += REPORT_BYTES) {
      this.settleAppend(data.readUIntLE(at, 6), data.readInt32LE(at + 8))
    }
    this.carry = at === data.length ? EMPTY : Buffer.from(data.subarray(at))
  }

  /** The report of the append of `lsn`; one poll() already settled is ignored. */
  private settleAppend(lsn: number, status: number): void {
    const appending = this.appending
    if (appending === undefined || appending.lsn !== lsn) return
    this.appending = undefined
    this.reports.unref()
    if (status !== 0) {
      appending.reject(this.failedWrite(status))
      return
    }
    this.last = lsn
    if (appending.sync) this.synced = lsn
    appending.resolve()
  }

  private addressOf(payload: Buffer): number {
    if (payload.length === 0) return 0
    const memory = payload.buffer
    let base = this.addresses.get(memory)
    if (base === undefined) {
      // V8 never moves an ArrayBuffer's bytes, so one look-up serves every view of it.
      this.addressCall.paramsValue[0] = Buffer.from(memory, 0, 1)
      base = load(this.addressCall)
      this.addressCall.paramsValue[0] = EMPTY
      this.addresses.set(memory, base)
    }
    return base + payload.byteOffset
  }

  poll(): void {
    const appending = this.appending
    if (appending !== undefined && this.completed[0] === appending.lsn) this.settleAppend(appending.lsn, 0)
  }

  sync(): Promise<void> {
    return this.enqueue(async () => {
      const status = await load(this.syncCall)
      if (status !== 0) throw this.failedWrite(status)
      this.synced = this.last
    })
  }

  checkpoint(lsn: number): Promise<void> {
    return this.enqueue(async () => {
      this.checkpointCall.paramsValue[1] = lsn
      const status = await load(this.checkpointCall)
      if (status !== 0) throw this.failure(status)
    })
  }

  failNext(op: 'append' | 'sync', code: string): void {
    this.ensureOpen()
    const status = load({
      library: this.library,
      funcName: 'wtr_wal_inject_failure',
      retType: DataType.I32,
      paramsType: [DataType.External, DataType.I32, DataType.I32],
      paramsValue: [this.handle, op === 'append' ? 1 : 2, errnoNumber(code)],
    })
    if (status !== 0) throw this.failure(status)
  }

  /** Idempotent: later calls return the first call's promise. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = this.enqueueUnchecked(async () => {
        // Sync first, while the handle still holds the error text; closing then has nothing left.
        const status = await load(this.syncCall)
        const error = status === 0 ? undefined : this.failedWrite(status)
        const fields = this.nativeStats()
        this.finalStats = { segments: fields[0]!, freeSegments: fields[1]!, bytesSinceCheckpoint: fields[2]! }
        const closed = await load({
          library: this.library,
          funcName: 'wtr_wal_close',
          retType: DataType.I32,
          paramsType: [DataType.External],
          paramsValue: [this.handle],
          runInNewThread: true,
        })
        // The appender thread has ended (wtr_wal_close joins it): no report is left to read.
        this.reports.destroy()
        if (error !== undefined) throw error
        if (closed !== 0) throw new WalError('closing the WAL failed', statusName(closed))
        this.synced = this.last
      })
    }
    return this.closing
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new WalError('the WAL is closed', 'ECLOSED'))
    return this.enqueueUnchecked(work)
  }

  /** `work` is an async function: on an idle log it runs at once, up to its first await. */
  private enqueueUnchecked<T>(work: () => Promise<T>): Promise<T> {
    // An idle log starts the native call now rather than in a microtask: a caller that goes on
    // with synchronous work (the group commit writes the settled batch's replies) would
    // otherwise hold the disk back for that long.
    const result = this.queued === 0 ? work() : this.tail.then(work)
    this.queued++
    const settled = (): void => {
      this.queued--
    }
    this.tail = result.then(settled, settled)
    return result
  }

  private ensureOpen(): void {
    if (this.closing !== undefined) throw new WalError('the WAL is closed', 'ECLOSED')
  }

  private nativeStats(): number[] {
    const status = load(this.statsCall)
    if (status < 0) throw this.failure(status)
    const fields: number[] = []
    for (let i = 0; i < STATS_FIELDS; i++) fields.push(Number(this.statsBuffer.readBigUInt64LE(i * 8)))
    return fields
  }

  /** After a failed write or sync the native log fell back to its synced LSN. */
  private failedWrite(status: number): WalError {
    const error = this.failure(status)
    const fields = this.nativeStats()
    this.last = fields[3]!
    this.synced = fields[4]!
    return error
  }

  private failure(status: number): WalError {
    return new WalError(this.nativeText('wtr_wal_last_error') || `WAL operation failed (${status})`, statusName(status))
  }

  private readReport(): RecoveryReport {
    const json = JSON.parse(this.nativeText('wtr_wal_report')) as ReportJson
    const report: { -readonly [K in keyof RecoveryReport]: RecoveryReport[K] } = {
      segments: json.segments,
      records: json.records,
      lastLsn: json.lastLsn,
    }
    if (json.tornTail !== undefined) {
      report.tornTail = { file: json.tornTail.file, offset: json.tornTail.offset, bytes: json.tornTail.bytes }
    }
    if (json.truncatedCorruption !== undefined) {
      report.truncatedCorruption = { file: json.truncatedCorruption.file, offset: json.truncatedCorruption.offset }
    }
    return report
  }

  /** Text the library copies out (report JSON or the last error), growing the buffer if needed. */
  private nativeText(funcName: 'wtr_wal_report' | 'wtr_wal_last_error'): string {
    this.textCall.funcName = funcName
    let buffer = this.textBuffer
    for (;;) {
      this.textCall.paramsValue[1] = buffer
      this.textCall.paramsValue[2] = buffer.length
      const length = load(this.textCall)
      if (length < 0) throw new WalError(`${funcName} failed`, statusName(length))
      if (length <= buffer.length) {
        this.textCall.paramsValue[1] = this.textBuffer
        return buffer.toString('utf8', 0, length)
      }
      buffer = Buffer.alloc(length)
    }
  }
}

/** Records as wtr_wal_read lays them out; payloads are views of `buffer`, which is never reused. */
function parseRecords(buffer: Buffer, length: number): WalRecord[] {
  const records: WalRecord[] = []
  let at = 0
  while (at < length) {
    const size = buffer.readUInt32LE(at)
    const lsn = buffer.readUInt32LE(at + 8) + buffer.readUInt32LE(at + 12) * 0x1_0000_0000
    const start = at + RECORD_HEADER_BYTES
    records.push({ lsn, payload: buffer.subarray(start, start + size) })
    at = start + size
  }
  return records
}
