// The in-memory Keyspace: one database held in three structures.
// - `table`: the records, off the JavaScript heap (record-table.ts), found by key. Every point
//   operation (GET/SET) is one or two lookups here.
// - `index`: the same key strings in byte order (OrderedIndex), for KEYS, SCAN and RANDOMKEY.
//   Touched only when a key is created or removed.
// - `volatile`: the keys that carry an expiry, walked round-robin by the active expire cycle. A
//   Set iterator survives deletes and inserts, so one persistent iterator serves every cycle.
//
// Expiry follows Redis's keyIsExpired: a key is expired once the clock is past its expiresAt
// (now > expiresAt), and an expired key is treated as absent everywhere.

import { NO_HOLD, type Hold, type LargeRecord } from './eviction-policy.js'
import { applyEdits, applyPatch, isExpiredAt, isPatch, type Clock, type Edit, type Entry, type Keyspace, type KeyspaceStats, type Patch, type ScanResult, type StringValue, type Value } from './keyspace.js'
import { TYPE_HASH } from './stored-value.js'
import { deleteField, hashMemoryBytes, newHash, setField, type HashValue } from './hash-value.js'
import { NO_EVENTS, NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_NEW, type KeyspaceEvents } from './keyspace-events.js'
import { OrderedIndex } from './ordered-index.js'
import { CLEAN, readRecord, RecordTable, TABLE_RECORD_OVERHEAD, type UndoHolder } from './record-table.js'
import type { TakenDirty } from './lsm-store.js'
import { touchAllWatchedKeys, touchWatchedKey, type Watch } from './watches.js'
import { keyspaceNumber, tenantOfKeyspace } from './store-keys.js'

/**
 * Where a keyspace reports its changes (the write-ahead log's journal). Every change a command
 * makes goes through it together with the entry it replaced, so a failed commit can be undone.
 * Reclaiming an expired key is not reported: replay drops keys whose expiry has passed anyway.
 * The entries it keeps view the dead records (see undoEntryAt), so it is the undo holder of the
 * keyspace's tables.
 */
export interface MutationLog extends UndoHolder {
  /** False when nothing is logged: the keyspace then skips the extra work. */
  readonly enabled: boolean
  /** `patch`, when given, says how `value` differs from the string `prev` holds. */
  put(ks: MemoryKeyspace, key: Buffer, value: Value, expiresAt: number, k: string, prev: Entry | undefined, patch?: Patch): void
  /**
   * A put over a string record, which undo takes back from where the record lies (`offset` in
   * `memory`, see RecordTable.recordMemory): no copy, no key string, no entry object. `patch`, when
   * given, says how `value` differs from that record's string.
   */
  putOver(ks: MemoryKeyspace, key: Buffer, value: Value, expiresAt: number, memory: ArrayBufferLike, offset: number, patch?: Patch): void
  expire(ks: MemoryKeyspace, key: Buffer, expiresAt: number, k: string, prev: Entry): void
  del(ks: MemoryKeyspace, key: Buffer, k: string, prev: Entry): void
  /**
   * `field` of the hash at `key` set to `value` (undefined: removed), the hash's encoding then
   * `hashtable`; `prev` is the field's value before (undefined: none) and `hashtableBefore` the
   * encoding before, for undo (restoreHashField); `order` what undo needs of the listpack's field
   * order (FieldOrder).
   */
  hashField(ks: MemoryKeyspace, key: Buffer, k: string, field: Buffer, value: Buffer | undefined, hashtable: boolean, prev: string | undefined, hashtableBefore: boolean, order: FieldOrder): void
  /** The database is emptied and moves to generation `gen`. */
  flush(ks: MemoryKeyspace, before: KeyspaceTables, gen: number): void
}

/** The structures that hold a keyspace's keys, as flush() leaves them behind (for undo). */
export interface KeyspaceTables {
  readonly table: RecordTable
  readonly index: OrderedIndex
  readonly volatile: Set<string>
  readonly disk: DiskState
}

/**
 * How the keyspace stands against the store's copy of its database (only when it is backed by
 * one). Its keys on disk are those of generation `gen`: FLUSHDB starts a new generation, which
 * makes every older record dead at once.
 */
interface DiskState {
  readonly gen: number
  /** Every key is resident: nothing needs reading from disk. */
  readonly complete: boolean
  /** Keys whose newest version is only on disk: neither resident nor deleted since. */
  readonly diskOnly: number
  /** Keys removed since the last takeDirty, whose older versions the disk may still hold. */
  readonly deleted: Set<string>
  readonly dirty: string[]
  /** While the disk's keys are being counted: the last key counted ('' before the first). */
  readonly countedUpTo: string | undefined
}

/**
 * Keys a keyspace-wide command (KEYS, SCAN, RANDOMKEY) sees on disk, gathered before it runs:
 * store keys decoded to latin1 strings, in byte order, with their expiry. `end` is the last key
 * the gathering covered: every disk key up to it is in `keys`; undefined when it reached the end
 * of the range.
 */
export interface DiskKeys {
  readonly keys: readonly string[]
  readonly expiresAt: readonly number[]
  /** Each key's value type tag (stored-value.ts), for SCAN's TYPE filter. */
  readonly types?: readonly number[]
  readonly end: string | undefined
}

/**
 * What one resident key costs on the JavaScript heap: its latin1 string (held by the ordered
 * index, and by the volatile set when it carries a TTL) and the index's slot.
 * `node --expose-gc bench/record-cost.mjs` measures the whole cost per record.
 */
const KEY_HEAP_OVERHEAD = 56

/**
 * What one resident record costs beyond its key and value bytes: the table's header, alignment
 * and slot share, and the key's copy on the heap (the key bytes counted twice).
 */
export const RECORD_OVERHEAD = TABLE_RECORD_OVERHEAD + KEY_HEAP_OVERHEAD

/**
 * What a resident record with a key and a value of these lengths costs (MEMORY USAGE): the
 * record with its share of the table, and the key's copy on the heap.
 */
export const recordBytes = (keyLength: number, valueLength: number): number =>
  RECORD_OVERHEAD + 2 * keyLength + valueLength

/**
 * Growing strings this long or longer are listed for largeRecords: far below any data budget
 * that would make them oversized (eviction-policy.ts), and few enough to look at every tick.
 */
const LARGE_RECORD_BYTES = 1024 * 1024

/** Strings this long or longer grow in place when extended at their end (patch()). */
export const GROWING_MIN = 16 * 1024
/** A growing string's room doubles up to this size, then grows by it, as Redis's sds. */
const GROW_DOUBLING_BELOW = 1024 * 1024

/**
 * A string with room to grow: `data` is the first `length` bytes of `room`. Its record owns the
 * room; a later patch() writes past `length` and makes a new GrowingString over the same room,
 * so every view handed out of an earlier one keeps its bytes.
 */
class GrowingString implements StringValue {
  readonly type = 'string'
  readonly raw = true
  readonly data: Buffer

  constructor(
    readonly room: Buffer,
    length: number,
  ) {
    this.data = room.subarray(0, length)
  }
}

/** A value read from disk for one command, not installed (MemoryKeyspace.attachPassing). */
export interface PassingValue {
  readonly data: Buffer
  readonly expiresAt: number
  /** The database generation it was read under. */
  readonly gen: number
}

/** Values read from disk by latin1 key (a Map, or a GET's one value). */
export interface PassingValues {
  get(k: string): PassingValue | undefined
}

/**
 * An entry handed out: a snapshot of the record. The value's bytes are the caller's own (the
 * table copies them out, or hands a view of a slab it never reuses: record-table.ts), so the
 * snapshot stays exact across later writes. `stored` is the record's flush state, so that an
 * undo puts it back as it was.
 */
class StoredEntry implements Entry {
  constructor(
    readonly value: Value,
    readonly expiresAt: number,
    readonly accessedAt: number,
    readonly stored: number,
  ) {}
}

/**
 * The entry getForReply hands out, refilled by every call on its keyspace: its callers (GET,
 * MGET) take the value's bytes into their reply at once, so one object serves them all instead
 * of an entry, a value and two boxed numbers per read.
 */
