// Dispatch: finds a command in the table and performs every generic check once, from the spec
// alone (unknown command, unknown subcommand, arity, authentication, writes refused), then
// calls execute and keeps INFO commandstats/errorstats. Command bodies hold only semantics.
//
// Between MULTI and EXEC, a command that passes the checks is queued and answered +QUEUED
// instead of run, and one refused flags the transaction so that EXEC answers EXECABORT (Redis's
// processCommand and flagTransaction). MULTI, EXEC, DISCARD, WATCH, QUIT and RESET run at once.
// EXEC runs the queued commands back through dispatch (CommandContext.runQueued).
//
// A RESP2 connection with subscriptions (Session.pubsub) may run only the commands of Redis's
// subscribed mode; RESP3 connections may run any, their messages being push replies.

import { Errors, QUEUED, error, type Reply } from '../protocol/reply.js'
import { ownArgs } from '../protocol/read-buffer.js'
import { cText, is } from './args.js'
import { tenantQuotaError, transactionQuotaError } from './quota.js'
import type { CommandContext, CommandSpec, CommandStat, MonitorHub, Preparation, ServerStats, Session } from './spec.js'
import { endTransaction } from './transactions/transaction.js'
import { redactedArgs, slowlogArgs, slowlogLimits, type SlowlogLimits } from '../actors/slowlog.js'

/** A spec with everything dispatch needs precomputed, so the hot path does no flag searches. */
export interface CompiledCommand {
  readonly spec: CommandSpec
  readonly noAuth: boolean
  readonly write: boolean
  /** Flagged readonly: a tracking client's keys are remembered after it ran (Redis's call()). */
  readonly readonly: boolean
  /** Refused to tenants: an admin command that is not tenant-scoped. */
  readonly adminOnly: boolean
  /** May add data: checked against the tenant's quotas, and held by a write stall (maxmemory). */
  readonly denyoom: boolean
  /**
   * Reads or changes the keyspace (flagged readonly, write or may_replicate): refused to a
   * monitor, which Redis flags as a replica (processCommand's is_read_command and
   * is_may_replicate_command).
   */
  readonly keyspace: boolean
  /**
   * Counts as a write for CLIENT PAUSE WRITE: flagged write or may_replicate (PUBLISH), Redis's
   * is_may_replicate_command.
   */
  readonly mayReplicate: boolean
  /**
   * Timed with its neighbours (see BatchClock): flagged fast (O(1) or O(log N)), or a write of
   * O(1) such as SET. Redis leaves SET unflagged because the value it replaces may take long to
   * free; a string here is freed by the collector, not by the command.
   */
  readonly fast: boolean
  readonly arityError: Reply
  /**
   * A subcommand Redis parses in its container's body (ownSubcommandErrors): a wrong arity gets
   * the container's syntax error, and a refusal names the container, as Redis knows no subcommand.
   */
  readonly parsedByContainer: boolean
  /** The option that must allow it (CommandSpec.protectedBy), its container's for a subcommand. */
  readonly protectedBy: string | undefined
  /** Refused inside MULTI (flag no_multi). */
  readonly noMulti: boolean
  /** Runs inside MULTI rather than being queued: it controls the transaction (see CONTROLS). */
  readonly control: boolean
  /** EXEC: refused as a whole when its transaction writes and writes are refused. */
  readonly exec: boolean
  /** Allowed to a RESP2 connection in subscribed mode (see SUBSCRIBED_MODE). */
  readonly subscribedMode: boolean
  readonly stat: CommandStat
  /** Shown to MONITOR: not flagged admin or skip_monitor, as Redis's call(). */
  readonly monitored: boolean
  /** Logged when slow (not flagged skip_slowlog, as EXEC: its commands are logged one by one). */
  readonly slowlogged: boolean
  readonly subcommands: ReadonlyMap<string, CompiledCommand> | undefined
}

