// The shape every command module exports, and the context its execute function receives.
// Dispatch (dispatch.ts) performs all generic checks from these specs: unknown command, arity,
// authentication and read-only. A command body only holds semantics.

import type { Reply } from '../protocol/reply.js'
import type { Keyspace, KeyspaceStats } from '../storage/keyspace.js'
import type { WatchedKeys } from '../storage/watches.js'
import type { PubSubHub, Subscriptions } from '../actors/pubsub.js'
import type { SlowLog } from '../actors/slowlog.js'
import type { ClientTracking, TrackingClient } from '../actors/tracking.js'

/** Redis's command flags, as COMMAND INFO reports them. */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'allow_busy'
  | 'no_multi'

export type CommandGroup =
  | 'connection' | 'server' | 'string' | 'hash' | 'hyperloglog' | 'generic' | 'keyspace' | 'transactions' | 'pubsub' | 'cluster'

/**
 * Key positions in argv (argv[0] is the command name), as Redis's legacy (first, last, step).
 * `last` -1 means the last argument, -2 the one before it. The tenant layer prefixes keys from
 * this declaration alone, so it must be exact.
 */
export interface KeyPositions {
  readonly first: number
  readonly last: number
  readonly step: number
}

export const NO_KEYS: KeyPositions = { first: 0, last: 0, step: 0 }

/** The work a command may need done before it runs (CommandSpec.before). */
export type Preparation = 'checkpoint' | 'tiering-pass' | 'config-rewrite'

export interface CommandSpec {
  /** Lowercase. A subcommand is named `container|sub`, e.g. `config|get`. */
  readonly name: string
  /** Redis convention: N means exactly N arguments including the name, -N means at least N. */
  readonly arity: number
  readonly flags: readonly CommandFlag[]
  readonly keys: KeyPositions
  readonly group: CommandGroup
  readonly summary: string
  /** The Redis version that introduced the command. */
  readonly since: string
  readonly complexity?: string
  /** The argument grammar, e.g. `key value [NX | XX]`; COMMAND DOCS and docs/commands.md show it. */
  readonly syntax?: string
  /**
   * For an `admin` command: tenants may run it too, because it only ever sees the tenant's own
   * part of the server (CLIENT LIST shows the tenant's connections). Other admin commands answer
   * tenants with -NOPERM.
   */
  readonly tenantScoped?: boolean
  /**
   * For a write that may store more bytes than its arguments hold (an offset that extends a
   * string, a copy of a stored value, a compressed payload): at most how many more, from the
   * arguments and the current values. The tenant quota adds it to its estimate (quota.ts);
   * invalid arguments, which the command refuses, add nothing.
   */
  readonly grows?: (ctx: CommandContext, argv: readonly Buffer[]) => number
  /**
   * Redis's CMD_PROTECTED: the option that must allow the command (`enable-debug-command`): `yes`,
   * or `local` for a client on a loopback address. Dispatch checks it right after the arity, before
   * authentication and before any subcommand is looked up, as processCommand does.
   */
  readonly protectedBy?: string
  /**
   * Redis parses this container's subcommands in the command body (DEBUG): an unknown one, or a
   * known one with the wrong number of arguments, is answered with addReplySubcommandSyntaxError's
   * text instead of the generic unknown-subcommand and arity errors.
   */
  readonly ownSubcommandErrors?: boolean
  /**
   * The positions of arguments that MONITOR and SLOWLOG show as `(redacted)`, as Redis's
   * redactClientCommandArgument (AUTH's password). Called only to log a command.
   */
  readonly redact?: (argv: readonly Buffer[]) => readonly number[]
  /**
   * Work done off the event loop before the command runs, which the connection waits for
   * (ServerRuntime.prepare), and whose outcome the command then takes from the server: a
   * checkpoint of every write so far (SAVE, DEBUG RELOAD: ServerContext.takeSave), a tiering
   * pass (TIERING RUN: takeTieringRun), the config file rewritten (CONFIG REWRITE:
   * takeConfigRewrite). Says, from the arguments, what this call needs, if anything (DEBUG RELOAD
   * NOSAVE needs nothing, nor one that its options will refuse). Such a command is refused inside
   * MULTI (as no_multi): the work could not wait in the middle of EXEC, and done before EXEC it
   * would miss what the commands queued ahead of it change. Redis runs CONFIG REWRITE and DEBUG
   * RELOAD in a transaction; this is the one difference.
   */
  readonly before?: (argv: readonly Buffer[]) => Preparation | undefined
  /** Subcommands; dispatch selects one by argv[1]. */
  readonly subcommands?: readonly CommandSpec[]
  /**
   * The command's semantics. Receives the whole argv (argv[0] is the command name as sent).
   * Returns a semantic reply; never throws for user errors (return an error reply instead).
   * Optional only for containers whose every form is a subcommand.
   */
  readonly execute?: (ctx: CommandContext, argv: Buffer[]) => Reply
}

