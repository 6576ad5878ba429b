// The connection actor: one per socket. Socket reads flow through the RxJS pipeline
//   chunks → decodeFrames → executeCommands → holdUntilDurable → encodeReplies → socket
// one emission per read, and replies are written strictly in request order, each batch once the
// writes it depends on are durable, at the end of the event-loop turn (OutputFlusher). The actor
// owns the connection's session and its backpressure: while more than `client-output-pause-bytes`
// wait to be written to a client that is not reading, the server stops reading from it, and it
// stops too while a command waits before it runs.

import type { Socket } from 'node:net'
import { merge, Observable, type Subscriber, type Subscription } from 'rxjs'
import { NO_REPLY, sequence, type Reply } from '../protocol/reply.js'
import { RequestDecoder } from '../protocol/request-decoder.js'
import { ReplyWriter } from '../protocol/encoder.js'
import { decodeFrames } from '../pipeline/decodeFrames.js'
import { executeCommands, type CommandRunner } from '../pipeline/executeCommands.js'
import { encodeReplies } from '../pipeline/encodeReplies.js'
import { holdUntilDurable } from '../pipeline/holdUntilDurable.js'
import type { EncodedBatch, RequestBatch } from '../pipeline/batches.js'
import { REPLY_OFF, REPLY_SKIP, REPLY_SKIP_NEXT, type ClientHandle, type CommandContext, type Session } from '../commands/spec.js'
import { is, parseInteger } from '../commands/args.js'
import { endTransaction } from '../commands/transactions/transaction.js'
import type { ServerRuntime } from './server.js'
import { describeError } from '../log.js'
import type { Staged } from './staging.js'
import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import { viewOf } from '../protocol/buffer-view.js'
import { POISON, READ_BUFFER } from '../protocol/read-buffer.js'
import { adoptWithSharedReads } from './socket-reads.js'

const READ_MEMORY = READ_BUFFER.buffer

/** Replies wait for a client that does not read them. */
const PAUSED_OUTPUT = 1
/** Writes wait for the WAL: more than the backlog bound is sealed but not yet durable. */
const PAUSED_BACKLOG = 2
/** A command waits before it runs (staging, a write stall, a password derivation). */
const PAUSED_WAITING = 4
const EMPTY_CHUNK = Buffer.alloc(0)
const NO_COMMANDS: Buffer[][] = []
const EXISTS = Buffer.from('exists')

/** The database a queued SELECT moves the commands after it to, or undefined when it is not one. */
const selectedBy = <T>(argv: Buffer[], databases: readonly T[]): number | undefined => {
  if (argv.length !== 2 || argv[0]!.length !== 6 || !is(argv[0]!, 'select')) return undefined
  const n = parseInteger(argv[1]!)
  return n !== null && n >= 0 && n < databases.length ? n : undefined
}

/**
 * The transaction's view of its databases after a queued command: a copy with two swapped when it
 * is a SWAPDB, else the same array (never changed in place: it may be the tenant's own).
 */
const swappedBy = <T>(argv: Buffer[], databases: readonly T[]): readonly T[] => {
  if (argv.length !== 3 || argv[0]!.length !== 6 || !is(argv[0]!, 'swapdb')) return databases
  const a = parseInteger(argv[1]!)
  const b = parseInteger(argv[2]!)
  if (a === null || b === null || a < 0 || b < 0 || a >= databases.length || b >= databases.length) return databases
  const swapped = [...databases]
  swapped[a] = databases[b]!
  swapped[b] = databases[a]!
  return swapped
}

/** stagedFor before any SWAPDB: nothing to compare with, so the first swap makes stagings in flight read again. */
const NOT_KEPT: readonly MemoryKeyspace[] = []

const peer = (address: string | undefined, port: number | undefined): string =>
  `${address?.startsWith('::ffff:') ? address.slice(7) : (address ?? '?')}:${port ?? 0}`

