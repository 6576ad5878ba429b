// Every keyspace of a server, by number (store-keys.ts: tenant number * 65536 + database). The
// default tenant's databases, each tenant's databases and the tenant registry's own keyspace
// are all keyspaces here; the log and the store know nothing else. A keyspace is created the
// first time anything names it (a tenant's creation, a WAL record at replay), and once a store
// backs the server it opens over the store's copy of its range.
//
// Databases and keyspaces: database n of a tenant (SELECT n) shows the tenant's keyspace n until
// a SWAPDB exchanges what two databases show. That is O(1) whatever the data: no key moves, in
// memory or on disk, because store keys and WAL ops name keyspaces, never databases. What moves
// is the tenant's database map (which keyspace each database shows), kept here and made durable
// as an after image: a DBMAP op in the WAL (durability/ops.ts) and the manifest's databaseMaps
// (a checkpoint records them), so replaying it twice, or over a newer manifest, ends the same.

import { MemoryKeyspace } from './memory-keyspace.js'
import { keyspaceNumber, prefixEnd, storeKeyPrefix } from './store-keys.js'
import type { DatabaseMap, MovedDatabase } from './manifest.js'
import { touchWatchedKeysOnSwap } from './watches.js'

/** What a keyspace needs to know of the store when it is created. */
export interface KeyspaceBacking {
  generation(space: number): number
  overlaps(from: Buffer, to: Buffer | undefined): boolean
  /** The database maps of the last checkpoint. */
  readonly databaseMaps: readonly DatabaseMap[]
}

/** Where a swap is logged (the journal): the tenant's map after it, and how to take it back. */
export interface DatabaseMapLog {
  readonly enabled: boolean
  databaseMap(tenant: number, moved: readonly MovedDatabase[], ask: number, undo: () => void): void
}

export class Keyspaces {
  /** In creation order; only ever appended to (background actors iterate it). */
  readonly all: MemoryKeyspace[] = []
  private readonly byNumber = new Map<number, MemoryKeyspace>()
  private backing: KeyspaceBacking | undefined = undefined
  /** While set, keyspaces created defer their ordered index too (see deferIndexes). */
  private deferring = false
  /** Each tenant's databases once asked for (databasesOf), by index: the keyspace each shows. */
  private readonly databaseLists = new Map<number, MemoryKeyspace[]>()
  /** Per tenant, its databases that show another keyspace than their own: index -> number. */
  private readonly moved = new Map<number, Map<number, number>>()
  /**
   * Exchanges so far (SWAPDB and its undo). What was read back from disk for a command before
   * one is stale: the command's database may show another keyspace now (Connection.restage).
   */
  swaps = 0
  /** Told of every exchange: connections SELECTed into either database follow it. */
  onSwap: ((tenant: number, a: number, b: number) => void) | undefined = undefined

  constructor(
    private readonly create: (space: number) => MemoryKeyspace,
    private readonly log?: DatabaseMapLog,
  ) {}

  /** The keyspace numbered `space`, created (empty, or over its range on disk) if need be. */
  get(space: number): MemoryKeyspace {
    let keyspace = this.byNumber.get(space)
    if (keyspace === undefined) {
      keyspace = this.create(space)
      this.byNumber.set(space, keyspace)
      this.all.push(keyspace)
      if (this.backing !== undefined) this.attach(keyspace, this.backing)
      if (this.deferring) keyspace.deferIndex()
    }
    return keyspace
  }

  /**
   * Start-up replay: every keyspace, and each created until endDeferredIndexes, builds its
   * ordered index once at the end (MemoryKeyspace.deferIndex).
   */
  deferIndexes(): void {
    this.deferring = true
    for (const keyspace of this.all) keyspace.deferIndex()
  }

  endDeferredIndexes(): void {
    this.deferring = false
    for (const keyspace of this.all) keyspace.endDeferredIndex()
  }

  /** The keyspace numbered `space` if it exists. */
  peek(space: number): MemoryKeyspace | undefined {
    return this.byNumber.get(space)
  }

  /**
   * Opens every keyspace, and every one created from now on, over the store: its generation
   * there, and whether the store holds keys of it (then they are counted in the background).
   * The tenants' databases show what the store's database maps say (the log's replay may
   * change them again).
   */
  attachStore(backing: KeyspaceBacking): void {
    this.backing = backing
    for (const keyspace of this.all) this.attach(keyspace, backing)
    for (const map of backing.databaseMaps) this.assignMap(map.tenant, map.moved)
  }