/** Per-connection state that commands may read and change. */
export interface Session {
  readonly id: number
  /** Peer address as `ip:port`. */
  readonly addr: string
  /** Local address as `ip:port`. */
  readonly laddr: string
  readonly createdAt: number
  name: string
  libName: string
  libVer: string
  /** Protocol version the encoder uses for this connection's replies. */
  resp: 2 | 3
  dbIndex: number
  db: Keyspace
  authenticated: boolean
  /** `default` (the admin, or anyone when no password is set) or the tenant's id. */
  user: string
  /** The tenant whose databases the connection works in (`default`: the server's own). */
  tenant: TenantScope
  /** Whether admin commands are allowed: not for a tenant. */
  admin: boolean
  /** AUTH failures on this connection in a row; later attempts are slowed down. */
  authFailures: number
  /** Last command name, for CLIENT LIST `cmd=`. */
  lastCommand: string
  lastInteraction: number
  /** Set by QUIT, CLIENT KILL and protocol errors: close the connection once replies are written. */
  closeAfterReply: boolean
  /** Between MULTI and EXEC or DISCARD: the commands queued (dispatch tests this field alone). */
  multi: Transaction | undefined
  /** The keys WATCH watches, while any are (or a watch broke and EXEC has not answered yet). */
  watching: WatchedKeys | undefined
  /**
   * The channels, patterns and shard channels subscribed to, while there is any (Redis's
   * CLIENT_PUBSUB): dispatch tests this field alone for RESP2's subscribed mode.
   */
  pubsub: Subscriptions | undefined
  /**
   * CLIENT REPLY: REPLY_OFF, REPLY_SKIP (this command's reply is dropped) and REPLY_SKIP_NEXT
   * bits; 0 (every reply sent) is all the connection tests per command.
   */
  replyMode: number
  /** In MONITOR mode (actors/monitors.ts): CLIENT LIST flag O; RESET ends it. */
  monitoring: boolean
  /**
   * CLIENT TRACKING's state while it is on (actors/tracking.ts): dispatch tests this field alone
   * for remembering the keys a command read.
   */
  tracking: TrackingClient | undefined
}

/** MONITOR's registry (actors/monitors.ts). */
export interface MonitorHub {
  /** Monitoring connections; dispatch feeds a command only while there is any. */
  readonly count: number
  add(ctx: CommandContext): void
  remove(session: Session): void
  /** Shows a command that ran to the monitors of its tenant. */
  feed(ctx: CommandContext, spec: CommandSpec, argv: readonly Buffer[]): void
}

/** CLIENT REPLY OFF: no reply is sent until CLIENT REPLY ON. */
export const REPLY_OFF = 1
/** The reply of the command running now is dropped (the one after CLIENT REPLY SKIP). */
export const REPLY_SKIP = 2
/** Set by CLIENT REPLY SKIP: the next command's reply is dropped. */
export const REPLY_SKIP_NEXT = 4

/** CLIENT PAUSE's modes: WRITE holds only commands that write (or may propagate), ALL every one. */
export type PauseMode = 'write' | 'all'

/** CLIENT PAUSE and UNPAUSE (actors/client-pause.ts). */
export interface PauseControl {
  /** Pauses the tenant's clients (the default tenant's: every client) until `end` (ms since the epoch). */
  pause(tenant: string, end: number, mode: PauseMode): void
  unpause(tenant: string): void
}

