// The server actor: owns the listener, the databases, the client registry and the shared
// counters, and is the ServerContext every command sees. Its lifetime is an Effect scope:
// acquiring it listens; releasing it stops accepting, lets every connection write the replies
// already produced, closes them, and stops the background actors.

import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { mkdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import * as Deferred from 'effect/Deferred'
import * as Effect from 'effect/Effect'
import * as Scope from 'effect/Scope'
import type { ClientRegistry, CommandSpec, PersistenceStatus, SaveOutcome, ServerContext, ServerStats, Session, StorageStatus, TierPlacement, TieringStatus } from '../commands/spec.js'
import type { SegmentInfo } from '../storage/manifest.js'
import { commandSpecs } from '../commands/registry.js'
import { makeDispatch, type BatchClock, type Dispatch } from '../commands/dispatch.js'
import { MemoryKeyspace } from '../storage/memory-keyspace.js'
import { Keyspaces } from '../storage/keyspaces.js'
import { SYSTEM_SPACE, Tenants, runTenantRates } from './tenants.js'
import { RuntimeConfig } from '../config/store.js'
import type { LoadedConfig } from '../config/load.js'
import { rewriteConfigFile } from '../config/rewrite.js'
import { systemErrorText } from '../storage/durable-dir.js'
import { Logger, describeError, type LogLevel } from '../log.js'
import { Connection } from './connection.js'
import { runExpiryActor } from './expiry.js'
import { runIdleClientsActor } from './idle-clients.js'
import { Durability, NO_DURABILITY, persistenceOff, type FsyncPolicy, type WriteBacklog } from './durability.js'
import { Checkpointer } from './checkpoint.js'
import { Journal } from '../durability/journal.js'
import { recover } from '../durability/recovery.js'
import { LsmStore } from '../storage/lsm-store.js'
import { decodeStoreKey, prefixEnd, storeKeyPrefix, tenantRange } from '../storage/store-keys.js'
import { Stager } from './staging.js'
import { newEvictionStats, runEvictionActor, WriteStall, type EvictionStats } from './eviction.js'
import { fitYoungGeneration } from './young-generation.js'
import { OutputFlusher } from './output-flusher.js'
import { KeyspaceEvents } from '../storage/keyspace-events.js'
import { PubSubHub } from './pubsub.js'
import { ClientPause } from './client-pause.js'
import { Monitors } from './monitors.js'
import { ClientTracking } from './tracking.js'
import { slowlogLimits } from './slowlog.js'
import { parseOutputBufferLimits, type OutputBufferLimit } from '../config/options.js'
import { Tiering, runTieringActor, type TieringPassResult } from './tiering.js'
import type { DurabilityGate } from '../pipeline/holdUntilDurable.js'
import { openNativeWal } from '../wal/native-wal.js'
import type { RecoveryMode, Wal } from '../wal/wal.js'
import { decodeStoredValue } from '../storage/stored-value.js'

export const VERSION = '7.0.15'

/** Fresh counters for INFO stats and commandstats. */
export const newServerStats = (startedAt = Date.now()): ServerStats => ({
  startedAt,
  hits: 0,
  misses: 0,
  expiredKeys: 0,
  totalConnectionsReceived: 0,
  totalCommandsProcessed: 0,
  rejectedConnections: 0,
  totalNetInputBytes: 0,
  totalNetOutputBytes: 0,
  totalErrorReplies: 0,
  commands: new Map(),
  errors: new Map(),
})

export class ServerRuntime implements ServerContext, ClientRegistry {
  readonly config: RuntimeConfig
  /** Every keyspace: each tenant's databases (the default tenant's too) and the registry's. */
  readonly keyspaces: Keyspaces
  readonly tenants: Tenants
  /** How many keyspaces are not complete (some keys only on disk); staging is skipped at 0. */
  readonly incomplete = { count: 0 }
  readonly stats: ServerStats = newServerStats()
  readonly runId = randomBytes(20).toString('hex')
  readonly version = VERSION
  readonly executablePath = process.argv[1] ?? ''
  readonly configFile: string
  readonly commands: ReadonlyMap<string, CommandSpec>
  readonly dispatch: Dispatch
  readonly log: Logger
  port = 0
  activeExpire = true
  private readonly connections = new Map<number, Connection>()
  private nextClientId = 1
  /** Text that write commands are refused with, while storage cannot accept writes. */
  writesRefusedReason: string | undefined
  /** Collects every change commands make, for the WAL; off until recovery has finished. */
  readonly journal = new Journal(false)
  /** Decides when replies may leave: the durability actor once the WAL is open. */
  gate: DurabilityGate & WriteBacklog = NO_DURABILITY
  durability: Durability | undefined
  wal: Wal | undefined
  checkpointer: Checkpointer | undefined
  store: LsmStore | undefined
  readonly eviction: EvictionStats = newEvictionStats()
  /** Holds writes while memory is over maxmemory (the eviction actor begins and ends stalls). */
  readonly writeStall = new WriteStall()
  /** Writes every connection's replies of an event-loop turn together, after the turn's reads. */
  readonly flusher = new OutputFlusher()
  readonly pubsub = new PubSubHub()
  /** Keyspace notifications, published through the hub to the changed keyspace's tenant. */
  readonly events = new KeyspaceEvents(this.pubsub, (num) => this.tenants.idOf(num))
  readonly clientPause = new ClientPause()
  readonly monitors = new Monitors()
  /** Client-side caching: the tenants' tracking tables (CLIENT TRACKING). */
  readonly tracking = new ClientTracking((id) => this.connections.get(id))
  private outputLimits: { text: string; pubsub: OutputBufferLimit } | undefined
  tiering: Tiering | undefined
  /** Reads keys back from the store before commands that need them (absent without a store). */
  stager: Stager | undefined
  /**
   * The wall clock as of the current batch. Like Redis's cached mstime, commands and expiry
   * checks read this instead of the system clock; tick() refreshes it once per socket read.
   */
  private cachedNow = Date.now()
  private readonly batchClock: BatchClock = { mark: performance.now(), untimed: [] }

  /** client-output-buffer-limit's pubsub class, parsed again only when the option changed. */
  pubsubOutputLimit(): OutputBufferLimit {
    const text = this.config.string('client-output-buffer-limit')
    if (this.outputLimits?.text !== text) {
      const parsed = parseOutputBufferLimits(text)
      // The option was validated when set: a parse failure cannot happen, and means no limit.
      const pubsub = typeof parsed === 'string' ? { hard: 0, soft: 0, seconds: 0 } : parsed.get('pubsub')!
      this.outputLimits = { text, pubsub }
    }
    return this.outputLimits.pubsub
  }

  constructor(
    loaded: LoadedConfig,
    private readonly shutdown: Deferred.Deferred<void>,
  ) {
    this.config = new RuntimeConfig(loaded.values)
    this.configFile = loaded.file
    this.log = new Logger(this.config.string('loglevel') as LogLevel, this.config.string('logfile'))
    this.config.onChange('loglevel', (level) => this.log.setLevel(level as LogLevel))
    this.events.configure(this.config.number('notify-keyspace-events'))
    this.config.onChange('notify-keyspace-events', (flags) => this.events.configure(flags as number))
    const clock = () => this.cachedNow
    this.keyspaces = new Keyspaces(
      (space) =>
        new MemoryKeyspace({
          clock,
          stats: this.stats,
          space,
          log: this.journal,
          trackDirty: this.config.boolean('appendonly'),
          incomplete: this.incomplete,
          events: this.events,
        }),
      this.journal,
    )
    this.tenants = new Tenants(
      this.keyspaces,
      this.config.number('databases'),
      (tenant) => [...this.connections.values()].filter((c) => c.session.tenant === tenant),
      this.log,
      () => this.config.string('requirepass'),
    )
    this.commands = new Map(commandSpecs.map((s) => [s.name, s]))
    const slowlog = slowlogLimits(this.config.number('slowlog-log-slower-than'), this.config.number('slowlog-max-len'))
    const updateSlowlog = (): void => {
      Object.assign(slowlog, slowlogLimits(this.config.number('slowlog-log-slower-than'), this.config.number('slowlog-max-len')))
    }
    this.config.onChange('slowlog-log-slower-than', updateSlowlog)
    this.config.onChange('slowlog-max-len', updateSlowlog)
    this.tracking.configure(this.config.number('tracking-table-max-keys'))
    this.config.onChange('tracking-table-max-keys', (max) => this.tracking.configure(max as number))
    this.dispatch = makeDispatch(commandSpecs, {
      slowlog,
      monitors: this.monitors,
      tracking: this.tracking,
      stats: this.stats,
      authRequired: () => this.authRequired(),
      writesRefused: () => this.writesRefusedReason,
      batchClock: this.batchClock,
      allowsProtected: (option, session) => this.allowsProtected(option, session),
      onCommandFailure: (command, e) =>
        this.log.warning(`Command '${command}' failed: ${describeError(e)}`),
    })
  }

  get clients(): ClientRegistry {
    return this
  }

  get size(): number {
    return this.connections.size
  }

  all(): Iterable<Connection> {
    return this.connections.values()
  }

  byId(id: number): Connection | undefined {
    return this.connections.get(id)
  }

  /**
   * What a command needs done off the event loop before it runs: what its spec declares
   * (CommandSpec.before: a checkpoint, a tiering pass, the config file rewritten), and password
   * derivations (AUTH as a tenant, TENANT CREATE/PASSWD). Undefined for every other command.
   */
  prepare(session: Session, argv: Buffer[]): Promise<void> | undefined {
    switch (this.dispatch.preparation(session, argv)) {
      case 'checkpoint':
        return this.prepareSave(session)
      case 'tiering-pass': {
        const tiering = this.tiering
        if (tiering === undefined) return undefined
        return tiering.run().then((result) => {
          this.tieringRuns.set(session, result)
        })
      }
      case 'config-rewrite':
        return this.prepareConfigRewrite(session)
      case undefined:
        return this.tenants.prepare(session, argv)
    }
  }

  /**
   * CONFIG REWRITE's file write, off the event loop (rewriteConfigFile: a temporary file, fsync,
   * rename); its outcome is taken by the command. None without a config file.
   */
  private prepareConfigRewrite(session: Session): Promise<void> | undefined {
    if (this.configFile === '') return undefined
    const config = this.config
    return rewriteConfigFile(this.configFile, (spec) => config.value(spec.name) ?? spec.default).then(
      () => {
        this.configRewrites.set(session, 'ok')
      },
      (e: unknown) => {
        this.log.warning(`CONFIG REWRITE failed: ${systemErrorText(e)}`)
        this.configRewrites.set(session, systemErrorText(e))
      },
    )
  }

  takeConfigRewrite(session: Session): string | undefined {
    const outcome = this.configRewrites.get(session)
    this.configRewrites.delete(session)
    return outcome
  }

  /** 'ok', or the error text of the rewrite this connection waited for. */
  private readonly configRewrites = new WeakMap<Session, string>()

  /**
   * A checkpoint of every write so far, waited for (SAVE, DEBUG RELOAD); none if one runs or
   * persistence is off.
   */
  private prepareSave(session: Session): Promise<void> | undefined {
    const checkpointer = this.checkpointer
    if (checkpointer === undefined || checkpointer.inProgress) {
      this.saves.set(session, checkpointer === undefined ? 'off' : 'running')
      return undefined
    }
    return checkpointer.run().then((installed) => {
      this.saves.set(session, installed ? 'saved' : 'failed')
    })
  }

  takeSave(session: Session): SaveOutcome {
    const outcome = this.saves.get(session)
    this.saves.delete(session)
    // Not prepared: the checkpoint that ran, if any, was not this command's to report.
    return outcome ?? (this.checkpointer === undefined ? 'off' : 'running')
  }

  private readonly saves = new WeakMap<Session, SaveOutcome>()

  /** The pass TIERING RUN waited for on this connection (taken once). */
  takeTieringRun(session: Session): TieringPassResult | undefined {
    const result = this.tieringRuns.get(session)
    this.tieringRuns.delete(session)
    return result
  }

  private readonly tieringRuns = new WeakMap<Session, TieringPassResult>()

  /** Redis's allowProtectedAction: `yes`, or `local` for a client on a loopback address. */
  allowsProtected(option: string, session: Session): boolean {
    const setting = this.config.string(option)
    if (setting === 'yes') return true
    if (setting !== 'local') return false
    const ip = session.addr.slice(0, session.addr.lastIndexOf(':'))
    return ip.startsWith('127.') || ip === '::1'
  }

  authRequired(): boolean {
    return this.config.string('requirepass') !== ''
  }

  now(): number {
    return this.cachedNow
  }

  /** Refreshes the cached clock; called when a batch of commands is about to run. */
  tick(): number {
    // Restarts the command clock (see BatchClock): the wait for this read is nobody's.
    this.dispatch.settle()
    return (this.cachedNow = Date.now())
  }

  persistence(): PersistenceStatus {
    const { durability, wal, checkpointer } = this
    if (durability === undefined || wal === undefined || checkpointer === undefined) {
      return persistenceOff(this.stats.startedAt)
    }
    const ws = wal.stats()
    const ds = durability.stats
    return {
      enabled: true,
      lastWriteOk: ds.lastWriteOk,
      walLastLsn: durability.lastLsn,
      walSyncedLsn: wal.syncedLsn,
      batches: ds.batches,
      batchedWrites: ds.fragments,
      bytes: ds.bytes,
      failedBatches: ds.failedBatches,
      backlogBytes: durability.backlogBytes,
      backlogPauses: ds.backlogPauses,
      fsyncP50Us: durability.fsyncPercentile(50),
      fsyncP99Us: durability.fsyncPercentile(99),
      walSegments: ws.segments,
      walFreeSegments: ws.freeSegments,
      walBytesSinceCheckpoint: ws.bytesSinceCheckpoint,
      walOpsSinceCheckpoint: checkpointer.opsSinceCheckpoint,
      checkpointInProgress: checkpointer.inProgress,
      checkpointStartedAt: checkpointer.startedAt,
      lastSaveTime: checkpointer.lastSaveTime,
      lastCheckpointOk: checkpointer.lastOk,
      lastCheckpointDurationSec: checkpointer.lastDurationSec,
      changesSinceLastSave: checkpointer.changesSinceLastSave,
    }
  }

  storage(): StorageStatus {
    const store = this.store
    let residentBytes = 0
    let dirtyKeys = 0
    let residentKeys = 0
    let diskOnlyKeys = 0
    for (const db of this.keyspaces.all) {
      residentBytes += db.residentBytes
      dirtyKeys += db.dirtyCount
      residentKeys += db.residentCount
      diskOnlyKeys += db.size - db.residentCount
    }
    return {
      residentBytes,
      residentKeys,
      diskOnlyKeys,
      evictedToDisk: this.eviction.evictedKeys,
      memoryOverheadBytes: this.eviction.overheadBytes,
      dataBudgetBytes: this.eviction.dataBudgetBytes,
      writeStalls: this.writeStall.count,
      writeStallMs: this.writeStall.stalledMs(performance.now()),
      diskReads: this.stager?.reads ?? 0,
      dirtyKeys,
      storeMemoryBytes: store?.residentBytes ?? 0,
      segments: store?.segments.length ?? 0,
      segmentBytes: store?.segments.reduce((n, s) => n + s.bytes, 0) ?? 0,
      flushes: store?.stats.flushes ?? 0,
      compactions: store?.stats.compactions ?? 0,
      compactedBytes: store?.stats.compactedBytes ?? 0,
      compactionInProgress: store?.compactionRunning ?? false,
    }
  }

  tieringStatus(): TieringStatus {
    const store = this.store
    const tiering = this.tiering
    const placement = placementOf(store?.segments ?? [], () => true)
    const stats = store?.tiering
    return {
      ...placement,
      enabled: store !== undefined,
      demotions: stats?.demotions ?? 0,
      promotions: stats?.promotions ?? 0,
      bytesMoved: stats?.bytesMoved ?? 0,
      moveMs: stats?.moveMs ?? 0,
      errors: stats?.errors ?? 0,
      lastError: stats?.lastError ?? '',
      passes: tiering?.passes ?? 0,
      lastRunAt: tiering?.lastRunAt ?? 0,
      inProgress: tiering?.inProgress ?? false,
    }
  }

  tenantTiers(tenant: number): TierPlacement {
    const from = tenantRange(tenant)
    const to = tenantRange(tenant + 1)
    return placementOf(this.store?.segments ?? [], (s) => Buffer.compare(s.lastKey, from) >= 0 && Buffer.compare(s.firstKey, to) < 0)
  }

  requestCheckpoint(schedule = false): 'started' | 'running' | 'scheduled' | 'off' {
    const checkpointer = this.checkpointer
    if (checkpointer === undefined) return 'off'
    if (checkpointer.inProgress) {
      if (!schedule) return 'running'
      checkpointer.schedule()
      return 'scheduled'
    }
    void checkpointer.run()
    return 'started'
  }

  requestShutdown(): void {
    Deferred.unsafeDone(this.shutdown, Effect.void)
  }

  accept(socket: Socket): void {
    this.stats.totalConnectionsReceived++
    if (this.connections.size >= this.config.number('maxclients')) {
      this.stats.rejectedConnections++
      // Read (and dropped) to the client's end, so the socket closes once both sides are done.
      socket.resume()
      socket.end('-ERR max number of clients reached\r\n')
      return
    }
    const connection = new Connection(socket, this, this.nextClientId++)
    this.connections.set(connection.session.id, connection)
    connection.start()
  }

  removeClient(connection: Connection): void {
    this.connections.delete(connection.session.id)
  }

  /**
   * Closes every connection after the replies already produced, waiting up to `ms` for them, then
   * destroys what is left: a peer that has not closed its side would otherwise keep the listener
   * from closing (Redis exits without waiting for any peer).
   */
  async drain(ms: number): Promise<void> {
    // Commands held by CLIENT PAUSE run, so that their connections can drain.
    this.clientPause.unpauseAll()
    const open = [...this.connections.values()]
    for (const c of open) c.kill()
    await Promise.race([Promise.all(open.map((c) => c.done)), new Promise((r) => setTimeout(r, ms).unref())])
    for (const c of open) c.destroy()
  }
}

const placementOf = (segments: readonly SegmentInfo[], include: (s: SegmentInfo) => boolean): TierPlacement => {
  const placement = { ssdSegments: 0, ssdBytes: 0, hddSegments: 0, hddBytes: 0 }
  for (const s of segments) {
    if (!include(s)) continue
    if (s.tier === 'hdd') {
      placement.hddSegments++
      placement.hddBytes += s.bytes
    } else {
      placement.ssdSegments++
      placement.ssdBytes += s.bytes
    }
  }
  return placement
}

/**
 * Reads the tenant registry's keyspace back from the store in full (the registry is small and
 * stays resident), then rebuilds the registry and creates every tenant's databases.
 */
const loadRegistry = async (runtime: ServerRuntime, store: LsmStore): Promise<void> => {
  const system = runtime.keyspaces.get(SYSTEM_SPACE)
  if (!system.complete) {
    const prefix = storeKeyPrefix(SYSTEM_SPACE, system.generation)
    for await (const batch of store.scanLive(prefix, prefixEnd(prefix), { now: runtime.now(), countAsRead: false })) {
      for (const entry of batch) system.install(entry.key.subarray(prefix.length), decodeStoredValue(entry.type, Buffer.from(entry.value)), entry.expiresAt)
    }
    system.endCount()
  }
  runtime.tenants.load()
}

/** The block cache's share of maxmemory (32 MB without a limit). */
const blockCacheBytes = (maxmemory: number): number =>
  maxmemory > 0 ? Math.max(1 << 20, Math.min(32 << 20, Math.floor(maxmemory / 8))) : 32 << 20

const listen = (server: NetServer, port: number, host: string): Promise<number> =>
  new Promise((resolvePort, reject) => {
    server.once('error', reject)
    server.listen({ port, host, backlog: 511 }, () => {
      server.off('error', reject)
      const address = server.address()
      resolvePort(typeof address === 'object' && address !== null ? address.port : port)
    })
  })

/**
 * Starts the server in the current scope: data directory, listener, background actors. The
 * scope's release is the graceful shutdown sequence.
 */
export const startServer = (
  loaded: LoadedConfig,
): Effect.Effect<ServerRuntime & { readonly shutdownRequested: Effect.Effect<void> }, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const shutdown = yield* Deferred.make<void>()
    const runtime = new ServerRuntime(loaded, shutdown)
    const dir = resolve(runtime.config.string('dir'))
    yield* Effect.try({
      try: () => mkdirSync(dir, { recursive: true }),
      catch: (e) => new Error(`cannot create data directory '${dir}': ${(e as Error).message}`),
    })
    runtime.log.notice(`we-trust-redis ${VERSION} (Redis-compatible) starting, pid=${process.pid}, dir=${dir}`)
    // The young generation is held small from start-up (young-generation.ts); without a memory
    // limit V8 sizes it from here on, recovery's replay included.
    if (runtime.config.number('maxmemory') <= 0) fitYoungGeneration(0)
    if (runtime.config.boolean('appendonly')) yield* openDurableStorage(runtime, dir)
    else {
      runtime.log.notice('appendonly is off: data is kept in memory only')
      runtime.tenants.load()
    }

    // Paused: an accepted socket is read by its connection (see socket-reads.ts), not by net.Server.
    const net = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) => runtime.accept(socket))
    const host = runtime.config.string('bind').split(' ')[0]!
    const port = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => listen(net, runtime.config.number('port'), host),
        catch: (e) => new Error(`cannot listen on ${host}:${runtime.config.number('port')}: ${(e as Error).message}`),
      }),
      () =>
        Effect.promise(async () => {
          runtime.log.notice('Stopping the listener and closing client connections')
          const closed = new Promise<void>((r) => net.close(() => r()))
          await runtime.drain(5000)
          await closed
        }),
    )
    runtime.port = port
    yield* runExpiryActor(runtime)
    yield* runIdleClientsActor(runtime)
    yield* runEvictionActor(runtime)
    yield* runTenantRates(runtime.tenants)
    runtime.log.notice(`Ready to accept connections tcp on ${host}:${port}`)
    return Object.assign(runtime, { shutdownRequested: Deferred.await(shutdown) })
  })

