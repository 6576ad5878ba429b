// A whole ServerContext without sockets, for command specs: real MemoryKeyspaces, the real
// RuntimeConfig and dispatch, a settable clock, and connections registered in a client registry.
// `run` goes through dispatch, so arity, subcommand selection, auth and INFO counters behave as
// on the server. Any helper may use it: `const c = makeContext(); c.run('SET', 'k', 'v')`.

import { makeDispatch, type Dispatch } from '../../src/commands/dispatch.js'
import { newServerStats } from '../../src/actors/server.js'
import { persistenceOff } from '../../src/actors/durability.js'
import { commandSpecs } from '../../src/commands/registry.js'
import type {
  ClientHandle,
  ClientRegistry,
  CommandContext,
  CommandSpec,
  ServerContext,
  Session,
} from '../../src/commands/spec.js'
import { RuntimeConfig } from '../../src/config/store.js'
import { ReplyWriter, encodeReply } from '../../src/protocol/encoder.js'
import type { Reply } from '../../src/protocol/reply.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { Keyspaces } from '../../src/storage/keyspaces.js'
import { Tenants } from '../../src/actors/tenants.js'
import { Logger } from '../../src/log.js'
import { PubSubHub } from '../../src/actors/pubsub.js'
import { KeyspaceEvents } from '../../src/storage/keyspace-events.js'
import { ClientPause } from '../../src/actors/client-pause.js'
import { Monitors } from '../../src/actors/monitors.js'
import { ClientTracking } from '../../src/actors/tracking.js'
import { slowlogLimits } from '../../src/actors/slowlog.js'

/** The clock's start: 2023-11-14T22:13:20Z. */
export const START = 1_700_000_000_000

export interface TestClient extends ClientHandle {
  readonly session: Session
  pendingOutputBytes: number
  /** Set by kill(). */
  killed: boolean
  /** The Pub/Sub messages delivered to this connection, in order. */
  readonly delivered: Reply[]
}

export interface TestServer extends ServerContext {
  readonly config: RuntimeConfig
  readonly databases: readonly MemoryKeyspace[]
  readonly clients: ClientRegistry & { readonly byIdMap: Map<number, TestClient> }
  readonly dispatch: Dispatch
  /** The clock now() reads, in ms; tests move it. */
  time: number
  shutdownRequests: number
}

export interface TestContext extends CommandContext {
  readonly server: TestServer
  readonly session: Session
  readonly client: TestClient
  /** Runs one command line through dispatch, as this connection. */
  run(...args: (string | Buffer)[]): Reply
  /** Opens another connection to the same server. */
  connect(): TestContext
}

export interface ContextOptions {
  /** The command table; the whole registry by default. */
  readonly commands?: readonly CommandSpec[]
  /** Config values as on the command line, e.g. { requirepass: 'pw' }. */
  readonly config?: Readonly<Record<string, string>>
}


