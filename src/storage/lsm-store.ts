// The on-disk side of the LSM store: the manifest, the open segment files, point reads and
// ordered scans, flushes of the resident set's dirty records into level-0 segments, and the
// compaction executor. The resident set itself is the memory keyspace (one per database); this
// module reads it only through FlushSource. Store keys are laid out in store-keys.ts.

import { readdir, unlink } from 'node:fs/promises'
import { createDirDurably } from './durable-dir.js'
import { join } from 'node:path'
import type { Value } from './keyspace.js'
import { encodeStoreKey, tenantOfKeyspace } from './store-keys.js'
import { segmentTenant } from './tiering-policy.js'
import { openManifest, TIERS, type DatabaseMap, type Manifest, type ManifestSnapshot, type SegmentInfo, type Tier } from './manifest.js'
import type { SegmentAccess } from './tiering-types.js'
import { copyDurably, syncDirectory } from './durable-dir.js'
import { openSegment, WOULD_BLOCK, type SegmentReader } from './segment-reader.js'
import { writeSegmentRuns } from './segment-writer.js'
import type { SegmentEntry, SegmentMeta } from './segment-format.js'
import { mergeBatches } from './merge.js'
import { runCompactionInWorker, stopCompactionWorker } from './compaction-worker.js'
import { pickCompaction, type CompactionConfig, type CompactionTask } from './compaction-policy.js'
import { BlockCache } from './block-cache.js'
import { bloomHash } from './bloom.js'
import { storedBytesOf, typeTagOf, TYPE_STRING } from './stored-value.js'
import { buildReadPlan, pointReadOrder, scanSources, type ReadPlan } from './read-plan.js'

const SEGMENT_SUFFIX = '.seg'
/** Records encoded per event-loop turn while a flush reads the resident set. */
const FLUSH_SLICE = 500
const EMPTY = Buffer.alloc(0)

export const DEFAULT_COMPACTION: CompactionConfig = {
  l0Trigger: 4,
  levelBaseBytes: 64 * 1024 * 1024,
  levelRatio: 10,
  maxLevels: 7,
  targetSegmentBytes: 32 * 1024 * 1024,
}

/**
 * What a flush needs from one database's resident set (the memory keyspace): the changed keys,
 * handed over and given back or confirmed, and their records as stored.
 */
export interface FlushSource {
  /** The keyspace number its store keys carry (store-keys.ts). */
  readonly space: number
  /** Hands over the keys changed since the last call, and the generation they belong to. */
  takeDirty(): TakenDirty
  /** The flush failed: the keys are changed again. */
  returnDirty(taken: TakenDirty): void
  /** The flush is installed: what it wrote is on disk. */
  flushInstalled(taken: TakenDirty): void
  /**
   * The record to write for a latin1 key, expired or not (undefined when deleted, null when there
   * is nothing to write: the store already holds the key as it is), which the source notes as
   * written by this flush: it becomes clean when the flush is installed.
   */
  readForFlush(k: string, taken: TakenDirty): { readonly value: Value; readonly expiresAt: number } | undefined | null
}

export interface TakenDirty {
  /** The changed keys, in no order; a key may appear more than once. */
  readonly keys: readonly string[]
  readonly gen: number
  /** Tells this flush's records from those of other flushes. */
  readonly id: number
}

export { WOULD_BLOCK }
/** tryLookup consulted segments and none holds the key. */
export const MISSING: unique symbol = Symbol('missing')

const segmentFile = (id: number): string => `${String(id).padStart(12, '0')}${SEGMENT_SUFFIX}`

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Keys sorted per event-loop turn when a flush orders the changed keys: 2,000 take about 0.7 ms.
 * 20,000 held the loop for 7 ms a slice, and the GETs and SETs of that turn waited as long (the
 * p99 of SET -P 16 fell from 18 to 12 ms with smaller slices).
 */
const SORT_SLICE = 2_000

// latin1 strings compare by char code, which is byte order: the store's key order.
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The keys in byte order, each once. Sorting a million changed keys at once would block the
 * event loop for a second, so they are sorted a slice per turn; the merge of the sorted slices
 * is synchronous and lazy.
 */
