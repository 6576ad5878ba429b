// Client-side caching (Redis 7.0's tracking.c), per tenant. A connection with CLIENT TRACKING on
// has a TrackingClient (Session.tracking); each tenant with any such connection has a
// TrackingTable, which its databases call on every change to a key (MemoryKeyspace.keyChanged,
// the same hook WATCH uses). No tenant sees another's keys, clients or prefixes: a table is the
// tenant's own, keyed by the names its clients use (never the keyspace number), and a
// redirection reaches only a connection of the same tenant.
//
// Default mode: the keys a tracking client reads (readonly commands, from their key specs) are
// remembered with its id; the first change to such a key sends it one invalidation and forgets
// the key. As Redis, ids are forgotten lazily: a client that turned tracking off or closed stays
// in the table until its keys change (then it is skipped), unless the last tracking client of the
// tenant goes, which drops the whole table (so a tenant nobody tracks in costs its writes one
// field test, see MemoryKeyspace.observed).
//
// BCAST mode: keys changed under a registered prefix are gathered per prefix and sent, sorted
// and once each, at the end of the event-loop turn (Redis's beforeSleep), to every client of the
// prefix; NOLOOP leaves out the keys that client changed itself.
//
// Order: an invalidation for the client whose command is running (`current`) follows that
// command's reply, after a whole EXEC's (Connection.deliverAfterReply), as Redis 7.0's
// tracking_pending_keys; any other goes at once to its receiver's output (Connection.deliver),
// behind what that connection has already been answered. FLUSHDB and FLUSHALL send each
// tracking client a null instead of keys.
//
// Where it goes: RESP3 gets a push `>2 invalidate [keys]`; with REDIRECT, the target gets it, as
// a push in RESP3 or, in RESP2, as a message on `__redis__:invalidate` if it is subscribed to
// anything. A redirection whose target is gone marks the client broken (CLIENT LIST flag R) and
// tells it, in RESP3, with `>2 tracking-redir-broken <id>` in place of each invalidation.

import { array, bulk, integer, NULL, push, type Reply } from '../protocol/reply.js'
import type { CommandSpec, Session, TenantScope } from '../commands/spec.js'
import type { MemoryKeyspace } from '../storage/memory-keyspace.js'
import { findKeys } from '../commands/server/command-meta.js'

/** What tracking needs of a connection: its session and its output (Connection). */
export interface TrackingReceiver {
  readonly session: Session
  deliver(message: Reply): void
  deliverAfterReply(message: Reply): void
}

const INVALIDATE = bulk('invalidate')
const REDIRECT_BROKEN = bulk('tracking-redir-broken')
const MESSAGE = bulk('message')
/** Redis's TrackingChannelName: RESP2 receives invalidations as messages on it. */
export const INVALIDATION_CHANNEL = bulk('__redis__:invalidate')

/** The options of CLIENT TRACKING ON. */
export interface TrackingOptions {
  readonly bcast: boolean
  readonly optin: boolean
  readonly optout: boolean
  readonly noloop: boolean
}

/** One connection's tracking state: Session.tracking while CLIENT TRACKING is on. */
export class TrackingClient {
  /** REDIRECT's client id; 0 for none. */
  redirect = 0
  bcast = false
  optin = false
  optout = false
  noloop = false
  /** CLIENT CACHING was given for the next command or transaction (Redis's CLIENT_TRACKING_CACHING). */
  caching = false
  /** The redirection's target was found gone (Redis's CLIENT_TRACKING_BROKEN_REDIR). */
  brokenRedirect = false
  /** BCAST prefixes, as latin1 strings. */
  readonly prefixes = new Set<string>()

  constructor(
    readonly receiver: TrackingReceiver,
    readonly table: TrackingTable,
  ) {}

  get id(): number {
    return this.receiver.session.id
  }

  /** Whether the keys of the command running now are remembered (OPTIN and OPTOUT with CACHING). */
  get remembers(): boolean {
    return this.optin ? this.caching : !(this.optout && this.caching)
  }
}

/** One BCAST prefix: its clients, and the keys under it changed since the last broadcast. */
interface Prefix {
  readonly clients: Set<TrackingClient>
  /** Each changed key with the tracking client whose command changed it last (for NOLOOP). */
  readonly keys: Map<string, TrackingClient | undefined>
}

/** A tenant's tracking table: Redis's TrackingTable and PrefixTable, for one tenant. */
export class TrackingTable {
  /** The tenant's connections with tracking on. */
  readonly clients = new Set<TrackingClient>()
  /** Key (latin1) -> ids of the clients that may cache it. */
  readonly keys = new Map<string, Set<number>>()
  /** Ids across `keys` (INFO tracking_total_items). */
  items = 0
  readonly prefixes = new Map<string, Prefix>()
  /** The tracking client whose command dispatch is running now (Redis's current_client). */
  current: TrackingClient | undefined = undefined
  private broadcastScheduled = false

  constructor(
    readonly tenant: TenantScope,
    private readonly registry: ClientTracking,
  ) {}

