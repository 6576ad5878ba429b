// A raw TCP connection that pipelines requests: everything sent in one tick goes out in one
// write, and replies are matched to requests in order. No client library sits on this path;
// replies are read by ReplyReader (a fast scanner over the project's full reply decoder).

import { connect, type Socket } from 'node:net'
import type { Reply } from '../protocol/reply.js'
import { connectionError, type Pending, type ReplyTimes, type RequestPipe } from './pipe.js'
import { ReplyReader } from './replyReader.js'
import { Ring } from './ring.js'
import { encodeCommand, type Frame } from './resp.js'

export interface ConnectionOptions {
  readonly host?: string
  readonly port?: number
  /** AUTH before the connection is handed out: `AUTH password` or `AUTH user password`. */
  readonly user?: string
  readonly password?: string
  /** The clock writes and reads are stamped with, in milliseconds. */
  readonly clock?: () => number
  readonly connectTimeoutMs?: number
  /**
   * False: the payloads of plain bulk replies are skipped, not copied, and each such reply is the
   * shared UNREAD_BULK (for load runs, which look only at reply kinds and error texts; see
   * ReplyReader). True by default.
   */
  readonly replyValues?: boolean
}

const READ_BUFFER_BYTES = 64 * 1024

/** One write's times, and how many of its requests still wait for a reply. */
class WriteRecord {
  firstReplyAt = NaN
  constructor(
    readonly sentAt: number,
    public unanswered: number,
  ) {}
}

/**
 * Connections with queued requests, written together once per turn of the event loop: after the
 * poll phase, so every read of this turn has been handled first (all reads, then all writes, as
 * redis-benchmark's event loop does; writing at the end of each read measured 20-40 % slower on
 * two cores, and with a higher p99 at -P 16 in every interleaved pair; see docs/loadtest.md,
 * 2026-11-29). One immediate for all connections rather than one each.
 */
const dueForWrite: BenchConnection[] = []
const writeDue = (): void => {
  for (let i = 0; i < dueForWrite.length; i++) dueForWrite[i]!.flush()
  emptyKeepingStorage(dueForWrite)
}

/**
 * Empties an array that is refilled at once, keeping its storage: `length = 0` drops the storage
 * and the next pushes allocate it again, once per read or write on the hot path.
 */
const emptyKeepingStorage = (items: unknown[]): void => {
  while (items.length > 0) items.pop()
}

/**
 * Reads are stamped with when the poll phase that hands them out began: the sockets it reports
 * were readable then, so a reply the fiftieth read of a phase carries did not wait for the
 * harness to handle the forty-nine reads before it (at -P 16 those take up to 0.3 ms, which
 * per-read stamps added to the latency of the connections read last). A socket read again in the
 * same phase (libuv reads on while a read fills the buffer) carries bytes that may have come
 * later, and is stamped when it is read.
 */
let phaseClock: (() => number) | undefined
let phaseStartedAt = NaN
let phase = 0
const endPhase = (): void => {
  phaseClock = undefined
}

export class BenchConnection implements RequestPipe {
  private readonly reader: ReplyReader
  private readonly replies: Reply[] = []
  /** Requests in order: the written ones, then the queued ones. */
  private readonly pending = new Ring<Pending>()
  /** The writes whose requests are not all answered, oldest first. */
  private readonly writes = new Ring<WriteRecord>()
  private readonly queued: Frame[] = []
  private queuedBytes = 0
  private flushScheduled = false
  private closeListeners: (() => void)[] = []
  private settledListeners: (() => void)[] = []
  private isOpen = true
  /** The poll phase (see phaseClock) of this connection's last read. */
  private readPhase = -1

  private constructor(
    private readonly socket: Socket,
    private readonly clock: () => number,
    replyValues: boolean,
  ) {
    this.reader = new ReplyReader({ values: replyValues })
    socket.setNoDelay(true)
    socket.on('error', (error) => this.fail(error.message))
    socket.on('close', () => this.fail('closed'))
  }