/** A transaction being queued, MULTI to EXEC. */
export interface Transaction {
  /** Each queued command's arguments, owned (never views of a read buffer). */
  readonly commands: Buffer[][]
  /** A command was refused while queueing (Redis's CLIENT_DIRTY_EXEC): EXEC answers EXECABORT. */
  aborted: boolean
  /** Some queued command writes: EXEC is refused as a write is while writes are refused. */
  writes: boolean
  /** Set while EXEC runs the queued commands: they run, not queue (CLIENT LIST still shows x). */
  executing: boolean
}

/** The admin's user name, as Redis's default user; also the default tenant's id. */
export const DEFAULT_USER = 'default'

/** The durability a tenant asks for, overriding appendfsync for its writes. */
export type TenantDurability = 'always' | 'everysec'

/** A tenant as commands see it: its databases and its limits. */
export interface TenantScope {
  /** `default` for the server's own databases. */
  readonly id: string
  /** Its keyspaces are numbered num * 65536 + db (0: the default tenant). */
  readonly num: number
  /** Its databases, SELECT 0..n-1 (SWAPDB exchanges two of them in place). */
  readonly databases: readonly Keyspace[]
  /** Quotas; 0 means none. */
  readonly maxKeys: number
  readonly maxBytes: number
  /** Undefined: the server's appendfsync. */
  readonly durability: TenantDurability | undefined
  /** Set once the tenant is dropped: its connections are being closed. */
  readonly dropped: boolean
  /** Commands run in the tenant (dispatch counts them). */
  ops: number
  /** The tenant's own slow log: SLOWLOG shows a tenant only its commands (actors/slowlog.ts). */
  readonly slowlog: SlowLog
}

/** Per-command counters for INFO commandstats. */
export interface CommandStat {
  calls: number
  usec: number
  rejectedCalls: number
  failedCalls: number
}

export interface ServerStats extends KeyspaceStats {
  readonly startedAt: number
  totalConnectionsReceived: number
  totalCommandsProcessed: number
  rejectedConnections: number
  totalNetInputBytes: number
  totalNetOutputBytes: number
  totalErrorReplies: number
  readonly commands: Map<string, CommandStat>
  readonly errors: Map<string, number>
}

/** A view of a connected client that CLIENT LIST/KILL and INFO clients use. */
export interface ClientHandle {
  readonly session: Session
  /** Bytes queued for the socket but not yet written. */
  readonly pendingOutputBytes: number
  /** Bytes of an unfinished command held by the decoder (CLIENT LIST qbuf). */
  readonly queryBufferBytes: number
  /** Closes the connection after the replies already queued. */
  kill(): void
}

export interface ClientRegistry {
  readonly size: number
  all(): Iterable<ClientHandle>
  byId(id: number): ClientHandle | undefined
}

/** Runtime configuration (CONFIG GET/SET): every server option by its redis.conf name. */
export interface ConfigStore {
  /** The current value formatted as CONFIG GET prints it, or undefined for an unknown name. */
  get(name: string): string | undefined
  /** Names matching a CONFIG GET glob pattern, with values. */
  match(pattern: string): [string, string][]
  /**
   * Checks a value without applying it (CONFIG SET is all-or-nothing). Returns Redis's error
   * text without the `ERR ` prefix, e.g. `Unknown option or number of arguments for CONFIG SET -
   * 'x'` or `CONFIG SET failed (possibly related to argument 'x') - <reason>`; undefined if valid.
   */
  validate(name: string, value: string): string | undefined
  /** Validates and applies; returns the same error texts as validate, or undefined on success. */
  set(name: string, value: string): string | undefined
  /** Typed access for the server's own code. */
  number(name: string): number
  string(name: string): string
}