  /**
   * `k` changed (Redis's trackingInvalidateKey with bcast). `byCommand` is false for the reclaim
   * of an expired key, which Redis signals with no client: NOLOOP does not hide it in BCAST mode.
   */
  keyChanged(k: string, byCommand: boolean): void {
    if (this.prefixes.size > 0) this.rememberToBroadcast(k, byCommand ? this.current : undefined)
    this.invalidate(k)
  }

  /** Sends the invalidation of `k` to the clients that read it, and forgets it. */
  invalidate(k: string): void {
    const ids = this.keys.get(k)
    if (ids === undefined) return
    this.keys.delete(k)
    this.items -= ids.size
    let keys: Reply | undefined
    for (const id of ids) {
      const target = this.registry.lookup(id)?.session.tracking
      // Gone, tracking off, in another tenant since, or BCAST since it read the key: skipped.
      if (target === undefined || target.table !== this || target.bcast) continue
      if (target.noloop && target === this.current) continue
      keys ??= array([bulk(Buffer.from(k, 'latin1'))])
      this.send(target, keys)
    }
  }

  /** After a read by `client`: the keys of `argv` are remembered for it (trackingRememberKeys). */
  remember(client: TrackingClient, spec: CommandSpec, argv: readonly Buffer[]): void {
    if (!client.remembers) return
    const found = findKeys(spec, argv)
    if (found === null) return
    const id = client.id
    for (const { key } of found) {
      const k = key.toString('latin1')
      let ids = this.keys.get(k)
      if (ids === undefined) this.keys.set(k, (ids = new Set()))
      if (ids.has(id)) continue
      ids.add(id)
      this.items++
    }
    this.registry.checkLimit(this)
  }

  /** FLUSHDB, FLUSHALL: every tracking client of the tenant gets a null, and the table empties. */
  flushed(): void {
    for (const client of [...this.clients]) this.send(client, NULL)
    this.keys.clear()
    this.items = 0
  }

  addClient(client: TrackingClient): void {
    this.clients.add(client)
    if (this.clients.size === 1) this.attach(this)
  }

  removeClient(client: TrackingClient): void {
    for (const p of client.prefixes) {
      const prefix = this.prefixes.get(p)
      prefix?.clients.delete(client)
      if (prefix?.clients.size === 0) this.prefixes.delete(p)
    }
    client.prefixes.clear()
    if (!this.clients.delete(client) || this.clients.size > 0) return
    // Nobody left to invalidate: the keyspaces stop calling, and what was remembered goes.
    this.attach(undefined)
    this.keys.clear()
    this.items = 0
  }

  /** Registers `client` for the BCAST prefix `p` (enableBcastTrackingForPrefix). */
  addPrefix(client: TrackingClient, p: string): void {
    let prefix = this.prefixes.get(p)
    if (prefix === undefined) this.prefixes.set(p, (prefix = { clients: new Set(), keys: new Map() }))
    prefix.clients.add(client)
    client.prefixes.add(p)
  }

  private attach(table: TrackingTable | undefined): void {
    for (const db of this.tenant.databases as readonly MemoryKeyspace[]) db.track(table)
  }

  private rememberToBroadcast(k: string, changedBy: TrackingClient | undefined): void {
    for (const [p, prefix] of this.prefixes) {
      if (!k.startsWith(p)) continue
      prefix.keys.set(k, changedBy)
      if (this.broadcastScheduled) continue
      this.broadcastScheduled = true
      setImmediate(() => this.broadcast())
    }
  }

  /** The end of the turn's broadcast (trackingBroadcastInvalidationMessages). */
  private broadcast(): void {
    this.broadcastScheduled = false
    for (const prefix of this.prefixes.values()) {
      if (prefix.keys.size === 0) continue
      // In byte order, as Redis's radix tree lists them (a latin1 string compares as its bytes).
      const changed = [...prefix.keys.keys()].sort()
      const all = array(changed.map((k) => bulk(Buffer.from(k, 'latin1'))))
      for (const client of [...prefix.clients]) {
        if (!client.noloop) {
          this.send(client, all)
          continue
        }
        const others = changed.filter((k) => prefix.keys.get(k) !== client)
        if (others.length > 0) this.send(client, others.length === changed.length ? all : array(others.map((k) => bulk(Buffer.from(k, 'latin1')))))
      }
      prefix.keys.clear()
    }
  }

  /** Redis's sendTrackingMessage: `keys` (an array of keys, or a null) to where `client` receives. */
  private send(client: TrackingClient, keys: Reply): void {
    const own = client.receiver
    // The client's own command is running: its reply first (Redis's tracking_pending_keys).
    const afterReply = client === this.current
    let to = own
    if (client.redirect !== 0) {
      const target = this.registry.lookup(client.redirect)
      if (target === undefined || target.session.tenant !== this.tenant) {
        client.brokenRedirect = true
        if (own.session.resp === 3) deliver(own, push([REDIRECT_BROKEN, integer(client.redirect)]), afterReply)
        return
      }
      to = target
    }
    let message: Reply
    if (to.session.resp === 3) message = push([INVALIDATE, keys])
    // RESP2 has no pushes: only a redirection to a subscribed connection can carry them.
    else if (client.redirect !== 0 && to.session.pubsub !== undefined) message = push([MESSAGE, INVALIDATION_CHANNEL, keys])
    else return
    deliver(to, message, afterReply && to === own)
  }
}