  /** Connects (and authenticates, when asked); rejects with the server's error on a failed AUTH. */
  static async open(options: ConnectionOptions = {}): Promise<BenchConnection> {
    let connection: BenchConnection | undefined
    // Reads land in one buffer per connection and go straight to the reader (`onread`), which
    // skips the readable-stream machinery: that machinery costs more per read than reading.
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
    const onread = {
      buffer: readBuffer,
      callback: (bytes: number): boolean => {
        connection?.onRead(readBuffer, bytes)
        return true
      },
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host ?? '127.0.0.1', port: options.port ?? 6379, onread })
      const timer = setTimeout(() => s.destroy(new Error('connect timed out')), options.connectTimeoutMs ?? 10_000)
      s.once('connect', () => {
        clearTimeout(timer)
        s.off('error', reject)
        resolve(s)
      })
      s.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
    connection = new BenchConnection(socket, options.clock ?? (() => performance.now()), options.replyValues ?? true)
    if (options.password !== undefined) {
      const args = options.user === undefined ? ['AUTH', options.password] : ['AUTH', options.user, options.password]
      const reply = await connection.request(encodeCommand(args))
      if (reply.kind === 'error') {
        connection.close()
        throw new Error(`AUTH failed: ${reply.value}`)
      }
    }
    return connection
  }

  get inFlight(): number {
    return this.pending.size
  }

  get open(): boolean {
    return this.isOpen
  }

  send(frame: Frame, pending: Pending): void {
    if (!this.isOpen) {
      pending.settle(connectionError('closed'), this.unsentTimes())
      this.notifySettled()
      return
    }
    this.pending.push(pending)
    this.queued.push(frame)
    this.queuedBytes += frame.length
    if (!this.flushScheduled) {
      this.flushScheduled = true
      if (dueForWrite.push(this) === 1) setImmediate(writeDue)
    }
  }

  /** One request, its reply as a promise: for set-up and checks, not the measured path. */
  request(frame: Frame): Promise<Reply> {
    return new Promise((resolve) => this.send(frame, { settle: (reply) => resolve(reply) }))
  }

  onClose(listener: () => void): void {
    if (this.isOpen) this.closeListeners.push(listener)
    else listener()
  }

  onSettled(listener: () => void): () => void {
    this.settledListeners.push(listener)
    return () => {
      this.settledListeners = this.settledListeners.filter((l) => l !== listener)
    }
  }

  close(): void {
    this.socket.destroy()
    this.fail('closed')
  }

  /** Writes the queued requests: called once per turn of the event loop (see dueForWrite). */
  flush(): void {
    this.flushScheduled = false
    if (!this.isOpen || this.queued.length === 0) return
    const out = this.queued.length === 1 ? this.queued[0]! : this.joinQueued()
    this.writes.push(new WriteRecord(this.clock(), this.queued.length))
    emptyKeepingStorage(this.queued)
    this.queuedBytes = 0
    if (typeof out === 'string') this.socket.write(out, 'latin1')
    else this.socket.write(out)
  }

  /**
   * The queued frames in one buffer, for one write (one syscall): copying pre-encoded frames in
   * is cheaper than letting the socket gather them. (A lone frame is written as it is; frames are
   * never changed after they are sent.)
   */
  private joinQueued(): Buffer {
    const out = Buffer.allocUnsafe(this.queuedBytes)
    let offset = 0
    for (const frame of this.queued) {
      if (typeof frame === 'string') offset += out.write(frame, offset, 'latin1')
      else {
        out.set(frame, offset)
        offset += frame.length
      }
    }
    return out
  }

  private readStamp(): number {
    if (phaseClock !== this.clock) {
      if (phaseClock === undefined) setImmediate(endPhase)
      phaseClock = this.clock
      phaseStartedAt = this.clock()
      phase++
    } else if (this.readPhase === phase) return this.clock()
    this.readPhase = phase
    return phaseStartedAt
  }

  private onRead(buffer: Buffer, bytes: number): void {
    const readAt = this.readStamp()
    const replies = this.replies
    emptyKeepingStorage(replies)
    try {
      this.reader.read(buffer, bytes, replies)
    } catch (error) {
      this.socket.destroy()
      this.fail(`protocol error: ${(error as Error).message}`)
      return
    }
    // One ReplyTimes per write this read answers, shared by its replies.
    let times: ReplyTimes | undefined
    let timesOf: WriteRecord | undefined
    for (let i = 0; i < replies.length && this.isOpen; i++) {
      const write = this.writes.peek()
      if (write === undefined) {
        this.socket.destroy()
        this.fail('reply without a request')
        break
      }
      if (Number.isNaN(write.firstReplyAt)) write.firstReplyAt = readAt
      if (write !== timesOf) {
        times = { sentAt: write.sentAt, firstReplyAt: write.firstReplyAt, readAt }
        timesOf = write
      }
      if (--write.unanswered === 0) this.writes.shift()
      this.pending.shift()!.settle(replies[i]!, times!)
    }
    // The read ended inside a reply: those bytes are the first answer to its write if none came yet.
    const next = this.writes.peek()
    if (this.reader.partial && next !== undefined && Number.isNaN(next.firstReplyAt)) next.firstReplyAt = readAt
    if (replies.length > 0) this.notifySettled()
  }

  private notifySettled(): void {
    for (const listener of this.settledListeners) listener()
  }

  /** Times for a request that was never written: all of them now. */
  private unsentTimes(): ReplyTimes {
    const now = this.clock()
    return { sentAt: now, firstReplyAt: now, readAt: now }
  }

  private fail(reason: string): void {
    if (!this.isOpen) return
    this.isOpen = false
    const orphans = this.pending.drain()
    const writes = this.writes.drain()
    emptyKeepingStorage(this.queued)
    this.queuedBytes = 0
    const unsent = this.unsentTimes()
    const failedAt = unsent.readAt
    // The orphans are the written requests, write by write, then the unwritten ones.
    const settleTimes: ReplyTimes[] = []
    for (const write of writes) {
      const times = { sentAt: write.sentAt, firstReplyAt: Number.isNaN(write.firstReplyAt) ? failedAt : write.firstReplyAt, readAt: failedAt }
      for (let i = 0; i < write.unanswered; i++) settleTimes.push(times)
    }
    orphans.forEach((pending, i) => pending.settle(connectionError(reason), settleTimes[i] ?? unsent))
    if (orphans.length > 0) this.notifySettled()
    for (const listener of this.closeListeners.splice(0)) listener()
  }
}