export class Connection implements ClientHandle, CommandRunner, CommandContext {
  readonly session: Session
  private readonly decoder: RequestDecoder
  /**
   * Where socket reads enter the pipeline: the subscriber of its source, set by start. (A
   * Subject's next allocates a closure and an iterator per call, once per read.)
   */
  private input: Subscriber<Buffer> | undefined = undefined
  /** Where Pub/Sub messages for this connection enter the pipeline, beside the decoded commands. */
  private deliveries: Subscriber<RequestBatch> | undefined = undefined
  /** Since when the output has been above the pubsub class's soft limit (0: it is not). */
  private softLimitSince = 0
  private subscription: Subscription | undefined = undefined
  /** Why reading is paused: PAUSED_* bits; reading resumes at 0. */
  private pausedFor = 0
  /** A command waits before it runs (see stage). */
  private waiting = false
  private closed = false
  /** The connection has let go of what it held and left the client registry (teardown). */
  private tornDown = false
  /** Replies encoded this event-loop turn, written by flushOutput. */
  private readonly output: Buffer[] = []
  private outputBytes = 0
  /**
   * While a read is being handled: the query buffer as Redis holds it then, the bytes left over
   * from earlier reads plus this read, the commands running included. 0 between reads.
   */
  private readQueryBytes = 0
  private readonly replyWriter = new ReplyWriter()
  /**
   * Messages that follow the reply of the command running now: a monitor's line for its own
   * command (deliverAfterReply), and what this connection's own EXEC published (deliver).
   */
  private afterReply: Reply[] | undefined = undefined
  /** What staging gathered for the command about to run. */
  private staged: Staged | undefined = undefined
  /**
   * Keyspaces.swaps when the command waiting now began its staging, and the tenant's databases
   * then (see restage).
   */
  private stagedAtSwaps = 0
  private stagedFor: readonly MemoryKeyspace[] = []
  /** What staging gathered for each command of the transaction EXEC is about to run. */
  private stagedTransaction: (Staged | undefined)[] | undefined = undefined
  /**
   * Resolves once this side is finished: every reply was handed to the kernel and our side of the
   * connection ended, or the socket closed. Not the peer's FIN: a client that never reads its
   * socket (a redis-cli waiting on its input) would otherwise hold a shutdown for the whole drain.
   */
  readonly done: Promise<void>

  private readonly socket: Socket
  /** Whether the socket reads into the shared read buffer (see socket-reads.ts). */
  private readonly sharedReads: boolean

  constructor(
    accepted: Socket,
    readonly server: ServerRuntime,
    id: number,
  ) {
    const adopted = adoptWithSharedReads(accepted, (nread) => this.readShared(nread))
    const socket = adopted ?? accepted
    this.socket = socket
    this.sharedReads = adopted !== undefined
    const now = Date.now()
    this.session = {
      id,
      addr: peer(socket.remoteAddress, socket.remotePort),
      laddr: peer(socket.localAddress, socket.localPort),
      createdAt: now,
      name: '',
      libName: '',
      libVer: '',
      resp: 2,
      dbIndex: 0,
      db: server.tenants.default.databases[0]!,
      authenticated: !server.authRequired(),
      user: 'default',
      tenant: server.tenants.default,
      admin: true,
      authFailures: 0,
      lastCommand: 'NULL',
      lastInteraction: now,
      closeAfterReply: false,
      multi: undefined,
      watching: undefined,
      pubsub: undefined,
      replyMode: 0,
      monitoring: false,
      tracking: undefined,
    }
    const config = server.config
    this.decoder = new RequestDecoder({
      maxBulkLength: config.number('proto-max-bulk-len'),
      maxMultibulkLength: config.number('proto-max-multibulk-len'),
      maxInlineLength: 64 * 1024,
    })
    this.decoder.unauthenticated = !this.session.authenticated
    this.done = new Promise((resolve) => {
      socket.once('finish', () => resolve())
      socket.once('close', () => resolve())
    })
  }

  get resp(): 2 | 3 {
    return this.session.resp
  }

  get closeAfterReply(): boolean {
    return this.session.closeAfterReply
  }

  get pendingOutputBytes(): number {
    return this.socket.writableLength + this.outputBytes
  }

  /**
   * CLIENT LIST qbuf. Redis trims its query buffer only after running the commands a read
   * completed, so a client that lists itself sees its own command counted (qbuf=26 for
   * `CLIENT LIST` in RESP). Between reads it is the unfinished command's bytes. (A batch that
   * waits for staging runs after the read is handled and sees only the latter.)
   */
  get queryBufferBytes(): number {
    return Math.max(this.readQueryBytes, this.decoder.bufferedBytes)
  }