  /**
   * Databases 0..count-1 of tenant number `tenant`: one array per tenant, which exchanges change
   * in place, so whoever holds it (the tenant, its sessions' SELECT) sees them.
   */
  databasesOf(tenant: number, count: number): readonly MemoryKeyspace[] {
    let list = this.databaseLists.get(tenant)
    if (list === undefined) {
      list = []
      this.databaseLists.set(tenant, list)
      this.fill(tenant, list, count)
    }
    return list
  }

  /** The keyspace number database `db` of `tenant` shows. */
  private shownBy(tenant: number, db: number): number {
    return this.moved.get(tenant)?.get(db) ?? keyspaceNumber(tenant, db)
  }

  private fill(tenant: number, list: MemoryKeyspace[], count: number): void {
    for (let db = 0; db < count; db++) {
      const keyspace = this.get(this.shownBy(tenant, db))
      keyspace.dbIndex = db
      list[db] = keyspace
    }
  }

  /** A tenant's database map: its databases that show another keyspace, by index. */
  mapOf(tenant: number): MovedDatabase[] {
    const moved = this.moved.get(tenant)
    if (moved === undefined) return []
    return [...moved].sort((x, y) => x[0] - y[0]).map(([db, space]) => ({ db, space }))
  }

  /** Every tenant's database map that is not the identity, by tenant number (the manifest's form). */
  databaseMaps(): DatabaseMap[] {
    return [...this.moved.keys()].sort((x, y) => x - y).map((tenant) => ({ tenant, moved: this.mapOf(tenant) }))
  }

  /**
   * A tenant's database map as logged or checkpointed (after image: the databases not listed
   * show their own keyspace). Replay and start-up only; nothing is logged.
   */
  assignMap(tenant: number, moved: readonly MovedDatabase[]): void {
    const map = new Map<number, number>()
    for (const m of moved) if (m.space !== keyspaceNumber(tenant, m.db)) map.set(m.db, m.space)
    if (map.size === 0) this.moved.delete(tenant)
    else this.moved.set(tenant, map)
    const list = this.databaseLists.get(tenant)
    if (list !== undefined) this.fill(tenant, list, list.length)
  }

  /**
   * SWAPDB: databases `a` and `b` of `tenant` exchange what they show. Watches stay with the
   * database index, as Redis's: a watched key is touched as Redis 7.0's touchAllWatchedKeysInDb
   * decides (watches.ts). Logged as the tenant's map after it; a failed WAL write takes it back.
   */
  swap(tenant: number, a: number, b: number): void {
    if (a === b) return
    this.exchange(tenant, a, b)
    const log = this.log
    if (log !== undefined && log.enabled) {
      const list = this.databaseLists.get(tenant)!
      log.databaseMap(tenant, this.mapOf(tenant), list[a]!.owner.ask, () => this.exchange(tenant, a, b))
    }
  }

  private exchange(tenant: number, a: number, b: number): void {
    const list = this.databaseLists.get(tenant)
    if (list === undefined) throw new Error(`tenant ${tenant} has no databases`)
    const first = list[a]!
    const second = list[b]!
    if (first.watches !== undefined) touchWatchedKeysOnSwap(first, first.watches, second)
    if (second.watches !== undefined) touchWatchedKeysOnSwap(second, second.watches, first)
    list[a] = second
    list[b] = first
    second.dbIndex = a
    first.dbIndex = b
    let moved = this.moved.get(tenant)
    if (moved === undefined) this.moved.set(tenant, (moved = new Map()))
    for (const db of [a, b]) {
      const space = list[db]!.space
      if (space === keyspaceNumber(tenant, db)) moved.delete(db)
      else moved.set(db, space)
    }
    if (moved.size === 0) this.moved.delete(tenant)
    // The watches that did not break stay on their database index: they follow its new keyspace.
    const watches = first.watches
    first.watches = second.watches
    second.watches = watches
    for (const keyspace of [first, second]) {
      for (const onKey of keyspace.watches?.values() ?? []) for (const w of onKey) w.db = keyspace
      keyspace.observe()
    }
    this.swaps++
    this.onSwap?.(tenant, a, b)
  }

  private attach(keyspace: MemoryKeyspace, backing: KeyspaceBacking): void {
    const gen = backing.generation(keyspace.space)
    const prefix = storeKeyPrefix(keyspace.space, gen)
    keyspace.attachDisk(gen, backing.overlaps(prefix, prefixEnd(prefix)))
  }
}