/**
 * Opens the WAL and the LSM store, recovers the databases from the segments and the log, and starts the
 * durability and checkpoint actors. Their release (after the listener's) lets every sealed write
 * settle, syncs, and closes the log.
 */
const openDurableStorage = (runtime: ServerRuntime, dir: string): Effect.Effect<void, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const config = runtime.config
    const log = runtime.log
    const walDir = config.string('wal-dir') === '' ? join(dir, 'wal') : resolve(config.string('wal-dir'))
    const wal = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          openNativeWal({
            dir: walDir,
            segmentBytes: config.number('wal-segment-size'),
            directIo: config.boolean('wal-direct-io'),
            recovery: config.string('wal-recovery') as RecoveryMode,
          }),
        catch: (e) => new Error(`cannot open the WAL in '${walDir}': ${(e as Error).message}`),
      }),
      (wal) => Effect.promise(() => wal.close().catch((e: unknown) => log.warning(`Closing the WAL: ${describeError(e)}`))),
    )
    const report = wal.recovery
    if (report.tornTail !== undefined) {
      log.warning(
        `WAL: truncated an incomplete record at the end of the log (${report.tornTail.file} offset ${report.tornTail.offset}, ${report.tornTail.bytes} bytes): a write interrupted by a crash, never acknowledged`,
      )
    }
    if (report.truncatedCorruption !== undefined) {
      log.warning(
        `WAL: !!! wal-recovery truncate dropped every record from ${report.truncatedCorruption.file} offset ${report.truncatedCorruption.offset} on (checksum mismatch); acknowledged writes after that point are lost !!!`,
      )
    }
    const ssdDir = config.string('ssd-dir') === '' ? join(dir, 'ssd') : resolve(config.string('ssd-dir'))
    const hddDir = config.string('hdd-dir') === '' ? join(dir, 'hdd') : resolve(config.string('hdd-dir'))
    const store = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          LsmStore.open({
            dir: join(dir, 'manifest'),
            ssdDir,
            hddDir,
            blockCacheBytes: blockCacheBytes(config.number('maxmemory')),
            onExpiredDropped: (storeKey) => {
              const decoded = decodeStoreKey(storeKey)
              const db = decoded === undefined ? undefined : runtime.keyspaces.peek(decoded.space)
              if (db !== undefined && db.generation === decoded!.gen) db.diskKeyExpired(decoded!.key.toString('latin1'))
            },
          }),
        catch: (e) => new Error(`cannot open the store: ${(e as Error).message}`),
      }),
      (store) => Effect.promise(() => store.close().catch((e: unknown) => log.warning(`Closing the store: ${describeError(e)}`))),
    )
    const started = performance.now()
    const recovered = yield* Effect.tryPromise({
      try: () => recover(runtime.keyspaces, store, wal),
      catch: (e) => new Error(`recovery failed: ${(e as Error).message}`),
    })
    log.notice(
      `DB loaded from disk: ${store.segments.length} segment(s) opened (checkpoint LSN ${recovered.checkpointLsn}), ${recovered.records} WAL records (${recovered.ops} ops) replayed up to LSN ${recovered.lastLsn} in ${((performance.now() - started) / 1000).toFixed(3)} seconds`,
    )
    yield* Effect.tryPromise({
      try: () => loadRegistry(runtime, store),
      catch: (e) => new Error(`reading the tenant registry failed: ${(e as Error).message}`),
    })
    const stager = new Stager(runtime.keyspaces.all, store, runtime.dispatch.resolve, () => runtime.now())
    runtime.stager = stager
    if (runtime.keyspaces.all.some((db) => db.counting)) {
      const counting = performance.now()
      stager.countDiskKeys().then(
        () => log.verbose(`Counted the keys on disk in ${((performance.now() - counting) / 1000).toFixed(3)} seconds`),
        (e: unknown) => log.warning(`Counting the keys on disk failed: ${describeError(e)}`),
      )
    }
    runtime.journal.enabled = true
    const durability = new Durability(wal, runtime.journal, {
      recoveredLsn: recovered.lastLsn,
      policy: () => config.string('appendfsync') as FsyncPolicy,
      maxBatchBytes: () => config.number('wal-batch-max-bytes'),
      log,
      refuseWrites: (reason) => {
        runtime.writesRefusedReason = reason
      },
    })
    const checkpointer = new Checkpointer(
      runtime.keyspaces.all,
      store,
      wal,
      durability,
      { bytes: () => config.number('wal-checkpoint-bytes'), ops: () => config.number('wal-checkpoint-ops') },
      log,
      runtime.stats.startedAt,
      () => stager.whenIdle(),
      recovered.ops,
      undefined,
      () => runtime.keyspaces.databaseMaps(),
    )
    store.trackAccess = config.boolean('tier-tracking')
    config.onChange('tier-tracking', (value) => {
      store.trackAccess = value === 'yes'
    })
    const tiering = new Tiering(store, config, log, () => runtime.tenants.activeSinceLastPass())
    runtime.tiering = tiering
    yield* runTieringActor(tiering, config)
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        durability.start()
        checkpointer.start()
        runtime.wal = wal
        runtime.durability = durability
        runtime.checkpointer = checkpointer
        runtime.store = store
        runtime.gate = durability
      }),
      () =>
        Effect.promise(async () => {
          if (checkpointer.inProgress) log.notice('Waiting for the flush in progress to finish')
          await checkpointer.stop()
          await durability.stop()
          log.verbose('The WAL is synced; closing the store')
        }),
    )
  })