async function sortedInSlices(keys: readonly string[]): Promise<Iterator<string>> {
  const runs: string[][] = []
  for (let from = 0; from < keys.length; from += SORT_SLICE) {
    if (from > 0) await turn()
    runs.push(keys.slice(from, from + SORT_SLICE).sort(byteOrder))
  }
  return mergeSorted(runs)
}

/**
 * The sorted runs merged, each key once. The runs' current keys sit in a binary min-heap, so a
 * key costs O(log runs) comparisons: a million keys make 500 runs.
 */
export function* mergeSorted(runs: readonly (readonly string[])[]): Iterator<string> {
  const at: number[] = []
  const heap: number[] = []
  const keyOf = (r: number): string => runs[r]![at[r]!]!
  const less = (i: number, j: number): boolean => keyOf(heap[i]!) < keyOf(heap[j]!)
  const siftDown = (from: number): void => {
    for (let i = from; ; ) {
      const left = 2 * i + 1
      if (left >= heap.length) return
      const child = left + 1 < heap.length && less(left + 1, left) ? left + 1 : left
      if (!less(child, i)) return
      const r = heap[i]!
      heap[i] = heap[child]!
      heap[child] = r
      i = child
    }
  }
  runs.forEach((run, r) => {
    at.push(0)
    if (run.length > 0) heap.push(r)
  })
  for (let i = (heap.length >>> 1) - 1; i >= 0; i--) siftDown(i)
  let last: string | undefined
  while (heap.length > 0) {
    const r = heap[0]!
    const k = keyOf(r)
    if (++at[r]! === runs[r]!.length) {
      heap[0] = heap[heap.length - 1]!
      heap.pop()
    }
    siftDown(0)
    if (k === last) continue
    last = k
    yield k
  }
}

export interface LsmStoreOptions {
  /** Where the manifest lives. */
  readonly dir: string
  /** Where segments of the SSD tier live. */
  readonly ssdDir: string
  /** Where segments of the HDD tier live (tiering moves cold ones there); `ssdDir` when unset. */
  readonly hddDir?: string
  readonly compaction?: CompactionConfig
  readonly blockCacheBytes?: number
  /**
   * Told of each key whose newest version compaction removed because it expired (the key count
   * of a database holding it only on disk goes down).
   */
  readonly onExpiredDropped?: (storeKey: Buffer) => void
}

export interface StoreStats {
  flushes: number
  flushedBytes: number
  /** Compactions run, trivial moves (segments changing level without a rewrite) included. */
  compactions: number
  compactedBytes: number
}

const infoOf = (meta: SegmentMeta, id: number, level: number, tier: Tier): SegmentInfo => ({
  id,
  level,
  tier,
  file: segmentFile(id),
  bytes: meta.bytes,
  entries: meta.entries,
  tombstones: meta.tombstones,
  firstKey: meta.firstKey,
  lastKey: meta.lastKey,
  minSeq: meta.minSeq,
  maxSeq: meta.maxSeq,
  minExpiresAt: meta.minExpiresAt,
})

interface MutableAccess {
  reads: number
  heat: number
  lastAccessAt: number
  movedAt: number
}

export class LsmStore {
  readonly stats: StoreStats = { flushes: 0, flushedBytes: 0, compactions: 0, compactedBytes: 0 }
  private readonly readers = new Map<number, SegmentReader>()
  /**
   * Reads per segment since the last tiering pass, and what the passes made of them (the
   * policy's SegmentAccess). Counting is one map lookup and an increment per segment a read
   * consults past its bloom filter.
   */
  private readonly access = new Map<number, MutableAccess>()
  /** Compactions and tier moves take turns: a segment is never moved while it is being merged. */
  private exclusive: Promise<unknown> = Promise.resolve()
  /** Tier moves so far; `moveMs` is the time spent moving (copy to switch to delete). */
  readonly tiering = { demotions: 0, promotions: 0, bytesMoved: 0, moveMs: 0, errors: 0, lastError: '' }
  /** Whether reads are counted per segment (tier-tracking). */
  trackAccess = true
  private compacting: Promise<void> | undefined
  private closed = false
  /** Ordered scans in progress: readers retired meanwhile stay open until none is left. */
  private activeScans = 0
  private retired: SegmentReader[] = []
  /** The manifest's generations by keyspace, for the snapshot's list they were built from. */
  private generationsSeen: unknown
  private generationOf = new Map<number, number>()
  private plan: ReadPlan | undefined
  /** tryLookup's segments to consult, refilled by each call (it never yields). */
  private readonly readOrder: SegmentInfo[] = []