class ReplyEntry implements Entry {
  private readonly text: { type: 'string'; data: Buffer } = { type: 'string', data: Buffer.alloc(0) }
  value: Value = this.text
  expiresAt = 0
  accessedAt = 0

  holding(value: Value | undefined, data: Buffer, expiresAt: number, accessedAt: number): this {
    if (value === undefined) {
      this.text.data = data
      this.value = this.text
    } else this.value = value
    this.expiresAt = expiresAt
    this.accessedAt = accessedAt
    return this
  }
}

/** Follows appendfsync (journal.ts ASK_DEFAULT). */
const DEFAULT_OWNER = { ask: 4 }

/** SCAN cursors remembered (cursor id -> last key returned); the oldest is forgotten first. */
const SCAN_CURSORS = 65_536
/** Cursor ids are drawn from [2^32, 2^52): above any rank a client might pass, exact as doubles. */
const CURSOR_MIN = 2 ** 32
const CURSOR_SPAN = 2 ** 52 - 2 ** 32
/** Keys sampled per active-expire batch, as Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP. */
const EXPIRE_BATCH = 20
/** RANDOMKEY draws that may land on expired keys before falling back to a walk. */
const RANDOM_KEY_TRIES = 100

const EMPTY_VALUE = Buffer.alloc(0)

/**
 * What undo of a hash field change needs of a listpack's order, which HGETALL shows: the place of
 * a field removed from a listpack (its index), the whole order of a listpack the change turned
 * into a hashtable (undo turns it back, after newer undos put its fields back, in any order), or
 * nothing (-1).
 */
export type FieldOrder = number | readonly string[]

/** What a keyspace tells client tracking (actors/tracking.ts's TrackingTable). */
export interface KeyTracking {
  keyChanged(k: string, byCommand: boolean): void
  /** The keyspace's records were replaced wholesale (an undone FLUSHDB). */
  flushed(): void
}