export interface DispatchOptions {
  readonly stats: ServerStats
  /** Whether clients must authenticate before most commands (requirepass or tenants set). */
  readonly authRequired: () => boolean
  /** When set, write commands are refused with this error text (e.g. the WAL cannot write). */
  readonly writesRefused: () => string | undefined
  /**
   * A performance.now() mark that the caller restarts (settle) when a batch starts, ends or
   * waits. With it, a command is timed from the end of the previous one: one clock read per
   * command instead of two, and none for a fast one (see BatchClock). Without it, each command
   * reads the clock before and after.
   */
  readonly batchClock?: BatchClock
  /**
   * Whether a command protected by `option` (CommandSpec.protectedBy) may run on this connection.
   * Without it, protected commands run.
   */
  readonly allowsProtected?: (option: string, session: Session) => boolean
  /**
   * SLOWLOG's threshold and length, kept current by the server (CONFIG SET). Without it nothing
   * is logged.
   */
  readonly slowlog?: SlowlogLimits
  /** MONITOR's registry: commands are fed to it after they ran, while it has any monitor. */
  readonly monitors?: MonitorHub
  /**
   * Client tracking (actors/tracking.ts): trimmed to tracking-table-max-keys before a command
   * while over it, as Redis's processCommand does. Without it, no table is ever over.
   */
  readonly tracking?: TrackingLimit
  /** Told about a command body that threw (a bug); the client gets an error reply. */
  readonly onCommandFailure?: (command: string, error: unknown) => void
}

/** What dispatch sees of client tracking's tables: whether one is over its size, and the cure. */
export interface TrackingLimit {
  readonly overLimit: boolean
  limit(): void
}

/**
 * The clock commands are timed by (INFO commandstats). Fast commands read no clock: they wait in
 * `untimed` and share equally the time from `mark` to the next clock read, which settle() takes
 * (the caller calls it when a batch ends or waits) and any other command takes before it runs.
 * A pipeline of sixteen GETs reads the clock once instead of sixteen times; that read was 4% of
 * the server's time at GET -P 16 (docs/benchmarks.md).
 */
export interface BatchClock {
  mark: number
  readonly untimed: CommandStat[]
}

export interface Dispatch {
  (ctx: CommandContext, argv: Buffer[]): Reply
  /**
   * Charges the fast commands run since the clock was last read with the time since (see
   * BatchClock), and restarts the clock: what happens until the next command is nobody's.
   */
  settle(): void
  /**
   * The spec `argv` would run, found as dispatch finds it (subcommand included), or undefined
   * when dispatch would refuse it for its name or arity.
   */
  resolve(argv: Buffer[]): CommandSpec | undefined
  /**
   * resolve's command with the bits compiled from its spec, for the checks made before a command
   * runs (CLIENT PAUSE, a write stall), which then test fields instead of searching flags.
   */
  command(argv: Buffer[]): CompiledCommand | undefined
  /**
   * What `argv` needs done before it runs on `session` (CommandSpec.before), when dispatch will
   * not refuse it for its name, arity, protection, authentication or admin rights; undefined
   * otherwise. One table read for a command whose name has no such command's length and first
   * letter.
   */
  preparation(session: Session, argv: Buffer[]): Preparation | undefined
}

const newStat = (): CommandStat => ({ calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 })

/** The commands Redis runs inside MULTI instead of queueing (processCommand's exceptions). */
const CONTROLS: ReadonlySet<string> = new Set(['multi', 'exec', 'discard', 'watch', 'quit', 'reset'])

/** The commands a RESP2 connection may run while subscribed (Redis's processCommand). */
const SUBSCRIBED_MODE: ReadonlySet<string> = new Set([
  'ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset',
])

const NO_MONITORS: MonitorHub = { count: 0, add() {}, remove() {}, feed() {} }
const NEVER_OVER: TrackingLimit = { overLimit: false, limit() {} }

const NOT_IN_MULTI = error('ERR Command not allowed inside a transaction')
/** Redis 7.0's refusal of a keyspace command from a replica, which a monitor is flagged as. */
const REPLICA_KEYSPACE = error("ERR Replica can't interact with the keyspace")