  private constructor(
    private readonly manifest: Manifest,
    private readonly options: LsmStoreOptions,
    private readonly cache: BlockCache,
  ) {}

  /**
   * Opens the manifest and every live segment, after deleting segment files the manifest does
   * not name (a crash between writing a segment and recording it leaves such orphans).
   */
  static async open(options: LsmStoreOptions): Promise<LsmStore> {
    await createDirDurably(options.ssdDir)
    if (options.hddDir !== undefined) await createDirDurably(options.hddDir)
    const manifest = await openManifest(options.dir)
    const store = new LsmStore(manifest, options, new BlockCache(options.blockCacheBytes ?? 32 * 1024 * 1024))
    try {
      // A crash during a tier move leaves a copy in the other directory: only the manifest's
      // tier for each file is live.
      for (const tier of TIERS) {
        const dir = store.dirOf(tier)
        if (tier === 'hdd' && dir === options.ssdDir) continue
        const live = new Set(manifest.current.segments.filter((s) => store.dirOf(s.tier) === dir).map((s) => s.file))
        for (const name of await readdir(dir)) {
          if ((name.endsWith(SEGMENT_SUFFIX) || name.endsWith(`${SEGMENT_SUFFIX}.tmp`)) && !live.has(name)) {
            await unlink(join(dir, name))
          }
        }
      }
      const now = Date.now()
      for (const segment of manifest.current.segments) {
        store.readers.set(segment.id, await openSegment(store.pathOf(segment), segment.id, store.cache))
        store.access.set(segment.id, { reads: 0, heat: 0, lastAccessAt: now, movedAt: 0 })
      }
    } catch (e) {
      await store.close()
      throw e
    }
    return store
  }

  private readPlan(): ReadPlan {
    const state = this.manifest.current
    if (this.plan?.state !== state) this.plan = buildReadPlan(state)
    return this.plan
  }

  /**
   * A random point among the keys on disk in [from, to): a block boundary of a segment chosen
   * in proportion to its entries. Not uniform over keys, as Redis's RANDOMKEY is not either.
   */
  sampleKey(from: Buffer, to: Buffer | undefined): Buffer | undefined {
    const candidates = this.manifest.current.segments.filter(
      (s) => s.entries > 0 && Buffer.compare(s.lastKey, from) >= 0 && (to === undefined || Buffer.compare(s.firstKey, to) < 0),
    )
    const total = candidates.reduce((n, s) => n + s.entries, 0)
    let pick = Math.random() * total
    for (const s of candidates) {
      pick -= s.entries
      if (pick < 0) return this.readers.get(s.id)?.sampleKey(from, to)
    }
    return undefined
  }

  /**
   * The newest version of `key` on disk: segments are consulted newest first (level 0 newest
   * first, then each deeper level), and the first that holds the key decides (a delete too).
   */
  async lookup(key: Buffer): Promise<SegmentEntry | undefined> {
    const hash = bloomHash(key)
    // A compaction may install while a read is in flight: the segments not yet consulted may
    // then be retired (their readers gone or closed) and their data sit in outputs this pass
    // never sees. Such a pass starts over on the manifest's newer state, which holds the same
    // data in other segments; skipping a retired segment would report a live key absent.
    for (let attempt = 0; ; attempt++) {
      const plan = this.readPlan()
      const state = plan.state
      try {
        let stale = false
        for (const segment of pointReadOrder(plan, key)) {
          const reader = this.readers.get(segment.id)
          if (reader === undefined) {
            stale = true
            break
          }
          if (!reader.mayContain(key, hash)) continue
          if (this.trackAccess) {
            const access = this.access.get(segment.id)
            if (access !== undefined) access.reads++
          }
          const entry = await reader.get(key, hash)
          if (entry !== undefined) return entry
        }
        if (!stale) return undefined
      } catch (e) {
        if ((e as { code?: string }).code !== 'ECLOSED') throw e
      }
      if (attempt >= 3 && this.manifest.current === state) {
        throw new Error(`store state unchanged yet segment readers missing while reading a key`)
      }
    }
  }