  start(): void {
    const socket = this.socket
    socket.setNoDelay(true)
    const keepalive = this.server.config.number('tcp-keepalive')
    if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000)
    this.subscription = merge(
      new Observable<Buffer>((subscriber) => {
        this.input = subscriber
      }).pipe(decodeFrames(this.decoder)),
      new Observable<RequestBatch>((subscriber) => {
        this.deliveries = subscriber
      }),
    )
      .pipe(
        executeCommands(this),
        holdUntilDurable(this.server.gate),
        encodeReplies(this.replyWriter),
      )
      .subscribe({
        next: (batch) => this.write(batch),
        // Input ended (half-close, KILL, shutdown) and every reply is out: close our side.
        complete: () => this.close(),
        // A failure in the pipeline is a bug; it costs this connection, never the server.
        error: (e: unknown) => {
          this.server.log.warning(`Closing client id=${this.session.id} after an internal error: ${describeError(e)}`)
          socket.destroy()
        },
      })
    if (!this.sharedReads) socket.on('data', (chunk: Buffer) => this.read(chunk))
    // Flowing, so that the end of input is seen ('end') whichever way the socket reads.
    socket.resume()
    socket.on('drain', () => this.resumeFor(PAUSED_OUTPUT))
    socket.on('end', () => {
      // The client half-closed: answer what it sent (the pipeline completes), then close.
      this.endInput()
    })
    socket.on('error', () => socket.destroy())
    // Our side ended with every reply handed to the kernel (close): the client is gone, as Redis
    // frees one once the reply QUIT asked for is written, even if the peer keeps its side open.
    socket.on('finish', () => this.teardown())
    socket.on('close', () => this.teardown())
  }

  /** A read into the shared read buffer: handled, then its bytes are let go (see read-buffer.ts). */
  private readShared(nread: number): void {
    this.read(viewOf(READ_MEMORY, 0, nread))
    this.decoder.detach(READ_MEMORY)
    READ_BUFFER.fill(POISON, 0, nread)
  }

  private read(chunk: Buffer): void {
    // Closing (see close): what the peer still sends is dropped unread, as Redis runs nothing
    // after QUIT.
    if (this.closed) return
    this.server.stats.totalNetInputBytes += chunk.length
    this.session.lastInteraction = this.server.tick()
    this.readQueryBytes = this.decoder.bufferedBytes + chunk.length
    const queued = this.waiting
    this.input!.next(chunk)
    this.readQueryBytes = 0
    if (queued && this.waiting) this.pauseFor(PAUSED_WAITING)
    const gate = this.server.gate
    gate.poll()
    if (gate.backlogBytes > gate.backlogLimit && (this.pausedFor & PAUSED_BACKLOG) === 0) this.waitForBacklog()
    if (this.decoder.bufferedBytes > this.server.config.number('client-query-buffer-limit')) {
      // As Redis: a client whose unfinished command outgrows the limit is dropped, and logged.
      this.server.log.warning(
        `Closing client that reached max query buffer length: id=${this.session.id} addr=${this.session.addr} qbuf=${this.decoder.bufferedBytes}`,
      )
      this.socket.destroy()
    }
  }

  /**
   * While a command waits, the commands behind it queue in memory (executeCommands), where no
   * query buffer limit sees them: so a read that comes during a wait is the last until the wait
   * ends. Otherwise a client pipelining AUTHs as a tenant, each waiting for its password
   * derivation, grew the server by its whole input (hundreds of MB a second) without ever being
   * authenticated. (Reading is not stopped when the wait starts: a client that awaits its reply
   * sends nothing meanwhile, and would pay two syscalls per wait for nothing.)
   */
  stage(argv: Buffer[]): PromiseLike<void> | undefined {
    return this.waitFor(this.gather(argv))
  }

  private waitFor(waiting: PromiseLike<void> | undefined): PromiseLike<void> | undefined {
    if (waiting === undefined) return undefined
    this.waiting = true
    // Before AUTH, what follows is decoded only after this command has run (see run).
    this.decoder.held = this.decoder.unauthenticated
    const done = (): void => {
      this.waiting = false
      this.resumeFor(PAUSED_WAITING)
    }
    return waiting.then(done, (e: unknown) => {
      done()
      throw e
    })
  }

  /** What must happen before `argv` runs, or undefined when it can run at once. */
  private gather(argv: Buffer[]): PromiseLike<void> | undefined {
    // CLIENT PAUSE holds the command (queued ones and EXEC too, as Redis), then it is looked at again.
    if (this.server.clientPause.active) {
      const held = this.heldByPause(argv)
      if (held !== undefined) return held.then(() => this.gather(argv))
    }
    const multi = this.session.multi
    if (multi !== undefined) {
      // A command being queued waits for nothing; EXEC waits for what all of them need.
      const name = argv[0]!
      if (multi.aborted || name.length !== 4 || !is(name, 'exec')) return undefined
      return this.gatherTransaction(multi.commands, 0)
    }
    // What commands declare they need first (CommandSpec.before: a checkpoint, TIERING RUN's pass,
    // CONFIG REWRITE's file) and password derivations (AUTH as a tenant, TENANT CREATE) run first.
    const prepared = this.server.prepare(this.session, argv)
    if (prepared !== undefined) return prepared
    // Memory is over maxmemory: a command that can grow it waits for flushes and eviction.
    const stall = this.server.writeStall
    if (stall.wait !== undefined && this.server.dispatch.command(argv)?.denyoom === true) {
      return stall.hold().then(() => this.gather(argv))
    }
    return this.stageCommand(argv)
  }

  /** Staging, the last of what gather waits for (outside a transaction). */
  private stageCommand(argv: Buffer[]): PromiseLike<void> | undefined {
    const stager = this.server.stager
    // While every database is complete (the data fits in memory), no command needs staging.
    if (stager === undefined || this.server.incomplete.count === 0) return undefined
    const session = this.session
    const pending = stager.stage(session.db as MemoryKeyspace, argv, session.tenant.databases as readonly MemoryKeyspace[])
    if (pending === undefined) return undefined
    if (!(pending instanceof Promise)) {
      this.staged = pending
      return undefined
    }
    // Read on the thread pool: a SWAPDB may run before the command does (see restage).
    this.stagingBegins()
    return pending.then((staged) => {
      // A connection closed while its gathering ran will never run the command.
      if (this.closed) staged?.release()
      else this.staged = staged
    })
  }

  /**
   * The pause that holds `argv`, if any. As Redis, a command that dispatch refuses before running
   * it (unknown, wrong arity, NOAUTH) is answered at once, and a monitor's never waits (Redis
   * flags a monitor as a replica, and replicas are never paused). Under a WRITE pause, what
   * counts is a write or may_replicate command (PUBLISH), or EXEC of a transaction holding one.
   */
  private heldByPause(argv: Buffer[]): Promise<void> | undefined {
    const session = this.session
    if (session.monitoring || (!session.authenticated && this.server.authRequired())) return undefined
    const resolve = this.server.dispatch.command
    const command = resolve(argv)
    if (command === undefined) return undefined
    const multi = session.multi
    const writing = command.exec && multi !== undefined ? multi.commands.some((queued) => resolve(queued)?.mayReplicate === true) : command.mayReplicate
    return this.server.clientPause.hold(session.tenant.id, writing)
  }

  /**
   * gather() for EXEC: what each queued command needs, in order (password derivations, a write
   * stall, staging), so that EXEC then runs every one of them in one synchronous call.
   */
  private gatherTransaction(commands: Buffer[][], from: number): PromiseLike<void> | undefined {
    for (let i = from; i < commands.length; i++) {
      const prepared = this.server.prepare(this.session, commands[i]!)
      if (prepared !== undefined) return prepared.then(() => this.gatherTransaction(commands, i + 1))
    }
    return this.stageTransaction(commands)
  }

  /**
   * Stages every queued command (and the watched keys, whose expiry EXEC checks), again from
   * the first after each wait, until one pass finds all of them ready: a wait for one command
   * is a turn in which eviction may drop what an earlier one installed. A keyspace-wide
   * gathering (KEYS, SCAN) is kept from the pass that made it: while it is held, eviction waits.
   */
  private stageTransaction(commands: Buffer[][]): PromiseLike<void> | undefined {
    const server = this.server
    const stall = server.writeStall
    if (stall.wait !== undefined && commands.some((argv) => server.dispatch.command(argv)?.denyoom === true)) {
      return stall.hold().then(() => this.stageTransaction(commands))
    }
    const stager = server.stager
    if (stager === undefined || server.incomplete.count === 0 || this.closed) return undefined
    const session = this.session
    if (!this.stagingHolds()) {
      // Databases were swapped since the last pass: what it kept may be another database's.
      this.releaseTransaction()
      this.stagingBegins()
    }
    // SELECT and SWAPDB queued before a command change the database it will run in.
    let databases = session.tenant.databases as readonly MemoryKeyspace[]
    let dbIndex = session.dbIndex
    const again = (): PromiseLike<void> | undefined => this.stageTransaction(commands)
    for (const [db, keys] of session.watching?.keysByDb() ?? []) {
      const pending = stager.stage(db, [EXISTS, ...keys], databases, true)
      if (pending instanceof Promise) return pending.then((staged) => (staged?.release(), again()))
      pending?.release()
    }
    const held = (this.stagedTransaction ??= new Array<Staged | undefined>(commands.length))
    for (let i = 0; i < commands.length; i++) {
      const argv = commands[i]!
      dbIndex = selectedBy(argv, databases) ?? dbIndex
      databases = swappedBy(argv, databases)
      const db = databases[dbIndex]!
      if (held[i]?.keys !== undefined) continue
      held[i]?.release()
      held[i] = undefined
      const pending = stager.stage(db, argv, databases, true)
      if (!(pending instanceof Promise)) {
        held[i] = pending
        continue
      }
      return pending.then((staged) => {
        if (this.closed || staged?.keys === undefined) staged?.release()
        else held[i] = staged
        return again()
      })
    }
    return undefined
  }

  /**
   * The command that waited for its staging runs next: if a SWAPDB ran meanwhile (on any
   * connection, even between the end of the wait and now), what was staged may belong to a
   * database this one no longer shows, and the command would miss keys only on disk. Stage again.
   */
  restage(argv: Buffer[]): PromiseLike<void> | undefined {
    if (this.stagingHolds()) return undefined
    this.staged?.release()
    this.staged = undefined
    this.releaseTransaction()
    this.stagingBegins()
    const multi = this.session.multi
    if (multi === undefined) return this.waitFor(this.stageCommand(argv))
    // Only EXEC of a transaction that can run stages anything (see gather).
    const name = argv[0]!
    if (multi.aborted || name.length !== 4 || !is(name, 'exec')) return undefined
    return this.waitFor(this.stageTransaction(multi.commands))
  }

  /** Notes what staging reads for: a copy of the databases only once any SWAPDB has run. */
  private stagingBegins(): void {
    const swaps = this.server.keyspaces.swaps
    this.stagedAtSwaps = swaps
    this.stagedFor = swaps === 0 ? NOT_KEPT : [...(this.session.tenant.databases as readonly MemoryKeyspace[])]
  }

  /**
   * Whether the tenant's databases show what they showed when staging began (swapped and
   * swapped back is the same: what was read back went into the keyspaces, which are the same).
   */
  private stagingHolds(): boolean {
    if (this.stagedAtSwaps === this.server.keyspaces.swaps) return true
    const databases = this.session.tenant.databases
    const before = this.stagedFor
    if (databases.length !== before.length || databases.some((db, i) => db !== before[i])) return false
    this.stagedAtSwaps = this.server.keyspaces.swaps
    return true
  }

  runQueued(argv: Buffer[], index: number): Reply {
    const staged = this.stagedTransaction?.[index]
    if (staged === undefined) return this.server.dispatch(this, argv)
    this.stagedTransaction![index] = undefined
    staged.db.attachDiskKeys(staged.keys)
    try {
      return this.server.dispatch(this, argv)
    } finally {
      staged.db.attachDiskKeys(undefined)
      staged.release()
    }
  }

  /** Lets go of what was gathered for a transaction that ran, or never will. */
  private releaseTransaction(): void {
    const held = this.stagedTransaction
    if (held === undefined) return
    this.stagedTransaction = undefined
    for (const staged of held) staged?.release()
  }

  settle(): void {
    this.server.dispatch.settle()
  }

  warm(commands: readonly Buffer[][]): void {
    this.session.db.warm?.(commands)
  }

  run(argv: Buffer[]): Reply {
    const staged = this.staged
    let reply: Reply
    if (staged === undefined) reply = this.server.dispatch(this, argv)
    else {
      this.staged = undefined
      staged.db.attachDiskKeys(staged.keys)
      staged.db.attachPassing(staged.passing)
      try {
        reply = this.server.dispatch(this, argv)
      } finally {
        staged.db.attachDiskKeys(undefined)
        staged.db.attachPassing(undefined)
        staged.release()
      }
    }
    if (this.stagedTransaction !== undefined) this.releaseTransaction()
    // CLIENT CACHING marks the next command, or transaction, only (Redis's resetClient).
    const tracking = this.session.tracking
    if (tracking?.caching === true && this.session.multi === undefined && !is(argv[0]!, 'client')) tracking.caching = false
    // CLIENT REPLY OFF and SKIP drop replies, not what is pushed (Redis's CLIENT_PUSHING).
    if (this.session.replyMode !== 0) reply = this.replyFor(reply)
    if (this.afterReply !== undefined) {
      reply = sequence([reply, ...this.afterReply])
      this.afterReply = undefined
    }
    this.decoder.unauthenticated = !this.session.authenticated && this.server.authRequired()
    if (this.decoder.held && !this.waiting) {
      // The command that waited has run (an AUTH: the limits may be lifted now): decode what was
      // held behind it, as Redis parses a pipelined command only after the one before ran.
      this.decoder.held = false
      queueMicrotask(() => {
        if (!this.closed) this.input?.next(EMPTY_CHUNK)
      })
    }
    return reply
  }

  /**
   * CLIENT REPLY, as Redis's resetClient after every command: a reply is dropped while replies
   * are off or skipped, and a SKIP asked for by this command applies to the next one.
   */
  private replyFor(reply: Reply): Reply {
    const session = this.session
    const mode = session.replyMode
    session.replyMode = (mode & REPLY_OFF) | ((mode & REPLY_SKIP_NEXT) !== 0 ? REPLY_SKIP : 0)
    return (mode & (REPLY_OFF | REPLY_SKIP)) !== 0 ? NO_REPLY : reply
  }

  /** Closes the socket at once, whatever is left unwritten or unread. */
  destroy(): void {
    this.socket.destroy()
  }

  /**
   * Closes the connection once the replies to commands already run are written (CLIENT KILL,
   * shutdown), including those still waiting for the WAL.
   */
  kill(): void {
    this.session.closeAfterReply = true
    this.socket.pause()
    this.endInput()
  }

  /** No more commands and no more messages: the pipeline completes once the replies are out. */
  private endInput(): void {
    this.input?.complete()
    this.deliveries?.complete()
  }

  deliverAfterReply(message: Reply): void {
    // As Redis, nothing follows the reply of a command that closes the connection (a monitor's
    // own QUIT is not shown to it).
    if (this.session.closeAfterReply) return
    ;(this.afterReply ??= []).push(message)
  }

  deliver(message: Reply): void {
    if (this.closed || this.session.closeAfterReply) return
    if (this.session.multi?.executing === true) {
      // Published by this connection's own transaction (keyspace notifications, PUBLISH): after
      // EXEC's reply, not inside its array, as Redis 7.2 defers them (7.0 interleaved them).
      this.deliverAfterReply(message)
      return
    }
    this.deliveries?.next({ commands: NO_COMMANDS, deliveries: [message] })
    this.checkOutputLimit()
  }

  /**
   * Redis's client-output-buffer-limit for the pubsub class: a subscriber whose output is above
   * the hard limit, or has stayed above the soft limit for the soft seconds, is closed (at once,
   * whatever is unwritten), so a subscriber that does not read costs the server a bounded amount.
   */
  private checkOutputLimit(): void {
    const limit = this.server.pubsubOutputLimit()
    const pending = this.pendingOutputBytes
    let over = limit.hard > 0 && pending >= limit.hard
    if (!over && limit.soft > 0 && pending >= limit.soft) {
      const now = Date.now()
      if (this.softLimitSince === 0) this.softLimitSince = now
      else over = now - this.softLimitSince >= limit.seconds * 1000
    } else if (!over) this.softLimitSince = 0
    if (!over) return
    this.server.log.warning(
      `Client id=${this.session.id} addr=${this.session.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    )
    this.session.closeAfterReply = true
    this.closed = true
    this.socket.destroy()
  }

  private write(batch: EncodedBatch): void {
    if (this.closed) return
    const pieces = batch.pieces
    if (this.output.length === 0 && pieces.length > 0) this.server.flusher.enqueue(this)
    for (let i = 0; i < pieces.length; i++) this.output.push(pieces[i]!)
    this.outputBytes += batch.bytes
    if (batch.close) this.close()
  }

  /** Writes the replies queued this event-loop turn (the server's OutputFlusher calls it). */
  flushOutput(): void {
    const output = this.output
    if (output.length === 0 || this.closed) return
    const socket = this.socket
    if (output.length === 1) {
      socket.write(output[0]!)
    } else {
      socket.cork()
      for (let i = 0; i < output.length; i++) socket.write(output[i]!)
      socket.uncork()
    }
    this.server.stats.totalNetOutputBytes += this.outputBytes
    // Emptied in place: the socket holds the pieces, not the array, and a new array's storage
    // was an allocation per connection per turn.
    while (output.length > 0) output.pop()
    this.outputBytes = 0
    // Nothing left in the stream: the socket copied every piece to the kernel during write.
    if (socket.writableLength === 0) this.replyWriter.recycle()
    if ((this.pausedFor & PAUSED_OUTPUT) === 0 && socket.writableLength > this.server.config.number('client-output-pause-bytes')) {
      this.pauseFor(PAUSED_OUTPUT)
    }
  }

  /**
   * Stops reading while the WAL's backlog (writes executed but not yet durable) is above its
   * bound, so a client pipelining writes faster than the disk syncs cannot grow memory without
   * limit; reading resumes once the backlog is down to half the bound.
   */
  private waitForBacklog(): void {
    const gate = this.server.gate
    gate.notePause()
    this.pauseFor(PAUSED_BACKLOG)
    const watch = gate.settlements.subscribe(() => {
      if (gate.backlogBytes > gate.backlogLimit / 2) return
      watch.unsubscribe()
      this.resumeFor(PAUSED_BACKLOG)
    })
  }

  private pauseFor(reason: number): void {
    if (this.pausedFor === 0) this.socket.pause()
    this.pausedFor |= reason
  }

  private resumeFor(reason: number): void {
    if ((this.pausedFor & reason) === 0) return
    this.pausedFor &= ~reason
    if (this.pausedFor === 0 && !this.closed) this.socket.resume()
  }

  private close(): void {
    if (this.closed) return
    // Replies still queued for this turn go out before the end of the stream.
    this.flushOutput()
    this.closed = true
    this.socket.end()
    // Reading goes on (dropping the bytes, see read) until the peer's FIN closes the socket: a
    // socket closed with input left unread is reset, which can cost the peer the replies just
    // written. The client leaves the registry sooner, once our side has finished (start).
    this.socket.resume()
    // A peer that never reads, or never closes its side, would keep the socket open forever.
    setTimeout(() => this.socket.destroy(), 5000).unref()
  }

  private teardown(): void {
    if (this.tornDown) return
    this.tornDown = true
    this.closed = true
    // A gathering whose command will never run holds nothing back any more.
    this.staged?.release()
    this.staged = undefined
    this.releaseTransaction()
    // Its watches must not outlive it in the databases' maps, nor its subscriptions in the hub.
    endTransaction(this.session)
    this.server.pubsub.unsubscribeAll(this.session)
    this.server.monitors.remove(this.session)
    this.server.tracking.disable(this.session)
    this.subscription?.unsubscribe()
    this.server.removeClient(this)
  }
}