/** The index of `k` in sorted `keys`, or -1. */
const binarySearch = (keys: readonly string[], k: string): number => {
  let lo = 0
  let hi = keys.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const at = keys[mid]!
    if (at === k) return mid
    if (at < k) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

export class MemoryKeyspace implements Keyspace {
  /**
   * The records. Their flush state says whether the store holds this very record: CLEAN when it
   * was read from the store, the id of the flush that wrote it (or is writing it), 0 while only
   * memory has it. A change stores the record anew (or resets the state), which starts at 0.
   * Only clean records may be evicted (isClean).
   */
  private table: RecordTable
  private index = new OrderedIndex()
  private volatile = new Set<string>()
  /** Where the active expire cycle resumes; undefined when it has to start a new round. */
  private volatileCursor: Iterator<string> | undefined
  /** Keys created while the start-up replay defers the ordered index (see deferIndex). */
  private deferredKeys: Set<string> | undefined = undefined
  private readonly cursors = new Map<number, string>()
  private readonly clock: Clock
  private readonly stats: KeyspaceStats
  /**
   * This keyspace's number, as the log and the store record it: the tenant's number times 65536
   * plus the database (SELECT n); store-keys.ts.
   */
  readonly space: number
  /**
   * The database index that shows this keyspace (SELECT n), as keyspace notifications name it:
   * the keyspace number's own until a SWAPDB (keyspaces.ts) changes it.
   */
  dbIndex: number
  private readonly log: MutationLog | undefined
  /**
   * Keys whose state changed since the last flush to the LSM store (a deleted key stays here:
   * the flush writes its tombstone). Undefined when nothing is flushed (appendonly no).
   */
  // An append-only list (duplicates allowed) rather than a Set: a push per write is sequential
  // memory, where a Set insertion into a table as large as the keyspace is a cache miss.
  private dirty: string[] | undefined
  private gen = 0
  /** See DiskState. A keyspace that no store backs is always complete. */
  private completeFlag = true
  /** Shared by a server's databases: how many are not complete (staging is skipped at 0). */
  private readonly incomplete: { count: number }
  private diskOnly = 0
  private deleted = new Set<string>()
  private countedUpTo: string | undefined = undefined
  /**
   * Values read from disk for the command about to run and not installed (see attachPassing):
   * GET and MGET read them as if resident. Only while that command runs.
   */
  private passing: PassingValues | undefined = undefined
  private readonly replyEntry = new ReplyEntry()
  /**
   * While counting: deleted keys ahead of the count whose tombstones a flush has installed since
   * the count began. The count reads the store as it was then, so it still meets them; they are
   * no longer known (the flush let go of its deleted set), and must not be counted.
   */
  private deletedAhead = new Set<string>()
  /** The deleted sets of flushes in flight: those keys stay known until the flush is installed. */
  private readonly flushing = new Map<TakenDirty, Set<string>>()
  /** Flushes started, for the ids records carry while one writes them. */
  private flushes = 0
  /**
   * The id of the last flush installed. Flushes run one at a time and their ids grow, and a
   * failed flush hands its keys back, so the next one reads them all again and notes its own
   * id on them: a record noted by a flush up to this one is on disk as it is. Installing is
   * then one assignment, not a pass over the flushed keys (which held the event loop for 40 ms
   * per 100,000 keys).
   */
  private installedFlush = 0
  /** When eviction's current sweep over the table began; -1 before the first. */
  private sweepStartedAt = -1
  /**
   * Keys patch() grew to LARGE_RECORD_BYTES or more. Not kept exact on every write: largeRecords
   * drops those no longer resident or large, so only patch() pays for it.
   */
  private readonly large = new Set<string>()
  /** Disk keys gathered for the keyspace-wide command about to run. */
  private diskKeys: DiskKeys | undefined
  private pinned = false
  /**
   * Who the keyspace belongs to, as the log needs it: the durability its changes ask for
   * (journal.ts ASK_*). A tenant sets itself here; otherwise the server's appendfsync applies.
   */
  owner: { readonly ask: number } = DEFAULT_OWNER
  /**
   * WATCHed keys of this database and the watches on each (watches.ts). Undefined while none is
   * watched; a change tests `observed` alone while nothing watches or tracks.
   */
  watches: Map<string, Watch[]> | undefined = undefined
  /**
   * Client tracking's table of the tenant (actors/tracking.ts), while any of its connections has
   * CLIENT TRACKING on. Set through track().
   */
  private tracking: KeyTracking | undefined = undefined
  /**
   * Whether `watches` or `tracking` is set: with neither (the usual case), this one field test is
   * all a change pays for WATCH and client tracking. Kept by observe().
   */
  private observed = false
  /** Keyspace notifications (keyspace-events.ts), shared by the server's keyspaces. */
  private readonly events: KeyspaceEvents

  /** Recomputes `observed`; watches.ts calls it when it sets or clears `watches`. */
  observe(): void {
    this.observed = this.watches !== undefined || this.tracking !== undefined
  }

  /** Starts (a table) or stops (undefined) telling client tracking of changes to keys. */
  track(tracking: KeyTracking | undefined): void {
    this.tracking = tracking
    this.observe()
  }

  /**
   * `k` changed (Redis's signalModifiedKey): WATCH breaks, and tracking clients are told.
   * `byCommand` is false for the reclaim of an expired key and for an undo.
   */
  private keyChanged(k: string, byCommand: boolean): void {
    if (this.watches !== undefined) touchWatchedKey(this, this.watches, k)
    this.tracking?.keyChanged(k, byCommand)
  }

  constructor(options: {
    clock: Clock
    stats: KeyspaceStats
    space?: number
    log?: MutationLog
    trackDirty?: boolean
    /** Shared by the databases of one server: how many are not complete. */
    incomplete?: { count: number }
    /** Where keyspace notifications go; none without. */
    events?: KeyspaceEvents
  }) {
    this.incomplete = options.incomplete ?? { count: 0 }
    this.events = options.events ?? NO_EVENTS
    this.clock = options.clock
    this.stats = options.stats
    this.space = options.space ?? 0
    this.dbIndex = this.space - keyspaceNumber(tenantOfKeyspace(this.space), 0)
    this.log = options.log
    this.table = new RecordTable(options.log)
    if (options.trackDirty === true) this.dirty = []
  }

  /**
   * Memory the resident records hold: the table (slabs, dead space included, and slots) and the
   * keys' copies on the heap.
   */
  get residentBytes(): number {
    const table = this.table
    return table.size === 0 ? 0 : table.memoryBytes + table.size * KEY_HEAP_OVERHEAD
  }

  /**
   * Bytes of keys and values, resident or only on disk (tenant quotas, TENANT INFO); keys only
   * on disk count at the resident records' mean size.
   */
  get dataBytes(): number {
    const table = this.table
    const resident = table.size
    if (resident === 0) return 0
    return Math.round(table.dataBytes + (this.diskOnly * table.dataBytes) / resident)
  }

  /** Never evicted: a keyspace whose owner relies on every record staying resident. */
  pin(): void {
    this.pinned = true
  }

  /** Whether evict() may drop records here (the store backs it, and it is not pinned). */
  get evictable(): boolean {
    return this.dirty !== undefined && !this.pinned
  }

  /** Records held in memory (live or expired), not counting keys only on disk. */
  get residentCount(): number {
    return this.table.size
  }

  /** The generation of this database's keys in the store. */
  get generation(): number {
    return this.gen
  }

  /** True while every key is resident, so no command needs anything read from disk. */
  get complete(): boolean {
    return this.completeFlag
  }

  private setComplete(complete: boolean): void {
    if (complete === this.completeFlag) return
    this.completeFlag = complete
    this.incomplete.count += complete ? -1 : 1
  }

  /** True while the keys on disk are being counted (DBSIZE waits for the count). */
  get counting(): boolean {
    return this.countedUpTo !== undefined
  }

  /**
   * Whether the resident set decides this key: it is resident (live or expired), or it was
   * deleted since the last flush (also by a flush still in flight). Staging never reads a known
   * key from disk: the disk may hold the version a delete replaced.
   */
  known(k: string): boolean {
    if (this.table.has(k) || this.deleted.has(k)) return true
    for (const deleted of this.flushing.values()) if (deleted.has(k)) return true
    return false
  }

  /**
   * Opens the keyspace over the store's copy of its database: `gen` is the generation the store
   * records, and `onDisk` whether it holds any of its keys. Those keys are then counted
   * (beginCount .. endCount) while the server already serves.
   */
  attachDisk(gen: number, onDisk: boolean): void {
    this.gen = gen
    if (!onDisk) return
    this.setComplete(false)
    this.diskOnly = 0
    this.countedUpTo = ''
  }

  /** The counting pass met `k` on disk (keys come in byte order). */
  countDiskKey(k: string): void {
    if (!this.known(k) && !(this.deletedAhead.size > 0 && this.deletedAhead.delete(k))) this.diskOnly++
    this.countedUpTo = k
  }

  endCount(): void {
    this.countedUpTo = undefined
    this.deletedAhead = new Set()
  }

  /**
   * Puts a record read back from the store, as clean (it is on disk already): neither logged nor
   * marked changed. Does nothing if the key is known meanwhile (a newer write or a delete wins).
   */
  install(key: Buffer, value: Value, expiresAt: number): void {
    const k = key.toString('latin1')
    if (this.known(k)) return
    this.store(this.table.findString(k), k, value, expiresAt, this.clock(), CLEAN)
    this.indexAdd(k)
    if (expiresAt !== 0) this.volatile.add(k)
    this.uncountDiskKey(k)
  }

  /** Compaction removed the newest version of `k` from disk because it expired. */
  diskKeyExpired(k: string): void {
    if (!this.known(k)) this.uncountDiskKey(k)
  }

  /**
   * Drops clean records from memory until `bytes` are freed or `maxVisits` records were looked
   * at (they stay in the store); returns the bytes freed. Changed records are never dropped:
   * they exist nowhere else until a flush has installed them. While the disk keys are counted,
   * only keys the count has passed are dropped: one ahead of it would be counted twice, once
   * here and once when the count meets it on disk.
   *
   * The order is CLOCK over the table's slabs: a persistent sweep visits the records, sparing
   * those accessed since the sweep began (a second chance), so cold records go first, as with
   * LRU. Records appended together go together, which empties whole slabs and returns them,
   * where random sampling would leave every slab pinned by a few survivors.
   */
  evict(bytes: number, maxVisits: number, hold: Hold = NO_HOLD): number {
    if (this.dirty === undefined || this.pinned) return 0
    const countedUpTo = this.countedUpTo
    const table = this.table
    const now = this.clock()
    if (this.sweepStartedAt < 0) this.sweepStartedAt = now
    const heldSince = now - hold.belowAgeMs
    let freed = 0
    for (let n = 0; n < maxVisits && freed < bytes && table.size > 0; n++) {
      if (!table.sweepNext()) {
        this.sweepStartedAt = this.clock()
        if (!table.sweepNext()) break
      }
      if (!this.isClean(table.sweepStored()) || table.sweepAccessedAt() > this.sweepStartedAt) continue
      if (table.sweepAccessedAt() > heldSince && table.sweepDataBytes() >= hold.minBytes) continue
      const k = table.sweepKey()
      if (countedUpTo !== undefined && k > countedUpTo) continue
      const expiresAt = table.sweepExpiresAt()
      freed += table.sweepDataBytes() + RECORD_OVERHEAD
      table.sweepRemove()
      this.unindex(k, expiresAt)
      this.diskOnly++
      if (this.completeFlag) this.setComplete(false)
    }
    return freed
  }

  /** Number of distinct keys changed since the last takeDirty(). */
  get dirtyCount(): number {
    return this.dirty === undefined ? 0 : new Set(this.dirty).size
  }

  /** Entries in the changed-keys list (with repeats): what evict has to look through. */
  get dirtyLength(): number {
    return this.dirty?.length ?? 0
  }

  /**
   * The resident records of LARGE_RECORD_BYTES or more that patch() grew (strings being appended
   * to), for the eviction policy's holdOversized. Their bytes are measured as evict() measures
   * what a record frees.
   */
  largeRecords(): LargeRecord[] {
    const records: LargeRecord[] = []
    if (this.large.size === 0) return records
    const table = this.table
    const now = this.clock()
    for (const k of this.large) {
      const slot = table.findString(k)
      const value = slot < 0 || !table.isObject(slot) ? undefined : table.object(slot)
      if (!(value instanceof GrowingString) || value.room.length < LARGE_RECORD_BYTES) {
        this.large.delete(k)
        continue
      }
      records.push({ bytes: k.length + value.room.length, ageMs: now - table.accessedAt(slot), dirty: !this.isClean(table.stored(slot)) })
    }
    return records
  }

  /**
   * Hands over the keys changed since the last call and starts a new set (a flush writes them
   * out). Until flushInstalled or returnDirty, they stay known and unevictable.
   */
  takeDirty(): TakenDirty {
    // The list itself, not a deduplicated copy: a Set as large as a flush outlived scavenges and
    // died in the old generation (31 MB of it per million keys loaded). The flush's sort drops repeats.
    const taken: TakenDirty = { keys: this.dirty ?? [], gen: this.gen, id: ++this.flushes }
    if (this.dirty !== undefined) this.dirty = []
    this.flushing.set(taken, this.deleted)
    this.deleted = new Set()
    return taken
  }

  returnDirty(taken: TakenDirty): void {
    const deleted = this.flushing.get(taken)
    this.flushing.delete(taken)
    const dirty = this.dirty
    if (dirty === undefined) return
    for (const k of taken.keys) dirty.push(k)
    // Not a key written again since: see recreated().
    if (deleted !== undefined && taken.gen === this.gen) for (const k of deleted) if (!this.table.has(k)) this.deleted.add(k)
  }

  flushInstalled(taken: TakenDirty): void {
    const countedUpTo = this.countedUpTo
    const deleted = this.flushing.get(taken)
    if (countedUpTo !== undefined && deleted !== undefined) for (const k of deleted) if (k > countedUpTo) this.deletedAhead.add(k)
    this.flushing.delete(taken)
    if ([...this.flushing.keys()].some((other) => other.id < taken.id)) {
      // An older flush is still writing (flushes are not meant to overlap): its records must not
      // pass for clean, so only this flush's own are marked, one by one.
      const table = this.table
      for (const k of taken.keys) {
        const slot = table.findString(k)
        if (slot >= 0 && table.stored(slot) === taken.id) table.setStored(slot, CLEAN)
      }
    } else if (taken.id > this.installedFlush) this.installedFlush = taken.id
  }

  /** Whether the store holds the record whose flush state is `stored` (see `table`). */
  private isClean(stored: number): boolean {
    return stored === CLEAN || (stored > 0 && stored <= this.installedFlush)
  }

  /**
   * The record a flush writes for `k` (undefined: a tombstone), noted as being written by it; null
   * when there is nothing to write. An expired record is written as it is, not as a tombstone:
   * once flushed it may be evicted and counted as a key on disk (DBSIZE counts expired keys until
   * reclaimed), and a read must then find it there to reclaim it and take it out of the count.
   *
   * A key that is not resident is a tombstone only if it was deleted (known). A flush is fuzzy:
   * the one before may have written the record that changed after this flush's key list was
   * started, been installed, and the record evicted as clean; the store holds it, and a
   * tombstone would delete it.
   *
   * Nothing is written for a flush that took its keys before a FLUSHDB (an older generation):
   * the record found now belongs to the new generation, and written under the old one it would
   * be dead on arrival. Nor may the flush note it as its own: installed, the record would pass
   * for clean and be evicted while no store generation it can be read from holds it. It stays
   * changed (listed since the FLUSHDB) for the next flush, which writes it in its generation.
   */
  readForFlush(k: string, taken: TakenDirty): Entry | undefined | null {
    if (taken.gen !== this.gen) return null
    const table = this.table
    const slot = table.findString(k)
    if (slot < 0) return this.known(k) ? undefined : null
    if (!this.isClean(table.stored(slot))) table.setStored(slot, taken.id)
    return this.keptEntryAt(slot)
  }

  /**
   * The disk keys the next keyspace-wide command sees (gathered just before it runs); cleared
   * once it has run.
   */
  attachDiskKeys(keys: DiskKeys | undefined): void {
    this.diskKeys = keys
  }

  private uncountDiskKey(k: string): void {
    const upTo = this.countedUpTo
    if ((upTo === undefined || k <= upTo) && this.diskOnly > 0) this.diskOnly--
  }

  /** The record for a latin1 key as stored, expired or not, with no side effects (flush). */
  peekStored(k: string): Entry | undefined {
    const slot = this.table.findString(k)
    return slot < 0 ? undefined : this.entryAt(slot)
  }

  /** Keys resident plus keys only on disk (expired ones not yet reclaimed included, as Redis). */
  get size(): number {
    return this.table.size + this.diskOnly
  }

  get volatileCount(): number {
    return this.volatile.size
  }

  get(key: Buffer): Entry | undefined {
    return this.read(key, false)
  }

  getForReply(key: Buffer): Entry | undefined {
    return this.read(key, true)
  }

  private read(key: Buffer, forReply: boolean): Entry | undefined {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot >= 0) {
      const now = this.clock()
      if (!isExpiredAt(table.expiresAt(slot), now)) {
        table.setAccessed(slot, now)
        this.stats.hits++
        if (!forReply) return this.entryAt(slot)
        const object = table.isObject(slot) ? (table.object(slot) as Value) : undefined
        return this.replyEntry.holding(object, object === undefined ? table.valueView(slot) : EMPTY_VALUE, table.expiresAt(slot), now)
      }
      this.expireSlot(key.toString('latin1'), slot)
    } else if (this.passing !== undefined) {
      const k = key.toString('latin1')
      const passing = this.passing.get(k)
      // Staging passes only values that had not expired; one expiring since is a miss here and
      // is reclaimed when a later read installs it. A delete or FLUSHDB since the read wins.
      if (passing !== undefined && passing.gen === this.gen && !this.known(k) && !isExpiredAt(passing.expiresAt, this.clock())) {
        this.stats.hits++
        if (forReply) return this.replyEntry.holding(undefined, passing.data, passing.expiresAt, this.clock())
        return new StoredEntry({ type: 'string', data: passing.data }, passing.expiresAt, this.clock(), CLEAN)
      }
    }
    this.stats.misses++
    // Redis notifies a read lookup that finds nothing (lookupKeyReadWithFlags): the same lookups
    // count keyspace misses.
    if ((this.events.flags & NOTIFY_KEY_MISS) !== 0) this.events.emit(this.space, this.dbIndex, 'keymiss', key)
    return undefined
  }

  notify(type: number, event: string, key: Buffer): void {
    const events = this.events
    if ((events.flags & type) !== 0) events.emit(this.space, this.dbIndex, event, key)
  }

  notifies(type: number): boolean {
    return (this.events.flags & type) !== 0
  }

  /**
   * Values read from disk that the next command (GET or MGET, see Stager) reads without their
   * being installed: a key read once, at random over far more keys than memory holds, would only
   * push out a record that is read more often, and cost an install and an eviction. Cleared (with
   * undefined) once that command has run; nothing else sees them.
   */
  attachPassing(values: PassingValues | undefined): void {
    this.passing = values
  }

  /** See RecordTable.warm: a hint before a batch of commands runs against this keyspace. */
  warm(commands: readonly (readonly Uint8Array[])[]): void {
    this.table.warm(commands)
  }

  /** Like get without touching the access time or the hit/miss counters (write-path lookups). */
  peek(key: Buffer): Entry | undefined {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot < 0) return undefined
    if (!isExpiredAt(table.expiresAt(slot), this.clock())) return this.entryAt(slot)
    this.expireSlot(key.toString('latin1'), slot)
    return undefined
  }

  /** Copies the value's bytes: the caller may reuse its Buffer afterwards. */
  set(key: Buffer, value: Value, expiresAt: number): void {
    this.write(key, value, expiresAt)
  }

  /**
   * Writes `patch` into the live string at `key`, keeping its expiry; returns its new length. A
   * string of GROWING_MIN bytes or more that the patch extends at its end grows in place, into
   * room left by the last growth, as Redis's sds does: repeated APPENDs cost what they add, not
   * the string's length.
   */
  patch(key: Buffer, patch: Patch): number {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot < 0) {
      // Not the contract (the caller found a live string), but as SETRANGE on an absent key.
      const data = applyPatch(undefined, patch)
      this.write(key, { type: 'string', data, raw: true }, 0)
      return data.length
    }
    const object = table.isObject(slot) ? (table.object(slot) as StringValue) : undefined
    const old = object === undefined ? table.valueView(slot) : object.data
    const length = Math.max(old.length, patch.offset + patch.bytes.length)
    const expiresAt = table.expiresAt(slot)
    if (length < GROWING_MIN || patch.offset < old.length) {
      this.write(key, { type: 'string', data: applyPatch(old, patch), raw: true }, expiresAt, patch)
      return length
    }
    let room = object instanceof GrowingString ? object.room : undefined
    if (room === undefined || room.length < length) {
      const grown = Buffer.allocUnsafeSlow(length < GROW_DOUBLING_BELOW ? 2 * length : length + GROW_DOUBLING_BELOW)
      grown.set(old)
      room = grown
    }
    // Nothing views the room past the old end: views are of earlier, shorter values.
    room.fill(0, old.length, patch.offset)
    room.set(patch.bytes, patch.offset)
    this.write(key, new GrowingString(room, length), expiresAt, patch, true)
    if (room.length >= LARGE_RECORD_BYTES) this.large.add(key.toString('latin1'))
    return length
  }

  /**
   * set(); for patch(), `patch` says how the value differs from the live string the key holds
   * (the log may then record only the patch), and `grown` that the value is a GrowingString to
   * hold as the record's object.
   */
  private write(key: Buffer, value: Value, expiresAt: number, patch?: Patch, grown = false): void {
    const table = this.table
    const now = this.clock()
    const slot = table.findBytes(key)
    const log = this.log
    if (slot < 0) {
      const k = key.toString('latin1')
      // `new` as Redis's dbAdd: a key not resident is new unless it may still be on disk.
      const created = (this.events.flags & NOTIFY_NEW) !== 0 && (this.completeFlag || this.known(k))
      if (log !== undefined && log.enabled) log.put(this, key, value, expiresAt, k, undefined)
      this.noteChanged(k, slot)
      this.recreated(k)
      this.store(slot, k, value, expiresAt, now, 0, key, grown)
      this.indexAdd(k)
      if (expiresAt !== 0) this.volatile.add(k)
      if (this.observed) this.keyChanged(k, true)
      if (created) this.events.emit(this.space, this.dbIndex, 'new', key)
      return
    }
    // An overwrite makes no key string unless the changed-keys list or the volatile set needs
    // one, nor any object for its undo entry: the log names the replaced record (restoreRecord).
    if (log !== undefined && log.enabled) {
      // A logged patch keeps the key's expiry (ops.ts): with another expiry, the whole value.
      const logged = patch !== undefined && table.expiresAt(slot) === expiresAt ? patch : undefined
      if (table.isObject(slot)) log.put(this, key, value, expiresAt, key.toString('latin1'), this.undoEntryAt(slot), logged)
      else log.putOver(this, key, value, expiresAt, table.recordMemory(slot), table.recordOffset(slot), logged)
    }
    const old = table.expiresAt(slot)
    const k = (this.dirty !== undefined && table.stored(slot) !== 0) || expiresAt !== 0 || old !== 0 ? key.toString('latin1') : undefined
    if (k !== undefined) this.noteChanged(k, slot)
    this.store(slot, k, value, expiresAt, now, 0, key, grown)
    // Overwriting a key that had already expired reclaims it, as Redis's lookupKeyWrite does,
    // and the write then adds the key anew (dbAdd).
    if (isExpiredAt(old, now)) {
      this.stats.expiredKeys++
      if ((this.events.flags & (NOTIFY_EXPIRED | NOTIFY_NEW)) !== 0) {
        this.notify(NOTIFY_EXPIRED, 'expired', key)
        this.notify(NOTIFY_NEW, 'new', key)
      }
    }
    if (old === 0) {
      if (expiresAt !== 0) this.volatile.add(k!)
    } else if (expiresAt === 0) this.volatile.delete(k!)
    if (this.observed) this.keyChanged(k ?? key.toString('latin1'), true)
  }

  setExpiry(key: Buffer, expiresAt: number): boolean {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot < 0) return false
    const k = key.toString('latin1')
    const now = this.clock()
    const old = table.expiresAt(slot)
    if (isExpiredAt(old, now)) {
      this.expireSlot(k, slot)
      return false
    }
    const log = this.log
    if (log !== undefined && log.enabled) log.expire(this, key, expiresAt, k, this.undoEntryAt(slot))
    this.changeExpiry(k, slot, old, expiresAt, now)
    if (this.observed) this.keyChanged(k, true)
    return true
  }

  private changeExpiry(k: string, slot: number, old: number, expiresAt: number, now: number): void {
    this.noteChanged(k, slot)
    // A write lookup refreshes the access time in Redis too.
    this.table.setExpiry(slot, expiresAt, now)
    if (old === 0) {
      if (expiresAt !== 0) this.volatile.add(k)
    } else if (expiresAt === 0) this.volatile.delete(k)
  }

  delete(key: Buffer): boolean {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot < 0) return false
    const k = key.toString('latin1')
    if (isExpiredAt(table.expiresAt(slot), this.clock())) {
      this.expireSlot(k, slot)
      return false
    }
    const log = this.log
    if (log !== undefined && log.enabled) log.del(this, key, k, this.undoEntryAt(slot))
    this.forget(k)
    this.removeSlot(k, slot)
    if (this.observed) this.keyChanged(k, true)
    return true
  }

  hashSet(key: Buffer, field: Buffer, value: Buffer, hashtable: boolean): boolean {
    const table = this.table
    const slot = table.findBytes(key)
    const now = this.clock()
    if (slot < 0 || isExpiredAt(table.expiresAt(slot), now)) {
      // A new hash is logged whole: it holds this one field.
      const hash = newHash()
      setField(hash, field.toString('latin1'), value.toString('latin1'))
      hash.hashtable = hashtable
      this.write(key, hash, 0)
      return true
    }
    const hash = table.object(slot) as HashValue
    const k = key.toString('latin1')
    const f = field.toString('latin1')
    const prev = hash.fields.get(f)
    const before = hash.hashtable
    const after = before || hashtable
    const log = this.log
    if (log !== undefined && log.enabled) {
      // Turning into a hashtable: undo will turn it back into a listpack, whose order must hold.
      const order = !before && after ? [...hash.fields.keys()] : -1
      log.hashField(this, key, k, field, value, after, prev, before, order)
    }
    setField(hash, f, value.toString('latin1'))
    hash.hashtable = after
    this.hashChanged(k, slot, hash, now)
    return prev === undefined
  }

  hashDelete(key: Buffer, field: Buffer): boolean {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot < 0 || isExpiredAt(table.expiresAt(slot), this.clock())) return false
    const hash = table.object(slot) as HashValue
    const f = field.toString('latin1')
    const prev = hash.fields.get(f)
    if (prev === undefined) return false
    if (hash.fields.size === 1) {
      // The last field: the key goes (a DEL in the log), the hash kept whole for undo.
      this.delete(key)
      return true
    }
    const k = key.toString('latin1')
    const log = this.log
    if (log !== undefined && log.enabled) {
      // A listpack's order shows (HGETALL): undo puts the field back in its place. Finding it is
      // O(n) in at most hash-max-listpack-entries fields, as Redis's listpack delete is.
      let position = -1
      if (!hash.hashtable) {
        position = 0
        for (const other of hash.fields.keys()) {
          if (other === f) break
          position++
        }
      }
      log.hashField(this, key, k, field, undefined, hash.hashtable, prev, hash.hashtable, position)
    }
    deleteField(hash, f)
    this.hashChanged(k, slot, hash, this.clock())
    return true
  }

  /**
   * The hash in `slot` was changed in place: it is a change for the next flush, and counts anew.
   * `byCommand` is false for an undo (see keyChanged).
   */
  private hashChanged(k: string, slot: number, hash: HashValue, now: number, byCommand = true): void {
    const table = this.table
    this.noteChanged(k, slot)
    table.setStored(slot, 0)
    table.setAccessed(slot, now)
    table.resizeObject(slot, hash.dataBytes, hashMemoryBytes(hash))
    if (this.observed) this.keyChanged(k, byCommand)
  }

  /**
   * Undo of a field change logged by hashField: puts the field's value back (undefined: it did
   * not exist), the encoding as it was, and the listpack's order (FieldOrder). Undo runs newest
   * first, so the key holds the hash the change was made in.
   */
  restoreHashField(k: string, field: string, prev: string | undefined, hashtable: boolean, order: FieldOrder): void {
    const position = typeof order === 'number' ? order : -1
    const slot = this.table.findString(k)
    if (slot < 0 || !this.table.isObject(slot)) return
    const hash = this.table.object(slot) as Value
    if (hash.type !== 'hash') return
    if (prev === undefined) deleteField(hash, field)
    else if (position < 0 || position >= hash.fields.size || hash.fields.has(field)) setField(hash, field, prev)
    else {
      const entries = [...hash.fields]
      entries.splice(position, 0, [field, prev])
      hash.fields.clear()
      for (const [f, v] of entries) hash.fields.set(f, v)
      hash.dataBytes += field.length + prev.length
    }
    if (typeof order !== 'number') {
      const fields = new Map<string, string>()
      for (const f of order) {
        const v = hash.fields.get(f)
        if (v !== undefined) fields.set(f, v)
      }
      for (const [f, v] of hash.fields) if (!fields.has(f)) fields.set(f, v)
      hash.fields.clear()
      for (const [f, v] of fields) hash.fields.set(f, v)
    }
    hash.hashtable = hashtable
    this.hashChanged(k, slot, hash, this.table.accessedAt(slot), false)
  }

  /** Whether `k` is resident and expired, not yet reclaimed (changes nothing, unlike peek). */
  residentExpired(k: string): boolean {
    const slot = this.table.findString(k)
    return slot >= 0 && isExpiredAt(this.table.expiresAt(slot), this.clock())
  }

  /** Whether `k` is resident and live (changes nothing, unlike peek). */
  residentLive(k: string): boolean {
    const slot = this.table.findString(k)
    return slot >= 0 && !isExpiredAt(this.table.expiresAt(slot), this.clock())
  }

  /** Whether `k` is resident (live or expired), or may be on disk. */
  mayExist(k: string): boolean {
    return this.table.findString(k) >= 0 || (!this.completeFlag && !this.known(k))
  }

  /** Whether an expiry time (0: none) has passed by this keyspace's clock. */
  hasExpired(expiresAt: number): boolean {
    return isExpiredAt(expiresAt, this.clock())
  }

  /**
   * A delete replayed from the log: the key may exist only on disk (replay does not read it
   * back), so it becomes known deleted either way, and the next flush writes its tombstone.
   */
  deleteReplayed(key: Buffer): void {
    if (this.delete(key)) return
    const k = key.toString('latin1')
    if (!this.known(k)) this.forget(k)
  }

  /**
   * EXPIRE as replay in log order applies it: also to a record whose own expiry has passed by now,
   * which it was not when the EXPIRE was made (see dropExpiredAfterReplay).
   */
  setExpiryReplayed(key: Buffer, expiresAt: number): void {
    const table = this.table
    const slot = table.findBytes(key)
    if (slot < 0) return
    this.changeExpiry(key.toString('latin1'), slot, table.expiresAt(slot), expiresAt, this.clock())
  }

  /**
   * Edits as replay applies them (ops.ts; given newest first, applied oldest first): SETRANGE's
   * patches of a string, HSET's and HDEL's fields of a hash. Also to a record whose expiry has
   * passed by now, as setExpiryReplayed; a key absent starts as a zero-filled string or an empty
   * hash, without expiry, and a hash whose last field goes is deleted. The caller reads the key
   * back from the store first when the store may hold it.
   */
  editsReplayed(key: Buffer, newestFirst: readonly Edit[]): void {
    const slot = this.table.findBytes(key)
    const old = slot < 0 ? undefined : this.entryAt(slot)
    // One at a time (replay in log order), as patch() applies it: a long string grows in place.
    if (old?.value.type === 'string' && newestFirst.length === 1 && isPatch(newestFirst[0]!)) {
      this.patch(key, newestFirst[0])
      return
    }
    // A resident hash is changed in place (and stored again, which re-counts its bytes).
    const value = applyEdits(old?.value, newestFirst)
    if (value === undefined) this.deleteReplayed(key)
    else this.set(key, value, old === undefined ? 0 : old.expiresAt)
  }

  /**
   * The end of a replay in log order: records whose expiry has passed go, as deletes the next
   * flush writes (the disk may hold older versions), and are not counted as expired keys.
   */
  dropExpiredAfterReplay(): void {
    const table = this.table
    const now = this.clock()
    for (const k of [...this.volatile]) {
      const slot = table.findString(k)
      if (slot < 0 || !isExpiredAt(table.expiresAt(slot), now)) continue
      this.forget(k)
      this.removeSlot(k, slot)
    }
  }

  /** Whether deletes are remembered (for the store's tombstones): decidedByReplay needs it. */
  get tracksChanges(): boolean {
    return this.dirty !== undefined
  }

  /**
   * Replay newest op first: whether a newer op already decided `key`, which is then resident or
   * known deleted (deleteReplayed). The byte lookup comes first: the common case, a key written
   * again, makes no string.
   */
  decidedByReplay(key: Buffer): boolean {
    if (this.table.findBytes(key) >= 0) return true
    return this.deleted.size > 0 && this.deleted.has(key.toString('latin1'))
  }

  /** Counts a keyspace hit or miss, as Redis's TOUCH (a read lookup) does. */
  touch(key: Buffer): boolean {
    return this.get(key) !== undefined
  }

  *keys(after?: Buffer): IterableIterator<Buffer> {
    if (this.diskKeys !== undefined) {
      for (const k of this.mergedKeys(after?.toString('latin1'), true, undefined)) yield Buffer.from(k, 'latin1')
      return
    }
    const from = after === undefined ? this.index.from() : this.index.from(after.toString('latin1'), true)
    const now = this.clock()
    for (const k of from) if (this.isLive(k, now)) yield Buffer.from(k, 'latin1')
  }

  *keysWithPrefix(prefix: Buffer): IterableIterator<Buffer> {
    const p = prefix.toString('latin1')
    if (this.diskKeys !== undefined) {
      for (const k of this.mergedKeys(p, false, p)) yield Buffer.from(k, 'latin1')
      return
    }
    const now = this.clock()
    for (const k of this.index.from(p)) {
      if (!k.startsWith(p)) return
      if (this.isLive(k, now)) yield Buffer.from(k, 'latin1')
    }
  }

  /**
   * Visits up to `count` keys (at least one) in byte order. A returned cursor remembers the last
   * key visited, so the next call resumes right after it whatever was inserted or deleted
   * meanwhile: every key present for the whole iteration is returned exactly once, unless the
   * client reuses a cursor. A cursor this keyspace does not remember (forgotten after
   * SCAN_CURSORS newer ones, or issued before a restart) is read as a rank position if below the
   * size, else as the end. Expired keys met on the way are reclaimed and not returned.
   */
  scan(cursor: number, count: number, accept?: (key: Buffer, entry: Entry) => boolean, prefix?: Buffer): ScanResult {
    if (this.diskKeys !== undefined) return this.scanMerged(this.diskKeys, cursor, count, accept, prefix)
    const index = this.index
    const start = prefix === undefined || prefix.length === 0 ? undefined : prefix.toString('latin1')
    let from: Iterator<string>
    if (cursor === 0) from = index.from(start)
    else {
      const last = this.cursors.get(cursor)
      if (last !== undefined) from = index.from(last, true)
      else if (cursor > 0 && cursor < index.size) {
        const at = index.at(cursor)!
        from = index.from(start !== undefined && at < start ? start : at)
      }
      else return { cursor: 0, keys: [] }
    }
    const now = this.clock()
    const budget = count >= 1 ? count : 1
    const keys: Buffer[] = []
    let last = ''
    let visited = 0
    let r = from.next()
    while (!r.done && visited < budget) {
      const k = r.value
      // Keys come in byte order from the range's start, so the first one outside it ends the scan.
      if (start !== undefined && !k.startsWith(start)) return { cursor: 0, keys }
      last = k
      visited++
      const table = this.table
      const slot = table.findString(k)
      if (isExpiredAt(table.expiresAt(slot), now)) this.expireSlot(k, slot)
      else {
        const b = Buffer.from(k, 'latin1')
        if (accept === undefined || accept(b, this.entryAt(slot))) keys.push(b)
      }
      r = from.next()
    }
    if (r.done || (start !== undefined && !r.value.startsWith(start))) return { cursor: 0, keys }
    return { cursor: this.rememberCursor(last), keys }
  }

  /**
   * Uniform over live keys: draws a random rank, reclaiming expired keys it lands on. After
   * RANDOM_KEY_TRIES expired draws it walks the keys in order instead (reclaiming as it goes), so
   * the answer is undefined only when no live key remains.
   */
  /**
   * A resident key or one of the gathered disk keys, in proportion to how many keys each side
   * holds (a few resident keys must not stand in for millions on disk).
   */
  randomKey(): Buffer | undefined {
    const disk = this.diskKeys
    if (disk !== undefined && this.diskOnly > 0 && Math.random() * this.size >= this.table.size) {
      const candidates = disk.keys.filter((k) => !this.known(k))
      if (candidates.length > 0) return Buffer.from(candidates[Math.floor(Math.random() * candidates.length)]!, 'latin1')
    }
    const resident = this.randomResidentKey()
    if (resident !== undefined || disk === undefined) return resident
    for (const k of disk.keys) if (!this.known(k)) return Buffer.from(k, 'latin1')
    return undefined
  }

  private randomResidentKey(): Buffer | undefined {
    const index = this.index
    const now = this.clock()
    const table = this.table
    for (let tries = 0; tries < RANDOM_KEY_TRIES && index.size > 0; tries++) {
      const k = index.at(Math.floor(Math.random() * index.size))!
      const slot = table.findString(k)
      if (!isExpiredAt(table.expiresAt(slot), now)) return Buffer.from(k, 'latin1')
      this.expireSlot(k, slot)
    }
    for (const k of index.from()) {
      const slot = table.findString(k)
      if (!isExpiredAt(table.expiresAt(slot), now)) return Buffer.from(k, 'latin1')
      this.expireSlot(k, slot)
    }
    return undefined
  }

  /**
   * Removes every key. Backed by a store, the database moves to a new generation: the records
   * of the old one are dead at once (compaction reclaims them), so the flush is O(1) on disk too.
   */
  flush(): void {
    this.flushTo(this.gen + 1)
  }

  /**
   * flush() as the log replays it: the generation becomes at least `gen`. Replaying over a
   * state that already reached it still empties the resident set; records on disk under `gen`
   * were written after the flush, so they stay.
   */
  flushTo(gen: number): void {
    if (this.watches !== undefined) touchAllWatchedKeys(this, this.watches)
    const log = this.log
    if (log !== undefined && log.enabled) {
      // Hand the old tables to the log (so the flush can be undone) and start empty ones: O(1).
      log.flush(this, this.tables(), gen)
      this.table = new RecordTable(log)
      this.index = new OrderedIndex()
      this.volatile = new Set()
    } else {
      this.table.clear()
      this.index.clear()
      this.volatile.clear()
    }
    this.deferredKeys?.clear()
    this.volatileCursor = undefined
    this.sweepStartedAt = -1
    if (this.dirty === undefined) return
    this.dirty = []
    this.deleted = new Set()
    if (gen > this.gen) {
      this.gen = gen
      this.setComplete(true)
      this.diskOnly = 0
      this.countedUpTo = undefined
    }
  }

  private tables(): KeyspaceTables {
    return {
      table: this.table,
      index: this.index,
      volatile: this.volatile,
      disk: {
        gen: this.gen,
        complete: this.completeFlag,
        diskOnly: this.diskOnly,
        deleted: this.deleted,
        dirty: this.dirty ?? [],
        countedUpTo: this.countedUpTo,
      },
    }
  }

  /**
   * Undo: puts back the entry a logged change replaced (undefined: the key did not exist). Not
   * logged. A string entry is immutable, so the one handed to the log is exactly the old state; a
   * hash is changed in place, and undo, newest first, puts its fields back (restoreHashField)
   * before it reaches the entry that replaced or removed the whole hash.
   */
  restore(k: string, prev: Entry | undefined): void {
    this.restoreEntry(k, prev)
    if (this.observed) this.keyChanged(k, false)
  }

  private restoreEntry(k: string, prev: Entry | undefined): void {
    this.dirty?.push(k)
    const table = this.table
    const slot = table.findString(k)
    if (prev === undefined) {
      if (slot >= 0) this.removeSlot(k, slot)
      return
    }
    const cur = slot < 0 ? 0 : table.expiresAt(slot)
    if (slot < 0) this.recreated(k)
    const stored = prev instanceof StoredEntry ? prev.stored : 0
    this.store(slot, k, prev.value, prev.expiresAt, prev.accessedAt, stored)
    if (slot < 0) this.indexAdd(k)
    if (prev.expiresAt !== 0) this.volatile.add(k)
    else if (cur !== 0) this.volatile.delete(k)
  }

  /**
   * Undo of an overwrite logged by putOver: puts back the record at `offset` in `memory`, which
   * the log's hold on the table's slabs kept as it was.
   */
  restoreRecord(memory: ArrayBufferLike, offset: number): void {
    const r = readRecord(memory, offset)
    this.restore(r.key.toString('latin1'), new StoredEntry(r.raw ? { type: 'string', data: r.value, raw: true } : { type: 'string', data: r.value }, r.expiresAt, r.accessedAt, r.stored))
  }

  /** Undo of flush(): reinstates the tables it handed to the log. */
  restoreTables(tables: KeyspaceTables): void {
    // Changes made after the flush were undone before this (undo runs newest first), so the
    // resident set returns exactly as the flush found it.
    this.table = tables.table
    this.index = tables.index
    this.volatile = tables.volatile
    this.volatileCursor = undefined
    this.sweepStartedAt = -1
    if (this.watches !== undefined) touchAllWatchedKeys(this, this.watches)
    // Keys come back that tracking clients were told were gone: they start again from nothing.
    this.tracking?.flushed()
    if (this.dirty === undefined) return
    const disk = tables.disk
    const dirty = disk.dirty
    for (const k of this.dirty) dirty.push(k)
    this.dirty = dirty
    for (const k of this.deleted) disk.deleted.add(k)
    this.deleted = disk.deleted
    this.gen = disk.gen
    this.setComplete(disk.complete)
    this.diskOnly = disk.diskOnly
    this.countedUpTo = disk.countedUpTo
  }

  /**
   * Samples EXPIRE_BATCH volatile keys at a time, round-robin, deleting the expired ones; repeats
   * while more than a quarter of a batch was expired and the deadline has not passed.
   */
  expireCycle(deadline: number): number {
    let deleted = 0
    for (;;) {
      const batch = Math.min(EXPIRE_BATCH, this.volatile.size)
      if (batch === 0) return deleted
      const now = this.clock()
      let expired = 0
      for (let n = 0; n < batch; n++) {
        let r = this.volatileCursor?.next()
        if (r === undefined || r.done) {
          this.volatileCursor = this.volatile.values()
          r = this.volatileCursor.next()
          if (r.done) break
        }
        const k = r.value
        const slot = this.table.findString(k)
        if (isExpiredAt(this.table.expiresAt(slot), now)) {
          this.expireSlot(k, slot)
          expired++
        }
      }
      deleted += expired
      if (expired * 4 <= batch || performance.now() >= deadline) return deleted
    }
  }

  /**
   * Where a SCAN cursor resumes: after a remembered key, at the start of the range (cursor 0),
   * or nowhere (an unknown cursor over a keyspace partly on disk, where ranks mean nothing).
   */
  scanResumesAfter(cursor: number): { readonly after: string | undefined } | undefined {
    if (cursor === 0) return { after: undefined }
    const last = this.cursors.get(cursor)
    return last === undefined ? undefined : { after: last }
  }

  /**
   * Live keys from the resident set and the gathered disk keys, merged in byte order, from
   * `start` (exclusive or not), within `prefix`, up to the end of what was gathered. A disk key
   * the resident set knows is left out there: the resident side decides it.
   */
  private *mergedKeys(start: string | undefined, exclusive: boolean, prefix: string | undefined): IterableIterator<string> {
    const disk = this.diskKeys!
    const now = this.clock()
    const resident = start === undefined ? this.index.from() : this.index.from(start, exclusive)
    let d = 0
    if (start !== undefined) while (d < disk.keys.length && (disk.keys[d]! < start || (exclusive && disk.keys[d] === start))) d++
    let r = resident.next()
    for (;;) {
      while (d < disk.keys.length && this.known(disk.keys[d]!)) d++
      const rk = r.done ? undefined : r.value
      const dk = d < disk.keys.length ? disk.keys[d] : undefined
      let k: string
      if (rk !== undefined && (dk === undefined || rk < dk)) {
        k = rk
        r = resident.next()
        if (disk.end !== undefined && k > disk.end) return
        if (prefix !== undefined && !k.startsWith(prefix)) return
        if (!this.isLive(k, now)) continue
      } else if (dk !== undefined) {
        k = dk
        d++
        if (prefix !== undefined && !k.startsWith(prefix)) return
      } else return
      yield k
    }
  }

  /** SCAN over a keyspace partly on disk: see scan(); `disk` holds the next keys after the cursor. */
  private scanMerged(
    disk: DiskKeys,
    cursor: number,
    count: number,
    accept: ((key: Buffer, entry: Entry) => boolean) | undefined,
    prefix: Buffer | undefined,
  ): ScanResult {
    const position = this.scanResumesAfter(cursor)
    if (position === undefined) return { cursor: 0, keys: [] }
    const p = prefix === undefined || prefix.length === 0 ? undefined : prefix.toString('latin1')
    const start = position.after ?? p
    const keys: Buffer[] = []
    const budget = count >= 1 ? count : 1
    let visited = 0
    let last: string | undefined
    // A disk key's entry stands in for what SCAN's TYPE filter reads of it, its type; without a
    // filter no entry is made.
    const typeOnDisk = (k: string): Value => {
      const at = disk.types === undefined ? -1 : binarySearch(disk.keys, k)
      return at >= 0 && disk.types![at] === TYPE_HASH ? newHash() : { type: 'string', data: EMPTY_VALUE }
    }
    for (const k of this.mergedKeys(start, position.after !== undefined, p)) {
      last = k
      const b = Buffer.from(k, 'latin1')
      if (accept === undefined) keys.push(b)
      else {
        const slot = this.table.findString(k)
        const entry: Entry = slot >= 0 ? this.entryAt(slot) : { value: typeOnDisk(k), expiresAt: 0, accessedAt: 0 }
        if (accept(b, entry)) keys.push(b)
      }
      if (++visited >= budget) return { cursor: this.rememberCursor(k), keys }
    }
    // The merge stopped at the end of the range, or at the end of what was gathered from disk.
    if (disk.end === undefined) return { cursor: 0, keys }
    return { cursor: this.rememberCursor(last !== undefined && last > disk.end ? last : disk.end), keys }
  }

  private isLive(k: string, now: number): boolean {
    return this.volatile.size === 0 || !isExpiredAt(this.table.expiresAt(this.table.findString(k)), now)
  }

  /** The record in `slot`, as a snapshot, for the command running (it dies young). */
  private entryAt(slot: number): StoredEntry {
    const table = this.table
    const data = table.value(slot)
    const value: Value = table.isObject(slot) ? (table.object(slot) as Value) : table.isRaw(slot) ? { type: 'string', data, raw: true } : { type: 'string', data }
    return new StoredEntry(value, table.expiresAt(slot), table.accessedAt(slot), table.stored(slot))
  }

  /**
   * The entry in `slot` for an undo log: its value a view of the record, which stays as it is
   * while the log is held (the journal holds slabs from reuse, record-table.ts), not a copy.
   */
  private undoEntryAt(slot: number): StoredEntry {
    const table = this.table
    const data = table.undoView(slot)
    const value: Value = table.isObject(slot) ? (table.object(slot) as Value) : table.isRaw(slot) ? { type: 'string', data, raw: true } : { type: 'string', data }
    return new StoredEntry(value, table.expiresAt(slot), table.accessedAt(slot), table.stored(slot))
  }

  /**
   * The same snapshot for a holder that keeps it past the command (a flush while it writes), its
   * value a copy. A twin of entryAt on purpose (as undoEntryAt is): V8 learns per allocation site
   * whether objects outlive a scavenge, and once a site's objects do, it allocates all of them in
   * the old generation. Sharing entryAt's site made every GET's entry and value long-lived
   * whenever the log was on (a GET -P 16 load promoted about 2.3 MB per scavenge).
   */
  private keptEntryAt(slot: number): StoredEntry {
    const table = this.table
    const data = table.value(slot)
    const value: Value = table.isObject(slot) ? (table.object(slot) as Value) : table.isRaw(slot) ? { type: 'string', data, raw: true } : { type: 'string', data }
    return new StoredEntry(value, table.expiresAt(slot), table.accessedAt(slot), table.stored(slot))
  }

  /**
   * Strings are stored as bytes in the table; other types as objects beside it. `k` may be
   * undefined when `key` is given.
   */
  private store(slot: number, k: string | undefined, value: Value, expiresAt: number, accessedAt: number, stored: number, key?: Buffer, grown = false): void {
    // A GrowingString is held as an object only as patch() made it: its room is then this
    // record's alone. Anywhere else (RENAME, COPY, undo) its bytes are copied like any string's.
    if (grown && value instanceof GrowingString) {
      this.table.putObject(slot, k ?? key!.toString('latin1'), value, expiresAt, accessedAt, stored, value.data.length, value.room.length)
    } else if (value.type === 'string') this.table.put(slot, k, value.data, expiresAt, accessedAt, stored, key, value.raw === true)
    else this.table.putObject(slot, k ?? key!.toString('latin1'), value, expiresAt, accessedAt, stored, value.dataBytes, hashMemoryBytes(value))
  }

  private expireSlot(k: string, slot: number): void {
    // Logged as a DEL, as Redis propagates the reclaim: a flush may already have written the
    // record with its expiry, and without the DEL a restart before the next flush would find it
    // on disk and count it again. The store learns of it too: the flush writes a tombstone, and
    // until then the key is known deleted, never read back from disk.
    const log = this.log
    if (log !== undefined && log.enabled) log.del(this, Buffer.from(k, 'latin1'), k, this.undoEntryAt(slot))
    this.forget(k)
    this.removeSlot(k, slot)
    this.stats.expiredKeys++
    if (this.observed) this.keyChanged(k, false)
    if ((this.events.flags & NOTIFY_EXPIRED) !== 0) this.events.emit(this.space, this.dbIndex, 'expired', Buffer.from(k, 'latin1'))
  }

  /**
   * Records, for the store, that the record of `k` at `slot` (-1: none) is about to change. A
   * record whose state is already 0 is listed once already: in the changed-keys list, or in the
   * keys a flush took and has yet to read, which writes its newest version. Listing each change
   * would grow the list by every write between flushes (640k entries for 100k keys at 160k
   * SET/s), all to be deduplicated by takeDirty on the event loop.
   */
  private noteChanged(k: string, slot: number): void {
    const dirty = this.dirty
    if (dirty !== undefined && (slot < 0 || this.table.stored(slot) !== 0)) dirty.push(k)
  }

  /**
   * `k` exists again after a delete: the delete is no longer one for the next flush to write.
   * Left in the set, it outlived the key's new record: a flush still reading the keys it took
   * before could write the new value and make the record clean, the eviction drop it, and the
   * next flush, finding the key neither in memory nor anywhere but in its deletes, write a
   * tombstone over it. The value that replaces the key on disk is the new record's, which a
   * flush writes as it writes any change.
   */
  private recreated(k: string): void {
    if (this.deleted.size > 0) this.deleted.delete(k)
  }

  /** Records, for the store, that `k` no longer exists. */
  private forget(k: string): void {
    const dirty = this.dirty
    if (dirty === undefined) return
    dirty.push(k)
    this.deleted.add(k)
  }

  private removeSlot(k: string, slot: number): void {
    const expiresAt = this.table.expiresAt(slot)
    this.table.remove(slot)
    this.unindex(k, expiresAt)
  }

  /**
   * Start-up replay: keys created from here on reach the ordered index in one sorted build, at
   * endDeferredIndex, not one insert each (a third of the replay of a log of new keys). Only
   * from an empty index, and only while nothing reads it: the replay runs no command.
   */
  deferIndex(): void {
    if (this.index.size === 0) this.deferredKeys ??= new Set()
  }

  endDeferredIndex(): void {
    const keys = this.deferredKeys
    if (keys === undefined) return
    this.deferredKeys = undefined
    // latin1 strings: the default sort's UTF-16 code unit order is byte order.
    this.index.addSorted([...keys].sort())
  }

  private indexAdd(k: string): void {
    const deferred = this.deferredKeys
    if (deferred !== undefined) deferred.add(k)
    else this.index.add(k)
  }

  /** Drops a key removed from the table from the ordered index and, if it had a TTL, the volatile set. */
  private unindex(k: string, expiresAt: number): void {
    if (this.deferredKeys?.delete(k) !== true) this.index.delete(k)
    if (expiresAt !== 0) this.volatile.delete(k)
  }

  private rememberCursor(last: string): number {
    const cursors = this.cursors
    let id: number
    do id = CURSOR_MIN + Math.floor(Math.random() * CURSOR_SPAN)
    while (cursors.has(id))
    cursors.set(id, last)
    if (cursors.size > SCAN_CURSORS) cursors.delete(cursors.keys().next().value!)
    return id
  }
}