export interface ServerContext {
  readonly config: ConfigStore
  /** The tenant registry: AUTH, the TENANT commands, quotas. */
  readonly tenants: TenantRegistry
  /** Channels and patterns with their subscribers, per tenant (never persisted). */
  readonly pubsub: PubSubHub
  /** CLIENT PAUSE's state: the connections hold commands while it holds them. */
  readonly clientPause: PauseControl
  /** The connections in MONITOR mode. */
  readonly monitors: MonitorHub
  /** Client-side caching: each tenant's tracking table (CLIENT TRACKING). */
  readonly tracking: ClientTracking
  readonly stats: ServerStats
  readonly clients: ClientRegistry
  readonly runId: string
  readonly version: string
  /** The port the listener actually bound (differs from config when `port 0`). */
  readonly port: number
  readonly executablePath: string
  readonly configFile: string
  /** Wall clock in ms. */
  now(): number
  /**
   * Whether the expiry actor's active cycle reclaims expired keys (DEBUG SET-ACTIVE-EXPIRE, as
   * Redis's active_expire_enabled). Off, expired keys go only when a command touches them.
   */
  activeExpire: boolean
  /**
   * Set while storage refuses writes (a WAL failure): the MISCONF text dispatch refuses write
   * commands with. A command that writes only in passing (PFCOUNT's cache) tests it and skips the write.
   */
  readonly writesRefusedReason: string | undefined
  /** Starts a graceful shutdown (SHUTDOWN): stop accepting, drain, release, exit 0. */
  requestShutdown(): void
  /** All command specs, for COMMAND and its subcommands. */
  readonly commands: ReadonlyMap<string, CommandSpec>
  /** The write-ahead log and checkpoints, as INFO persistence and LASTSAVE report them. */
  persistence(): PersistenceStatus
  /** What the data takes in memory and on disk, for INFO memory and INFO persistence. */
  storage(): StorageStatus
  /** Starts a checkpoint in the background (BGSAVE, BGREWRITEAOF). */
  /** With `schedule`, a checkpoint running means another one after it ('scheduled'). */
  requestCheckpoint(schedule?: boolean): 'started' | 'running' | 'scheduled' | 'off'
  /** Segments and bytes per tier, migrations, the last pass (INFO tiering, TIERING STATUS). */
  tieringStatus(): TieringStatus
  /** Segments holding keys of tenant number `tenant`, per tier (TENANT INFO). */
  tenantTiers(tenant: number): TierPlacement
  /** The pass TIERING RUN waited for before it ran on this connection (undefined: none ran). */
  takeTieringRun(session: Session): TieringRun | undefined
  /** 'ok', or why the config file could not be rewritten, for CONFIG REWRITE (taken once). */
  takeConfigRewrite(session: Session): string | undefined
  /**
   * What became of the checkpoint SAVE waited for before it ran on this connection: installed,
   * failed, or none run because one was running already or persistence is off.
   */
  takeSave(session: Session): SaveOutcome
}

export type SaveOutcome = 'saved' | 'failed' | 'running' | 'off'

export interface TierPlacement {
  readonly ssdSegments: number
  readonly ssdBytes: number
  readonly hddSegments: number
  readonly hddBytes: number
}

export interface TieringStatus extends TierPlacement {
  /** False without a store (appendonly no). */
  readonly enabled: boolean
  readonly demotions: number
  readonly promotions: number
  readonly bytesMoved: number
  /** Time spent moving segments, in ms (bytesMoved over it is the migration throughput). */
  readonly moveMs: number
  readonly errors: number
  readonly lastError: string
  readonly passes: number
  /** ms since the epoch; 0 before the first pass. */
  readonly lastRunAt: number
  readonly inProgress: boolean
}

export interface TieringRun {
  readonly moves: readonly { readonly id: number; readonly to: 'ssd' | 'hdd'; readonly reason: string }[]
  readonly moved: number
  readonly failed: number
}

export interface StorageStatus {
  /** Approximate bytes of the records held in memory (all databases). */
  readonly residentBytes: number
  /** Records held in memory. */
  readonly residentKeys: number
  /** Keys whose newest version is only in the store (evicted, or not read back since start). */
  readonly diskOnlyKeys: number
  /** Records dropped from memory to stay within maxmemory (they stay in the store). */
  readonly evictedToDisk: number
  /** The process's memory besides the data, as the memory budget counts it. */
  readonly memoryOverheadBytes: number
  /** What the data may use: maxmemory less that overhead (0 without maxmemory). */
  readonly dataBudgetBytes: number
  /** Times writes were held because memory was over maxmemory, and the time they were held. */
  readonly writeStalls: number
  readonly writeStallMs: number
  /** Keys read back from the store for a command. */
  readonly diskReads: number
  /** Records changed since the last flush to the store. */
  readonly dirtyKeys: number
  /** The store's memory outside the records: block cache, segment indexes, bloom filters. */
  readonly storeMemoryBytes: number
  readonly segments: number
  readonly segmentBytes: number
  readonly flushes: number
  readonly compactions: number
  readonly compactedBytes: number
  readonly compactionInProgress: boolean
}