const compile = (spec: CommandSpec, stats: ServerStats, parent?: CommandSpec): CompiledCommand => {
  let stat = stats.commands.get(spec.name)
  if (stat === undefined) {
    stat = newStat()
    stats.commands.set(spec.name, stat)
  }
  return {
    spec,
    noAuth: spec.flags.includes('no_auth'),
    write: spec.flags.includes('write'),
    readonly: spec.flags.includes('readonly'),
    adminOnly: spec.flags.includes('admin') && spec.tenantScoped !== true,
    denyoom: spec.flags.includes('denyoom'),
    mayReplicate: spec.flags.includes('write') || spec.flags.includes('may_replicate'),
    keyspace: spec.flags.includes('readonly') || spec.flags.includes('write') || spec.flags.includes('may_replicate'),
    fast: spec.flags.includes('fast') || (spec.flags.includes('write') && !spec.flags.includes('admin') && spec.complexity === 'O(1)'),
    arityError: Errors.wrongArity(spec.name),
    parsedByContainer: parent?.ownSubcommandErrors === true,
    protectedBy: spec.protectedBy ?? parent?.protectedBy,
    // Work done before a command runs cannot wait inside EXEC, and done before EXEC it would
    // precede the queued commands ahead of it (CommandSpec.before): refused in MULTI.
    noMulti: spec.flags.includes('no_multi') || spec.before !== undefined,
    control: CONTROLS.has(spec.name),
    exec: spec.name === 'exec',
    subscribedMode: SUBSCRIBED_MODE.has(spec.name),
    stat,
    slowlogged: !spec.flags.includes('skip_slowlog'),
    monitored: !spec.flags.includes('admin') && !spec.flags.includes('skip_monitor'),
    subcommands: spec.subcommands
      ? new Map(spec.subcommands.map((s) => [s.name.slice(s.name.indexOf('|') + 1), compile(s, stats, spec)]))
      : undefined,
  }
}

/**
 * Redis's text for an unknown command: the name and the first arguments, 128 chars at most, each
 * printed as a C string (cut at a NUL byte).
 */
const unknownCommand = (argv: Buffer[]): Reply => {
  let args = ''
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cText(argv[i]!, 128 - args.length)}' `
  }
  return error(`ERR unknown command '${cText(argv[0]!, 128)}', with args beginning with: ${args}`)
}

/** Longer than any command name: such an argv[0] is unknown without a lookup. */
const MAX_NAME = 64

/** A case-insensitive hash of a command name's bytes (ASCII letters folded to lowercase). */
const nameHash = (name: Buffer): number => {
  let h = name.length
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!
    h = (Math.imul(h, 31) + (c >= 65 && c <= 90 ? c + 32 : c)) | 0
  }
  return h
}