const deliver = (to: TrackingReceiver, message: Reply, afterReply: boolean): void => {
  if (afterReply) to.deliverAfterReply(message)
  else to.deliver(message)
}

/** What INFO shows of tracking. */
export interface TrackingStats {
  readonly clients: number
  readonly keys: number
  readonly items: number
  readonly prefixes: number
}

/**
 * The server's tracking: each tenant's table, and tracking-table-max-keys. Dispatch tests
 * `overLimit` before each command, as Redis's processCommand calls trackingLimitUsedSlots.
 */
export class ClientTracking {
  /** By tenant number, which is never reused: a tenant dropped and created again gets a new table. */
  private readonly tables = new Map<number, TrackingTable>()
  /** tracking-table-max-keys; 0: no limit. */
  private maxKeys = 1_000_000
  /** Tables above maxKeys: dispatch calls limit() before the next command while any is. */
  private readonly over = new Set<TrackingTable>()
  overLimit = false
  /** Passes in a row that ended still over the limit: each one makes more effort. */
  private timeouts = 0

  constructor(
    /** The connection with this id, if it is connected. */
    readonly lookup: (id: number) => TrackingReceiver | undefined,
  ) {}

  /**
   * CLIENT TRACKING ON, its options checked (enableTracking): a client already tracking keeps its
   * remembered keys, its CACHING and its BCAST prefixes, to which `prefixes` are added.
   */
  enable(receiver: TrackingReceiver, redirect: number, options: TrackingOptions, prefixes: readonly Buffer[]): void {
    const session = receiver.session
    let client = session.tracking
    if (client === undefined) {
      const tenant = session.tenant
      let table = this.tables.get(tenant.num)
      if (table === undefined) this.tables.set(tenant.num, (table = new TrackingTable(tenant, this)))
      client = session.tracking = new TrackingClient(receiver, table)
      table.addClient(client)
    }
    client.brokenRedirect = false
    client.redirect = redirect
    client.bcast = options.bcast
    client.optin = options.optin
    client.optout = options.optout
    client.noloop = options.noloop
    if (!options.bcast) return
    if (prefixes.length === 0) client.table.addPrefix(client, '')
    for (const p of prefixes) client.table.addPrefix(client, p.toString('latin1'))
  }

  /** CLIENT TRACKING OFF, RESET, another tenant, the connection's close (disableTracking). */
  disable(session: Session): void {
    const client = session.tracking
    if (client === undefined) return
    session.tracking = undefined
    const table = client.table
    table.removeClient(client)
    if (table.clients.size > 0) return
    this.tables.delete(table.tenant.num)
    this.over.delete(table)
    this.overLimit = this.over.size > 0
  }

  /** A tenant's FLUSHDB or FLUSHALL (Redis's trackingInvalidateKeysOnFlush). */
  flushed(tenant: TenantScope): void {
    this.tables.get(tenant.num)?.flushed()
  }

  /** Applies tracking-table-max-keys. */
  configure(maxKeys: number): void {
    this.maxKeys = maxKeys
    for (const table of this.tables.values()) this.checkLimit(table)
  }

  checkLimit(table: TrackingTable): void {
    if (this.maxKeys === 0 || table.keys.size <= this.maxKeys) return
    this.over.add(table)
    this.overLimit = true
  }

  /**
   * Brings the tables back to tracking-table-max-keys by invalidating keys as if they had
   * changed, the oldest remembered first (Redis picks them at random), at most 100 per pass
   * more for each pass in a row that could not finish (trackingLimitUsedSlots).
   */
  limit(): void {
    let effort = 100 * (this.timeouts + 1)
    for (const table of [...this.over]) {
      while (this.maxKeys !== 0 && table.keys.size > this.maxKeys && effort > 0) {
        effort--
        table.invalidate(table.keys.keys().next().value!)
      }
      if (this.maxKeys === 0 || table.keys.size <= this.maxKeys) this.over.delete(table)
    }
    this.overLimit = this.over.size > 0
    this.timeouts = this.overLimit ? this.timeouts + 1 : 0
  }

  /** A tenant's figures, or the whole server's for the admin (undefined). */
  stats(tenant: TenantScope | undefined): TrackingStats {
    let clients = 0
    let keys = 0
    let items = 0
    let prefixes = 0
    for (const table of this.tables.values()) {
      if (tenant !== undefined && table.tenant !== tenant) continue
      clients += table.clients.size
      keys += table.keys.size
      items += table.items
      prefixes += table.prefixes.size
    }
    return { clients, keys, items, prefixes }
  }
}
