// Every keyspace of a server, by number (store-keys.ts: tenant number * 65536 + database). The
// default tenant's databases, each tenant's databases and the tenant registry's own keyspace
// are all keyspaces here; the log and the store know nothing else. A keyspace is created the
// first time anything names it (a tenant's creation, a WAL record at replay), and once a store
// backs the server it opens over the store's copy of its range.

import { MemoryKeyspace } from './memory-keyspace.js'
import { prefixEnd, storeKeyPrefix } from './store-keys.js'

/** What a keyspace needs to know of the store when it is created. */
export interface KeyspaceBacking {
  generation(space: number): number
  overlaps(from: Buffer, to: Buffer | undefined): boolean
}

export class Keyspaces {
  /** In creation order; only ever appended to (background actors iterate it). */
  readonly all: MemoryKeyspace[] = []
  private readonly byNumber = new Map<number, MemoryKeyspace>()
  private backing: KeyspaceBacking | undefined = undefined
  /** While set, keyspaces created defer their ordered index too (see deferIndexes). */
  private deferring = false

  constructor(private readonly create: (space: number) => MemoryKeyspace) {}

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
   */
  attachStore(backing: KeyspaceBacking): void {
    this.backing = backing
    for (const keyspace of this.all) this.attach(keyspace, backing)
  }

  private attach(keyspace: MemoryKeyspace, backing: KeyspaceBacking): void {
    const gen = backing.generation(keyspace.space)
    const prefix = storeKeyPrefix(keyspace.space, gen)
    keyspace.attachDisk(gen, backing.overlaps(prefix, prefixEnd(prefix)))
  }
}