export interface PersistenceStatus {
  /** appendonly: whether writes go to the WAL at all. */
  readonly enabled: boolean
  readonly lastWriteOk: boolean
  readonly walLastLsn: number
  readonly walSyncedLsn: number
  /** Group commits (WAL records) written, and the socket reads' worth of writes they carried. */
  readonly batches: number
  readonly batchedWrites: number
  readonly bytes: number
  readonly failedBatches: number
  /** Bytes of executed writes waiting for the WAL, and how often a reader paused for them. */
  readonly backlogBytes: number
  readonly backlogPauses: number
  readonly fsyncP50Us: number
  readonly fsyncP99Us: number
  readonly walSegments: number
  readonly walFreeSegments: number
  readonly walBytesSinceCheckpoint: number
  /** Ops written since the last checkpoint: what a restart would replay. */
  readonly walOpsSinceCheckpoint: number
  readonly checkpointInProgress: boolean
  /** ms since the epoch. */
  readonly checkpointStartedAt: number
  readonly lastSaveTime: number
  readonly lastCheckpointOk: boolean
  readonly lastCheckpointDurationSec: number
  readonly changesSinceLastSave: number
}

/** What the TENANT commands and AUTH use of the tenant actor (actors/tenants.ts). */
export interface TenantRegistry {
  /** The server's own databases (no tenant). */
  readonly default: TenantScope
  get(id: string): TenantScope | undefined
  list(): TenantScope[]
  readonly size: number
  /**
   * Whether `password` is the tenant's, as prepared for this command by the connection (the
   * scrypt derivation runs off the event loop before the command, see prepareAuth).
   */
  checkPassword(session: Session, id: string, password: Buffer): boolean
  /** Undefined on success, else the error text without a prefix code. */
  create(session: Session, id: string, password: Buffer, options: TenantOptions): string | undefined
  drop(id: string): boolean
  /**
   * SWAPDB: the tenant's databases `a` and `b` (valid indexes) exchange their contents at once;
   * the tenant's connections SELECTed into either see the other's from now on.
   */
  swapDatabases(tenant: TenantScope, a: number, b: number): void
  passwd(session: Session, id: string, password: Buffer): boolean
  set(id: string, options: TenantOptions): boolean
  /** Keys, bytes, ops/s, connections of one tenant. */
  usage(tenant: TenantScope): TenantUsage
  /** Whether a write adding `newKeys` keys and `newBytes` bytes stays within the tenant's quotas. */
  quotaError(tenant: TenantScope, newKeys: number, newBytes: number): string | undefined
}

export interface TenantOptions {
  readonly maxKeys?: number
  readonly maxBytes?: number
  /** `default`: follow appendfsync again. */
  readonly durability?: TenantDurability | 'default'
}

export interface TenantUsage {
  readonly keys: number
  readonly bytes: number
  readonly opsPerSec: number
  readonly connections: number
}

export interface CommandContext {
  readonly session: Session
  readonly server: ServerContext
  /**
   * Runs command `index` of the transaction EXEC is running through dispatch, with its generic
   * checks and counters, and with what was gathered for it before EXEC ran (staging).
   */
  runQueued(argv: Buffer[], index: number): Reply
  /**
   * Queues an out-of-band reply (a Pub/Sub message) on this connection's output, after the
   * replies of the commands that ran before it; never waits.
   */
  deliver(message: Reply): void
  /**
   * Queues an out-of-band reply right after the reply of the command running now on this
   * connection (MONITOR shows a monitor its own command after that command's reply).
   */
  deliverAfterReply(message: Reply): void
}