  /**
   * lookup() without a promise, when every segment it consults can answer on this thread (see
   * SegmentReader.tryGet): the entry, MISSING when segments were consulted and none holds the
   * key, undefined when no segment may hold it (no read at all). WOULD_BLOCK when the answer
   * needs the thread pool, or the manifest changed under the read plan: lookup() then gives it.
   * A damaged block also gives WOULD_BLOCK, so that lookup() reports it as it always does.
   */
  tryLookup(key: Buffer): SegmentEntry | typeof MISSING | typeof WOULD_BLOCK | undefined {
    if (this.readers.size === 0) return undefined
    const hash = bloomHash(key)
    const plan = this.readPlan()
    let consulted = false
    try {
      const order = pointReadOrder(plan, key, this.readOrder)
      // Past level 0 the plan chose each segment by its key range.
      const newest = plan.levels[0]!.length
      for (let i = 0; i < order.length; i++) {
        const segment = order[i]!
        const reader = this.readers.get(segment.id)
        if (reader === undefined) return WOULD_BLOCK
        if (!(i < newest ? reader.mayContain(key, hash) : reader.mayContainInRange(hash))) continue
        consulted = true
        const entry = reader.tryGet(key, hash)
        if (entry === WOULD_BLOCK) return WOULD_BLOCK
        if (this.trackAccess) {
          const access = this.access.get(segment.id)
          if (access !== undefined) access.reads++
        }
        if (entry !== undefined) return entry
      }
    } catch {
      return WOULD_BLOCK
    }
    return consulted ? MISSING : undefined
  }

  /** Memory the store holds outside the resident set: block cache, indexes, bloom filters. */
  get residentBytes(): number {
    let bytes = this.cache.stats().bytes
    for (const reader of this.readers.values()) bytes += reader.residentBytes
    return bytes
  }

  /** WAL records up to this LSN are in segments. */
  get checkpointLsn(): number {
    return this.manifest.current.checkpointLsn
  }

  get segments(): readonly SegmentInfo[] {
    return this.manifest.current.segments
  }

  /** A keyspace's current generation as the manifest records it. */
  generation(space: number): number {
    const generations = this.manifest.current.generations
    if (this.generationsSeen !== generations) {
      this.generationsSeen = generations
      this.generationOf = new Map(generations.map((g) => [g.db, g.gen]))
    }
    return this.generationOf.get(space) ?? 0
  }

  /** The tenants' database maps as the last checkpoint recorded them (keyspaces.ts). */
  get databaseMaps(): readonly DatabaseMap[] {
    return this.manifest.current.databaseMaps
  }

  /** The maps of `current` that differ from the manifest's, as an edit lists them. */
  private changedMaps(current: readonly DatabaseMap[]): DatabaseMap[] {
    const recorded = new Map(this.manifest.current.databaseMaps.map((m) => [m.tenant, m]))
    const changed: DatabaseMap[] = []
    for (const map of current) {
      const old = recorded.get(map.tenant)
      recorded.delete(map.tenant)
      if (old === undefined || JSON.stringify(old.moved) !== JSON.stringify(map.moved)) changed.push(map)
    }
    for (const tenant of recorded.keys()) changed.push({ tenant, moved: [] })
    return changed
  }

  /** Whether any segment's key range overlaps [from, to) (to undefined: unbounded). */
  overlaps(from: Buffer, to: Buffer | undefined): boolean {
    return this.manifest.current.segments.some(
      (s) => Buffer.compare(s.lastKey, from) >= 0 && (to === undefined || Buffer.compare(s.firstKey, to) < 0),
    )
  }