export const makeContext = (options: ContextOptions = {}): TestContext => {
  const specs = options.commands ?? commandSpecs
  const config = new RuntimeConfig(new Map())
  for (const [name, value] of Object.entries(options.config ?? {})) {
    const problem = config.set(name, value)
    if (problem !== undefined) throw new Error(problem)
  }
  const stats = newServerStats(START)
  const byIdMap = new Map<number, TestClient>()
  const contexts = new Map<number, TestContext>()
  const clients = {
    byIdMap,
    get size() {
      return byIdMap.size
    },
    all: () => byIdMap.values(),
    byId: (id: number) => byIdMap.get(id),
  }
  const server = {
    config,
    stats,
    pubsub: new PubSubHub(),
    clientPause: new ClientPause(),
    monitors: new Monitors(),
    // Tracking reaches the contexts connected, as the server's reaches its connections.
    tracking: new ClientTracking((id) => (byIdMap.has(id) ? contexts.get(id) : undefined)),
    clients,
    runId: 'a'.repeat(40),
    version: '7.0.15',
    port: 6379,
    executablePath: 'bin/we-trust-redis.js',
    configFile: '',
    commands: new Map(specs.map((s) => [s.name, s])),
    time: START,
    shutdownRequests: 0,
    now: () => server.time,
    requestShutdown: () => void server.shutdownRequests++,
    activeExpire: true,
    persistence: () => persistenceOff(START),
    requestCheckpoint: () => 'off',
    tieringStatus: () => ({
      enabled: false,
      ssdSegments: 0,
      ssdBytes: 0,
      hddSegments: 0,
      hddBytes: 0,
      demotions: 0,
      promotions: 0,
      bytesMoved: 0,
      moveMs: 0,
      errors: 0,
      lastError: '',
      passes: 0,
      lastRunAt: 0,
      inProgress: false,
    }),
    tenantTiers: () => ({ ssdSegments: 0, ssdBytes: 0, hddSegments: 0, hddBytes: 0 }),
    takeTieringRun: () => undefined,
    takeSave: () => 'off',
    takeConfigRewrite: () => undefined,
    storage: () => ({
      residentBytes: 0,
      residentKeys: 0,
      diskOnlyKeys: 0,
      evictedToDisk: 0,
      memoryOverheadBytes: 0,
      dataBudgetBytes: 0,
      diskReads: 0,
      dirtyKeys: 0,
      storeMemoryBytes: 0,
      segments: 0,
      segmentBytes: 0,
      flushes: 0,
      compactions: 0,
      compactedBytes: 0,
      compactionInProgress: false,
    }),
  } as unknown as TestServer & { databases: readonly MemoryKeyspace[]; dispatch: Dispatch; tenants: Tenants }
  const events: KeyspaceEvents = new KeyspaceEvents(server.pubsub, (num): string | undefined => tenants.idOf(num))
  events.configure(config.number('notify-keyspace-events'))
  config.onChange('notify-keyspace-events', (flags) => events.configure(flags as number))
  const keyspaces = new Keyspaces((space) => new MemoryKeyspace({ clock: () => server.time, stats, space, events }))
  const tenants = new Tenants(
    keyspaces,
    config.number('databases'),
    (tenant) => [...byIdMap.values()].filter((c) => c.session.tenant === tenant),
    new Logger('nothing'),
    () => config.string('requirepass'),
  )
  tenants.load()
  server.tenants = tenants
  server.databases = tenants.default.databases
  // SLOWLOG as the server keeps it: from CONFIG, updated on CONFIG SET.
  const slowlog = slowlogLimits(config.number('slowlog-log-slower-than'), config.number('slowlog-max-len'))
  for (const name of ['slowlog-log-slower-than', 'slowlog-max-len']) {
    config.onChange(name, () =>
      Object.assign(slowlog, slowlogLimits(config.number('slowlog-log-slower-than'), config.number('slowlog-max-len'))),
    )
  }
  server.dispatch = makeDispatch(specs, {
    slowlog,
    monitors: server.monitors,
    tracking: server.tracking,
    stats,
    authRequired: () => config.string('requirepass') !== '',
    writesRefused: () => undefined,
  })

  let nextId = 1
  const connect = (): TestContext => {
    const id = nextId++
    const session: Session = {
      id,
      addr: `127.0.0.1:${50000 + id}`,
      laddr: '127.0.0.1:6379',
      createdAt: server.time,
      name: '',
      libName: '',
      libVer: '',
      resp: 2,
      dbIndex: 0,
      db: server.databases[0]!,
      authenticated: config.string('requirepass') === '',
      user: 'default',
      tenant: server.tenants.default,
      admin: true,
      authFailures: 0,
      lastCommand: 'NULL',
      lastInteraction: server.time,
      closeAfterReply: false,
      multi: undefined,
      watching: undefined,
      pubsub: undefined,
      replyMode: 0,
      monitoring: false,
      tracking: undefined,
    }
    const client: TestClient = {
      session,
      pendingOutputBytes: 0,
      queryBufferBytes: 0,
      killed: false,
      delivered: [],
      kill() {
        client.killed = true
        byIdMap.delete(id)
      },
    }
    byIdMap.set(id, client)
    stats.totalConnectionsReceived++
    const ctx: TestContext = {
      server,
      session,
      client,
      run: (...args) => {
        session.lastInteraction = server.time
        return server.dispatch(ctx, args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a)))
      },
      runQueued: (argv) => server.dispatch(ctx, argv),
      deliver: (message) => client.delivered.push(message),
      deliverAfterReply: (message) => client.delivered.push(message),
      connect,
    }
    contexts.set(id, ctx)
    return ctx
  }
  return connect()
}

/** The reply's bytes as the encoder writes them for a protocol version, as a latin1 string. */
export const encode = (reply: Reply, resp: 2 | 3 = 2): string => {
  const out = new ReplyWriter()
  encodeReply(out, reply, resp)
  return Buffer.concat(out.take()).toString('latin1')
}

/**
 * The reply as plain data for deep equality: integers as numbers, bulk and verbatim strings as
 * strings, maps as objects, status and error replies as { simple } and { error }.
 */
export const plain = (reply: Reply): unknown => {
  switch (reply.kind) {
    case 'integer':
      return Number(reply.value)
    case 'bulk':
    case 'verbatim':
      return typeof reply.value === 'string' ? reply.value : reply.value.toString('latin1')
    case 'simple':
      return { simple: reply.value }
    case 'error':
      return { error: reply.value }
    case 'null':
    case 'nullArray':
      return null
    case 'array':
    case 'set':
    case 'push':
      return reply.value.map(plain)
    case 'map':
      return Object.fromEntries(reply.value.map(([k, v]) => [String(plain(k)), plain(v)]))
    case 'double':
      return reply.value
    case 'boolean':
      return reply.value
    case 'bignum':
      return reply.value
    case 'attribute':
      return plain(reply.reply)
  }
}
