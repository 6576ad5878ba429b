// A raw TCP connection that pipelines requests: everything sent in one tick goes out in one
// write, and replies are matched to requests in order. No client library sits on this path;
// replies are decoded by the project's pure reply decoder.

import { connect, type Socket } from 'node:net'
import type { Reply } from '../protocol/reply.js'
import { ReplyDecoder } from '../protocol/reply-decoder.js'
import { connectionError, type Pending, type RequestPipe } from './pipe.js'
import { encodeCommand, type Frame } from './resp.js'

export interface ConnectionOptions {
  readonly host?: string
  readonly port?: number
  /** AUTH before the connection is handed out: `AUTH password` or `AUTH user password`. */
  readonly user?: string
  readonly password?: string
  /** The clock replies are stamped with, in milliseconds. */
  readonly clock?: () => number
  readonly connectTimeoutMs?: number
}

const READ_BUFFER_BYTES = 64 * 1024

export class BenchConnection implements RequestPipe {
  private readonly decoder = new ReplyDecoder()
  private pending: Pending[] = []
  private head = 0
  private readonly outFrames: Frame[] = []
  private outBytes = 0
  private flushScheduled = false
  private closeListeners: (() => void)[] = []
  private isOpen = true

  private constructor(
    private readonly socket: Socket,
    private readonly clock: () => number,
  ) {
    socket.setNoDelay(true)
    socket.on('error', (error) => this.fail(error.message))
    socket.on('close', () => this.fail('closed'))
  }

  /** Connects (and authenticates, when asked); rejects with the server's error on a failed AUTH. */
  static async open(options: ConnectionOptions = {}): Promise<BenchConnection> {
    let connection: BenchConnection | undefined
    // Reads land in one buffer per connection and go straight to the decoder (`onread`), which
    // skips the readable-stream machinery: that machinery costs more per read than decoding.
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
    const onread = {
      buffer: readBuffer,
      callback: (bytes: number, buffer: Uint8Array): boolean => {
        // A copy, because the decoder keeps an unfinished tail and replies point into the chunk.
        connection?.onData(Buffer.from(buffer.subarray(0, bytes)))
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
    connection = new BenchConnection(socket, options.clock ?? (() => performance.now()))
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
    return this.pending.length - this.head
  }

  get open(): boolean {
    return this.isOpen
  }

  send(frame: Frame, pending: Pending): void {
    if (!this.isOpen) {
      pending.settle(connectionError('closed'), this.clock())
      return
    }
    this.pending.push(pending)
    this.outFrames.push(frame)
    this.outBytes += frame.length
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(this.flush)
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

  close(): void {
    this.socket.destroy()
    this.fail('closed')
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (!this.isOpen) return
    // Copying every frame into one buffer is cheaper than letting the socket flatten a long
    // concatenated string, and makes one write (one syscall) per connection per tick.
    const out = Buffer.allocUnsafe(this.outBytes)
    let offset = 0
    for (const frame of this.outFrames) {
      offset += typeof frame === 'string' ? out.write(frame, offset, 'latin1') : frame.copy(out, offset)
    }
    this.outFrames.length = 0
    this.outBytes = 0
    this.socket.write(out)
  }

  private onData(chunk: Buffer): void {
    let replies: Reply[]
    try {
      replies = this.decoder.push(chunk)
    } catch (error) {
      this.socket.destroy()
      this.fail(`protocol error: ${(error as Error).message}`)
      return
    }
    if (replies.length === 0) return
    const now = this.clock()
    for (const reply of replies) {
      if (this.head === this.pending.length) {
        this.socket.destroy()
        this.fail('reply without a request')
        return
      }
      const pending = this.pending[this.head]!
      this.pending[this.head++] = undefined as unknown as Pending
      pending.settle(reply, now)
    }
    // Drop the settled prefix once it dominates, so the queue neither grows nor shifts per reply.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head)
      this.head = 0
    }
  }

  private fail(reason: string): void {
    if (!this.isOpen) return
    this.isOpen = false
    const now = this.clock()
    const orphans = this.pending.slice(this.head)
    this.pending = []
    this.head = 0
    for (const pending of orphans) pending.settle(connectionError(reason), now)
    for (const listener of this.closeListeners.splice(0)) listener()
  }
}