  /**
   * The newest version of every key in [from, to), in key order, deleted keys left out; expired
   * ones too unless `includeExpired`; with `values` false, entries carry no values. Comes in
   * batches (see mergeBatches). Segments retired by a compaction meanwhile stay readable until
   * the scan ends.
   */
  async *scanLive(
    from: Buffer,
    to: Buffer | undefined,
    options: { now: number; includeExpired?: boolean; fillCache?: boolean; countAsRead?: boolean; values?: boolean },
  ): AsyncIterableIterator<SegmentEntry[]> {
    this.activeScans++
    try {
      const segments = this.manifest.current.segments.filter(
        (s) => Buffer.compare(s.lastKey, from) >= 0 && (to === undefined || Buffer.compare(s.firstKey, to) < 0),
      )
      if (this.trackAccess && options.countAsRead !== false) {
        for (const s of segments) {
          const access = this.access.get(s.id)
          if (access !== undefined) access.reads++
        }
      }
      const scanOptions = { fillCache: options.fillCache ?? false, values: options.values }
      // The readers are taken now, with the segments: a deeper level's segments are opened in
      // turn, later, and a compaction or tier move installed meanwhile takes the reader of a
      // segment the scan has not reached out of `readers` (it stays open, retired, until no scan
      // is left). Looked up by id then, it was gone and the scan failed.
      const readers = new Map(segments.map((s) => [s.id, this.readers.get(s.id)!]))
      const scanOf = (s: SegmentInfo): AsyncIterableIterator<SegmentEntry[]> => readers.get(s.id)!.scanBatches(from, to, scanOptions)
      yield* mergeBatches(scanSources(segments, scanOf), {
        dropTombstones: true,
        now: options.now,
        keepExpired: options.includeExpired === true,
      })
    } finally {
      if (--this.activeScans === 0) await this.closeRetired()
    }
  }

  /**
   * Writes the records changed since the last flush into new level-0 segments, one per tenant
   * with changes. The flush is
   * fuzzy: records are read in slices while writes go on, so the segment may hold changes made
   * after `startLsn`; replaying the WAL after `startLsn` over it converges, because WAL records
   * are after-images. `beforeInstall` decides, once the segment is written, whether it may
   * become part of the store (the WAL must have settled every change it may contain). On any
   * failure the changed keys are handed back to the databases, to be flushed next time.
   * `databaseMaps` are the tenants' database maps, read with the changed keys (the same turn):
   * an after image as well, recorded with the segments, under the same `beforeInstall`.
   */
  async flush(
    sources: readonly FlushSource[],
    startLsn: number,
    beforeInstall: () => Promise<boolean>,
    /**
     * Awaited once the manifest names the new segments, before the sources stop treating the
     * flushed keys as changed (their deletes as known): readers of an older store snapshot
     * still in flight must finish first.
     */
    beforeRelease?: () => Promise<void>,
    databaseMaps: readonly DatabaseMap[] = this.manifest.current.databaseMaps,
  ): Promise<{ installed: boolean; records: number; bytes: number }> {
    // In keyspace order, which is the store's key order; and a copy, as the caller's list grows.
    const databases = [...sources].sort((a, b) => a.space - b.space)
    const taken = databases.map((db) => db.takeDirty())
    // Listed keys, repeats included: the segments' entry counts give the exact number written.
    const records = taken.reduce((n, t) => n + t.keys.length, 0)
    const giveBack = (): void => databases.forEach((db, i) => db.returnDirty(taken[i]!))
    const generations = taken.flatMap((t, i) => {
      const space = databases[i]!.space
      return t.gen > this.generation(space) ? [{ db: space, gen: t.gen }] : []
    })
    const maps = this.changedMaps(databaseMaps)
    if (records === 0) {
      // A map or generation recorded before its SWAPDB or FLUSHDB is durable would outlive a
      // failed WAL write (the FLUSHDB undone in memory, yet in effect after a restart).
      if ((maps.length > 0 || generations.length > 0) && !(await beforeInstall())) {
        giveBack()
        return { installed: false, records, bytes: 0 }
      }
      if (startLsn > this.checkpointLsn || generations.length > 0 || maps.length > 0) {
        await this.manifest.apply({ checkpointLsn: Math.max(startLsn, this.checkpointLsn), generations, databaseMaps: maps })
      }
      databases.forEach((db, i) => db.flushInstalled(taken[i]!))
      return { installed: true, records: 0, bytes: 0 }
    }
    // One level-0 segment per tenant with changes, so tiering can move a tenant's range alone.
    const groups = new Map<number, number[]>()
    databases.forEach((db, i) => {
      if (taken[i]!.keys.length === 0) return
      const tenant = tenantOfKeyspace(db.space)
      let group = groups.get(tenant)
      if (group === undefined) groups.set(tenant, (group = []))
      group.push(i)
    })
    /** Segments of this flush, from the moment their file may exist (meta once written). */
    const written: { id: number; path: string; meta?: SegmentMeta }[] = []
    const discard = async (): Promise<void> => {
      for (const w of written) {
        await this.readers.get(w.id)?.close()
        this.readers.delete(w.id)
        await unlink(w.path).catch(() => undefined)
      }
    }
    try {
      for (const indices of groups.values()) {
        const id = this.manifest.allocateSegmentId()
        const path = join(this.options.ssdDir, segmentFile(id))
        const segment: { id: number; path: string; meta?: SegmentMeta } = { id, path }
        written.push(segment)
        segment.meta = await writeSegmentRuns(
          path,
          this.dirtyEntries(
            indices.map((i) => databases[i]!),
            indices.map((i) => taken[i]!),
            startLsn,
          ),
        )
      }
      if (!(await beforeInstall())) {
        await discard()
        giveBack()
        return { installed: false, records, bytes: 0 }
      }
      // The readers are in place before the manifest names the segments: every segment of a
      // manifest state has its reader (lookup and scanLive depend on it).
      for (const w of written) this.readers.set(w.id, await openSegment(w.path, w.id, this.cache))
      await this.manifest.apply({
        add: written.map((w) => infoOf(w.meta!, w.id, 0, 'ssd')),
        checkpointLsn: startLsn,
        nextSegmentId: Math.max(...written.map((w) => w.id)) + 1,
        generations,
        databaseMaps: maps,
      })
    } catch (e) {
      await discard()
      giveBack()
      throw e
    }
    await beforeRelease?.()
    const now = Date.now()
    let bytes = 0
    let entries = 0
    for (const w of written) {
      this.access.set(w.id, { reads: 0, heat: 0, lastAccessAt: now, movedAt: 0 })
      bytes += w.meta!.bytes
      entries += w.meta!.entries
    }
    databases.forEach((db, i) => db.flushInstalled(taken[i]!))
    this.stats.flushes++
    this.stats.flushedBytes += bytes
    return { installed: true, records: entries, bytes }
  }