/** processCommand's refusal of a protected command its option does not allow. */
const protectedError = (spec: CommandSpec): Reply =>
  error(
    `ERR ${spec.name.toUpperCase()} command not allowed. If the ${spec.protectedBy} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
  )

const errorCode = (text: string): string => {
  const space = text.indexOf(' ')
  return space === -1 ? text : text.slice(0, space)
}

/**
 * Runs a command body. A throw is a bug (bodies return error replies for user errors), but it
 * must cost one error reply, not the connection or the server: it is reported and answered.
 */
const run = (spec: CommandSpec, ctx: CommandContext, argv: Buffer[], report?: (command: string, e: unknown) => void): Reply => {
  try {
    return spec.execute!(ctx, argv)
  } catch (e) {
    report?.(spec.name, e)
    return error(`ERR internal error in '${spec.name}': ${e instanceof Error ? e.message : String(e)}`)
  }
}

export const makeDispatch = (specs: Iterable<CommandSpec>, options: DispatchOptions): Dispatch => {
  const { stats } = options
  const table = new Map<string, CompiledCommand>()
  for (const spec of specs) table.set(spec.name, compile(spec, stats))
  // Command names resolve by a case-folded hash of their bytes, then a byte comparison, so the
  // hot path converts no strings.
  const byHash = new Map<number, CompiledCommand[]>()
  for (const command of table.values()) {
    const h = nameHash(Buffer.from(command.spec.name, 'latin1'))
    byHash.set(h, [...(byHash.get(h) ?? []), command])
  }
  const lookup = (name: Buffer): CompiledCommand | undefined => {
    if (name.length > MAX_NAME) return undefined
    const candidates = byHash.get(nameHash(name))
    if (candidates === undefined) return undefined
    for (const c of candidates) if (is(name, c.spec.name)) return c
    return undefined
  }
  const clock = options.batchClock
  const slowlog = options.slowlog ?? slowlogLimits(-1, 0)
  const monitors = options.monitors ?? NO_MONITORS
  const trackingLimit = options.tracking ?? NEVER_OVER

  /** Logs a command that ran for `usec` µs in its tenant's slow log (actors/slowlog.ts). */
  const logSlow = (ctx: CommandContext, spec: CommandSpec, argv: Buffer[], usec: number): void => {
    const session = ctx.session
    session.tenant.slowlog.push(
      {
        time: Math.floor(ctx.server.now() / 1000),
        duration: Math.floor(usec),
        args: slowlogArgs(argv, redactedArgs(spec, argv)),
        addr: session.addr,
        name: session.name,
      },
      slowlog.maxLen,
    )
  }

  const countError = (reply: Reply): void => {
    stats.totalErrorReplies++
    const code = errorCode((reply as { value: string }).value)
    stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1)
  }

  /**
   * A refusal. Inside MULTI it flags the transaction; a refused EXEC ends it (Redis's
   * rejectCommand and execCommandAbort), naming the reason.
   */
  const reject = (session: Session, command: CompiledCommand | undefined, reply: Reply): Reply => {
    if (command) command.stat.rejectedCalls++
    const multi = session.multi
    if (multi !== undefined && !multi.executing) {
      if (command?.exec === true) {
        endTransaction(session)
        const reason = (reply as { value: string }).value
        reply = error(`EXECABORT Transaction discarded because of: ${reason.startsWith('ERR ') ? reason.slice(4) : reason}`)
      } else multi.aborted = true
    }
    countError(reply)
    return reply
  }

  const command = (argv: Buffer[]): CompiledCommand | undefined => {
    let command = lookup(argv[0]!)
    if (command?.subcommands !== undefined && argv.length > 1) {
      command = command.subcommands.get(argv[1]!.toString('latin1').toLowerCase())
    }
    const spec = command?.spec
    if (spec?.execute === undefined) return undefined
    return (spec.arity > 0 ? argv.length === spec.arity : argv.length >= -spec.arity) ? command : undefined
  }

  const resolve = (argv: Buffer[]): CommandSpec | undefined => command(argv)?.spec

  // The names that may need work done first (the command or a subcommand), by length and first
  // letter, case folded: any other command is told apart by one table read, before any lookup
  // (the server asks before every command).
  const preparedNames = new Uint8Array(32 * 32)
  const preparedSlot = (length: number, first: number): number => (length << 5) | (first & 31)
  for (const c of table.values()) {
    const name = c.spec.name
    if (name.length < 32 && [c.spec, ...(c.spec.subcommands ?? [])].some((s) => s.before !== undefined)) {
      preparedNames[preparedSlot(name.length, name.charCodeAt(0))] = 1
    }
  }

  const preparation = (session: Session, argv: Buffer[]): Preparation | undefined => {
    const name = argv[0]!
    if (name.length === 0 || name.length >= 32 || preparedNames[preparedSlot(name.length, name[0]!)] === 0) return undefined
    const c = command(argv)
    const needed = c?.spec.before?.(argv)
    if (c === undefined || needed === undefined) return undefined
    if (c.protectedBy !== undefined && options.allowsProtected?.(c.protectedBy, session) === false) return undefined
    if (!c.noAuth && !session.authenticated && options.authRequired()) return undefined
    return c.adminOnly && !session.admin ? undefined : needed
  }

  /** The spec of a queued command that may add data (denyoom), else undefined. */
  const addsData = (argv: Buffer[]): CommandSpec | undefined => {
    const queued = command(argv)
    return queued?.denyoom === true ? queued.spec : undefined
  }

  const settle = (): void => {
    if (clock === undefined) return
    const now = performance.now()
    const untimed = clock.untimed
    if (untimed.length > 0) {
      const share = ((now - clock.mark) * 1000) / untimed.length
      // Popped rather than `length = 0`, which drops the storage the next push allocates again.
      while (untimed.length > 0) untimed.pop()!.usec += share
    }
    clock.mark = now
  }

  const dispatch = (ctx: CommandContext, argv: Buffer[]): Reply => {
    const session = ctx.session
    let command = lookup(argv[0]!)
    if (command === undefined) return reject(session, undefined, unknownCommand(argv))
    if (command.subcommands !== undefined) {
      const container = command.spec
      // The container's own arity and protection come first, as Redis checks them on the command
      // before its body looks at the subcommand.
      if (argv.length > 1 && container.protectedBy !== undefined && options.allowsProtected?.(container.protectedBy, session) === false) {
        return reject(session, command, protectedError(container))
      }
      if (argv.length > 1) {
        const sub = command.subcommands.get(argv[1]!.toString('latin1').toLowerCase())
        if (sub === undefined) {
          const name = cText(argv[1]!, 128)
          return reject(session, command, container.ownSubcommandErrors === true ? Errors.subcommandSyntax(name, container.name) : Errors.unknownSubcommand(name, container.name))
        }
        command = sub
      } else if (command.spec.execute === undefined) {
        return reject(session, command, command.arityError)
      }
    }
    const spec = command.spec
    const argc = argv.length
    if (spec.arity > 0 ? argc !== spec.arity : argc < -spec.arity) {
      const container = spec.name.slice(0, spec.name.indexOf('|'))
      return reject(session, command, command.parsedByContainer ? Errors.subcommandSyntax(cText(argv[1]!, 128), container) : command.arityError)
    }
    if (spec.protectedBy !== undefined && options.allowsProtected?.(spec.protectedBy, session) === false) {
      return reject(session, command, protectedError(spec))
    }
    if (!command.noAuth && !session.authenticated && options.authRequired()) return reject(session, command, Errors.noAuth)
    // Outside MULTI, this field test is all a transaction costs.
    const multi = session.multi
    const queueing = multi !== undefined && !multi.executing
    if (queueing && command.noMulti) return reject(session, command, NOT_IN_MULTI)
    if (command.adminOnly && !session.admin) {
      const shown = command.parsedByContainer ? spec.name.slice(0, spec.name.indexOf('|')) : spec.name
      return reject(session, command, error(`NOPERM User ${session.user} has no permissions to run the '${shown}' command`))
    }
    if (command.write || (queueing && command.exec && multi.writes)) {
      const refused = options.writesRefused()
      if (refused !== undefined) return reject(session, command, error(refused))
    }
    const tenant = session.tenant
    if (tenant.maxKeys > 0 || tenant.maxBytes > 0) {
      // Inside EXEC the commands were checked together before it ran (transactionQuotaError).
      const over = command.denyoom
        ? multi?.executing === true ? undefined : tenantQuotaError(ctx, spec, argv)
        : queueing && command.exec && multi.writes ? transactionQuotaError(ctx, multi.commands, addsData) : undefined
      if (over !== undefined) return reject(session, command, error(over))
    }
    // EXEC's queued commands run as Redis's call() runs them, past this check.
    if (session.pubsub !== undefined && session.resp === 2 && !command.subscribedMode && multi?.executing !== true) {
      return reject(
        session,
        command,
        error(`ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`),
      )
    }
    // After the subscribed-mode check, as Redis's processCommand; refused while queueing too.
    if (session.monitoring && command.keyspace) return reject(session, command, REPLICA_KEYSPACE)
    if (trackingLimit.overLimit) trackingLimit.limit()
    if (queueing && !command.control) {
      // A flagged transaction will never run: as Redis, its queue stops growing (CLIENT LIST multi=).
      if (!multi.aborted) {
        // Kept until EXEC, past the read that brought it.
        ownArgs(argv)
        multi.commands.push(argv)
        if (command.write) multi.writes = true
      }
      session.lastCommand = spec.name
      return QUEUED
    }
    tenant.ops++
    // EXEC's queued commands leave it named, as Redis's CLIENT LIST shows it meanwhile.
    if (multi === undefined || !multi.executing) session.lastCommand = spec.name
    stats.totalCommandsProcessed++
    const stat = command.stat
    // While this connection tracks keys, its table knows it is the one running (NOLOOP, and the
    // order of its own invalidations after this reply); restored after, for EXEC's commands.
    const tracking = session.tracking
    const running = tracking?.table.current
    if (tracking !== undefined) tracking.table.current = tracking
    let reply: Reply
    // With a slowlog threshold below FAST_COMMAND_BOUND_US, fast commands are timed one by one too.
    if (clock !== undefined && command.fast && !slowlog.timeEach) {
      reply = run(spec, ctx, argv, options.onCommandFailure)
      clock.untimed.push(stat)
    } else {
      if (clock !== undefined && clock.untimed.length > 0) settle()
      const started = clock === undefined ? performance.now() : clock.mark
      reply = run(spec, ctx, argv, options.onCommandFailure)
      const finished = performance.now()
      if (clock !== undefined) clock.mark = finished
      const usec = (finished - started) * 1000
      stat.usec += usec
      // Infinity while the slow log is off: this one comparison is all it costs.
      if (usec >= slowlog.threshold && command.slowlogged) logSlow(ctx, spec, argv, usec)
    }
    if (tracking !== undefined) {
      tracking.table.current = running
      if (command.readonly && !tracking.bcast) tracking.table.remember(tracking, spec, argv)
    }
    stat.calls++
    if (reply.kind === 'error') {
      stat.failedCalls++
      countError(reply)
    }
    // While nobody monitors, this test is all MONITOR costs.
    if (monitors.count !== 0 && command.monitored) monitors.feed(ctx, spec, argv)
    return reply
  }
  return Object.assign(dispatch, { resolve, command, preparation, settle })
}