  get compactionRunning(): boolean {
    return this.compacting !== undefined
  }

  /** Runs compactions until the policy has none left; one at a time. */
  compact(now: () => number): Promise<void> {
    if (this.compacting !== undefined) return this.compacting
    const running = this.compactAll(now).finally(() => {
      if (this.compacting === running) this.compacting = undefined
    })
    this.compacting = running
    return running
  }

  private async compactAll(now: () => number): Promise<void> {
    for (;;) {
      if (this.closed) return
      const task = pickCompaction(this.manifest.current, this.options.compaction ?? DEFAULT_COMPACTION, now())
      if (task === undefined) return
      try {
        await this.takeTurn(() => this.runCompaction(task, now()))
      } catch (e) {
        // Abandoned by close(): not a failure.
        if (this.closed) return
        throw e
      }
    }
  }

  /** The directory of a tier. */
  dirOf(tier: Tier): string {
    return tier === 'hdd' ? (this.options.hddDir ?? this.options.ssdDir) : this.options.ssdDir
  }

  pathOf(segment: SegmentInfo): string {
    return join(this.dirOf(segment.tier), segment.file)
  }

  /** Runs `fn` when no compaction step or tier move is running, and holds the others off meanwhile. */
  private takeTurn<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.exclusive.then(fn)
    this.exclusive = turn.catch(() => undefined)
    return turn
  }

  /**
   * Ends a tiering pass's measuring period: every segment's heat is halved and its reads since
   * the last pass added; a segment read meanwhile was accessed at `now`, and so was every
   * segment of a tenant in `activeTenants` (it ran commands, which may all have been served
   * from memory: its range is in use). Returns the policy's view.
   */
  accessPass(now: number, activeTenants: ReadonlySet<number>): Map<number, SegmentAccess> {
    const view = new Map<number, SegmentAccess>()
    for (const segment of this.manifest.current.segments) {
      let access = this.access.get(segment.id)
      if (access === undefined) this.access.set(segment.id, (access = { reads: 0, heat: 0, lastAccessAt: now, movedAt: 0 }))
      access.heat = access.heat / 2 + access.reads
      // The same rule the policy judges a tenant's segments by.
      const tenant = segmentTenant(segment)
      const inActiveTenant = tenant !== undefined && activeTenants.has(tenant)
      if (access.reads > 0 || inActiveTenant) access.lastAccessAt = now
      access.reads = 0
      view.set(segment.id, { heat: access.heat, lastAccessAt: access.lastAccessAt, movedAt: access.movedAt })
    }
    return view
  }

  get manifestSnapshot(): ManifestSnapshot {
    return this.manifest.current
  }

  /**
   * Moves segments' files to another tier's directory: copy each and fsync it, fsync the target
   * directories, switch the manifest once for all of them, then delete the sources. A crash
   * before the switch leaves the copies as orphans, after it the sources: start-up deletes
   * either, so exactly one live copy of each remains. Reads go on throughout (the old readers
   * until the switch, the new ones after). Segments gone meanwhile (compacted) or already in
   * place are skipped; returns the moves carried out.
   */
  moveSegments(moves: readonly { readonly id: number; readonly to: Tier }[]): Promise<{ id: number; to: Tier; bytes: number }[]> {
    return this.takeTurn(async () => {
      if (this.closed) return []
      const planned: { segment: SegmentInfo; to: Tier; target: string }[] = []
      for (const { id, to } of moves) {
        const segment = this.manifest.current.segments.find((s) => s.id === id)
        if (segment === undefined || segment.tier === to || this.dirOf(to) === this.dirOf(segment.tier)) continue
        planned.push({ segment, to, target: join(this.dirOf(to), segment.file) })
      }
      if (planned.length === 0) return []
      const started = performance.now()
      const opened: SegmentReader[] = []
      try {
        for (const p of planned) await copyDurably(this.pathOf(p.segment), p.target, false)
        for (const dir of new Set(planned.map((p) => this.dirOf(p.to)))) await syncDirectory(dir)
        for (const p of planned) opened.push(await openSegment(p.target, p.segment.id, this.cache))
        await this.manifest.apply({ move: planned.map((p) => ({ id: p.segment.id, tier: p.to })) })
      } catch (e) {
        for (const reader of opened) await reader.close()
        for (const p of planned) await unlink(p.target).catch(() => undefined)
        throw e
      }
      const now = Date.now()
      planned.forEach((p, i) => {
        const old = this.readers.get(p.segment.id)
        this.readers.set(p.segment.id, opened[i]!)
        if (old !== undefined) this.retired.push(old)
        const access = this.access.get(p.segment.id)
        if (access !== undefined) access.movedAt = now
        if (p.to === 'hdd') this.tiering.demotions++
        else this.tiering.promotions++
        this.tiering.bytesMoved += p.segment.bytes
      })
      for (const p of planned) await unlink(this.pathOf(p.segment)).catch(() => undefined)
      if (this.activeScans === 0) await this.closeRetired()
      this.tiering.moveMs += performance.now() - started
      return planned.map((p) => ({ id: p.segment.id, to: p.to, bytes: p.segment.bytes }))
    })
  }

  async close(): Promise<void> {
    this.closed = true
    // A merge may take seconds: it is abandoned (its inputs stay live, its outputs are removed).
    if (this.compacting !== undefined) await stopCompactionWorker()
    await this.compacting?.catch(() => undefined)
    // A tier move in flight finishes (or fails) before the files close.
    await this.exclusive
    await Promise.all([...this.readers.values(), ...this.retired].map((r) => r.close()))
    this.readers.clear()
    this.retired = []
    await this.manifest.close()
  }

  /**
   * The entries to flush, in key order, in runs of FLUSH_SLICE with an event-loop turn between
   * runs. Runs rather than single entries: an entry passed through async generators costs
   * several promise settlements, which were most of a flush's time on the event loop.
   */
  private async *dirtyEntries(
    databases: readonly FlushSource[],
    taken: readonly TakenDirty[],
    seq: number,
  ): AsyncIterableIterator<readonly SegmentEntry[]> {
    for (let db = 0; db < databases.length; db++) {
      const keyspace = databases[db]!
      const t = taken[db]!
      const { keys, gen } = t
      const sorted = await sortedInSlices(keys)
      let run: SegmentEntry[] = []
      for (let next = sorted.next(); !next.done; next = sorted.next()) {
        const k = next.value
        // A FLUSHDB since the keys were taken started a new generation: the record found now
        // belongs to it, and readForFlush writes nothing (the next flush writes it there).
        const rec = keyspace.readForFlush(k, t)
        if (rec === null) continue
        const key = encodeStoreKey(keyspace.space, gen, k)
        run.push(
          rec === undefined
            ? { key, seq, kind: 'delete', type: TYPE_STRING, expiresAt: 0, value: EMPTY }
            : // A hash is encoded here, in the slice that read it: later changes in place leave these bytes alone.
              { key, seq, kind: 'put', type: typeTagOf(rec.value), expiresAt: rec.expiresAt, value: storedBytesOf(rec.value) },
        )
        if (run.length === FLUSH_SLICE) {
          yield run
          run = []
          await turn()
        }
      }
      if (run.length > 0) yield run
    }
  }

  private async runCompaction(task: CompactionTask, now: number): Promise<void> {
    const ids = task.inputs.flatMap((input) => input.ids)
    const inputs = ids.map((id) => this.manifest.current.segments.find((s) => s.id === id)!)
    const pointer = task.compactPointer === undefined ? {} : { compactPointers: [task.compactPointer] }
    if (task.move) {
      await this.manifest.apply({ remove: ids, add: inputs.map((s) => ({ ...s, level: task.outputLevel })), ...pointer })
      this.stats.compactions++
      return
    }
    const config = this.options.compaction ?? DEFAULT_COMPACTION
    // Ids are handed out before the worker starts; the estimate covers the usual case (outputs
    // about as large as the inputs), and the worker asks for more when it is short. Unused ids
    // are only gaps.
    const idOfPath = new Map<string, number>()
    // Outputs stay in the tier their inputs are in; fresh data (any input on SSD) goes to SSD.
    const outputTier: Tier = inputs.every((s) => s.tier === 'hdd') ? 'hdd' : 'ssd'
    const allocate = (): string => {
      const id = this.manifest.allocateSegmentId()
      const path = join(this.dirOf(outputTier), segmentFile(id))
      idOfPath.set(path, id)
      return path
    }
    const inputBytes = inputs.reduce((n, s) => n + s.bytes, 0)
    const result = await runCompactionInWorker({
      inputs: inputs.map((s) => this.pathOf(s)),
      dropTombstones: task.dropTombstones,
      now,
      generations: this.manifest.current.generations,
      targetSegmentBytes: config.targetSegmentBytes,
      outputs: Array.from({ length: Math.ceil(inputBytes / config.targetSegmentBytes) + 2 }, allocate),
      moreOutputs: allocate,
    })
    const outputs = result.outputs.map((o) => infoOf(o.meta, idOfPath.get(o.path)!, task.outputLevel, outputTier))
    try {
      for (const output of outputs) {
        this.readers.set(output.id, await openSegment(this.pathOf(output), output.id, this.cache))
      }
      await this.manifest.apply({
        remove: ids,
        add: outputs,
        nextSegmentId: Math.max(0, ...outputs.map((o) => o.id)) + 1,
        ...pointer,
      })
    } catch (e) {
      for (const output of outputs) await this.readers.get(output.id)?.close()
      for (const output of outputs) this.readers.delete(output.id)
      for (const output of result.outputs) await unlink(output.path).catch(() => undefined)
      throw e
    }
    for (const output of outputs) this.stats.compactedBytes += output.bytes
    // Told once the edit is in, so a compaction that fails cannot take a key from the count.
    const onExpiredDropped = this.options.onExpiredDropped
    if (onExpiredDropped !== undefined) for (const key of result.expired) onExpiredDropped(key)
    this.stats.compactions++
    for (const id of ids) {
      const reader = this.readers.get(id)
      this.readers.delete(id)
      if (reader !== undefined) this.retired.push(reader)
    }
    // An open reader keeps reading an unlinked file, so the files go now and the readers once no
    // ordered scan may still be reading them.
    const written = Date.now()
    for (const output of outputs) {
      // An output inherits its inputs' reads, so compaction neither heats nor chills a range.
      const heat = inputs.reduce((h, s) => Math.max(h, this.access.get(s.id)?.heat ?? 0), 0)
      const lastAccessAt = inputs.reduce((t, s) => Math.max(t, this.access.get(s.id)?.lastAccessAt ?? written), 0)
      this.access.set(output.id, { reads: 0, heat, lastAccessAt, movedAt: 0 })
    }
    for (const id of ids) this.access.delete(id)
    for (const input of inputs) await unlink(this.pathOf(input)).catch(() => undefined)
    if (this.activeScans === 0) await this.closeRetired()
  }

  private async closeRetired(): Promise<void> {
    const retired = this.retired
    this.retired = []
    await Promise.all(retired.map((r) => r.close()))
  }
}
