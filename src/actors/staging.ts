// Staging: before a command runs, what it reads is made resident. Commands stay synchronous
// over the resident set (the memory keyspace); a database whose keys are partly on disk has them
// read back first, here, asynchronously.
//
// - Keyed commands: each key named by the command table's key positions that the resident set
//   does not know (MemoryKeyspace.known) and that a segment's bloom filter may hold is read from
//   the store and installed as a clean record. The command then runs in the same callback, so
//   nothing is evicted in between.
// - Keyspace-wide commands: KEYS gathers every disk key its pattern's range holds, SCAN the next
//   COUNT disk keys after its cursor, RANDOMKEY one disk key from a random point; the command
//   merges them with the resident keys (MemoryKeyspace.attachDiskKeys). DBSIZE and INFO wait
//   for the start-up count of the keys on disk.
// - A database whose keys are all resident (complete) needs none of this: staging returns at
//   once, and the batch runs synchronously, as it would without a store.

import type { CommandSpec } from '../commands/spec.js'
import type { DiskKeys, MemoryKeyspace, PassingValue, PassingValues } from '../storage/memory-keyspace.js'
import { MISSING, WOULD_BLOCK, type LsmStore } from '../storage/lsm-store.js'
import type { SegmentEntry } from '../storage/segment-format.js'
import { decodeStoreKey, encodeStoreKey, prefixEnd, storeKeyPrefix } from '../storage/store-keys.js'
import { bloomHash } from '../storage/bloom.js'
import { literalPrefix } from '../storage/glob.js'
import { isExpiredAt } from '../storage/keyspace.js'
import { decodeStoredValue, TYPE_STRING } from '../storage/stored-value.js'
import { inReadBuffer } from '../protocol/read-buffer.js'
import { is, parseInteger } from '../commands/args.js'
import { parseCursor } from '../commands/generic/scan.js'

/**
 * What staging found for the command about to run: disk keys for a keyspace-wide command, values
 * read from disk for a GET or MGET.
 */
export interface Staged {
  readonly db: MemoryKeyspace
  /** Disk keys a keyspace-wide command merges with the resident ones. */
  readonly keys: DiskKeys | undefined
  /** Values a GET or MGET reads from disk without their being installed (attachPassing). */
  readonly passing?: PassingValues
  /**
   * The command has run (or never will): the gathered keys are no longer in use. Until then the
   * resident set keeps every decision the gathering relied on (see Stager.gathering).
   */
  release(): void
}

const SCAN_DEFAULT_COUNT = 10
/**
 * Keys GET and MGET read from disk are remembered by hash in a table this large; one read again
 * while remembered is installed (it is warm), others are answered without being installed.
 */
const RECENT_READS = 1 << 16
/** Disk keys RANDOMKEY gathers from its random point. */
const RANDOM_KEY_RUN = 32
const ZERO = Buffer.from([0])

/**
 * A GET's staging: the one value it reads from disk without installing it. Its own passing
 * values, so that a GET allocates no Map.
 */
class StagedValue implements Staged, PassingValues {
  db!: MemoryKeyspace
  readonly keys = undefined
  private k: string | undefined = undefined
  private value: PassingValue | undefined = undefined

  get passing(): PassingValues {
    return this
  }

  hold(db: MemoryKeyspace, k: string, value: PassingValue): this {
    this.db = db
    this.k = k
    this.value = value
    return this
  }

  get(k: string): PassingValue | undefined {
    return k === this.k ? this.value : undefined
  }

  release(): void {
    this.k = undefined
    this.value = undefined
  }
}

/** The step that installs a key read from disk, unless a FLUSHDB started a new generation since. */
const installing = (db: MemoryKeyspace, key: Buffer, gen: number, entry: SegmentEntry): (() => void) => {
  // The entry's bytes are its own: a point read copies them out of the block (BlockCursor.entry),
  // which may be a scratch buffer the next read reuses, and install copies them into a slab. The
  // key may be a view of the socket-read buffer, and the install may come after other reads (a
  // key read through the thread pool was copied before the read already).
  if (inReadBuffer(key)) key = Buffer.from(key)
  const { type, value: data, expiresAt } = entry
  return () => {
    if (db.generation === gen) db.install(key, decodeStoredValue(type, data), expiresAt)
  }
}

export class Stager {
  /** Keys read back from the store. */
  reads = 0
  /**
   * Keyspace-wide gatherings in flight, from the start of the read until their command has run.
   * The disk keys gathered are a snapshot of the store, merged at command time with what the
   * resident set decides; so while one is in flight, the resident set must not let go of what
   * it decided when the gathering read the store: eviction waits (a key resident then, evicted
   * since, would be missed) and so does a flush's install (a key deleted in memory then, whose
   * tombstone the flush just wrote, would show again from the older snapshot).
   */
  get gathering(): number {
    return this.inFlight.size
  }

  /**
   * The values handed to a GET answered on this thread, one object for all of them: such a GET
   * runs right after its staging, in the same call, and releases it before the next is staged.
   */
  private readonly onThread = new StagedValue()
  /** What the last lookUp found its answer for (see lookUp). */
  private lookedUpK = ''
  private lookedUpGen = 0
  private lookedUpKey: Buffer = Buffer.alloc(0)
  /** Hashes of keys GET and MGET read from disk lately (see RECENT_READS); 0 is empty. */
  private readonly recentReads = new Uint32Array(RECENT_READS)
  /** Gatherings in flight by number (numbers grow), and who waits for those up to a number. */
  private readonly inFlight = new Set<number>()
  private gatherings = 0
  private idleWaiters: { upTo: number; resolve: () => void }[] = []
  /** Settles once the start-up count of the keys on disk is done. */
  counted: Promise<void> = Promise.resolve()

  constructor(
    /** Every keyspace (appended to as tenants are created). */
    private readonly databases: readonly MemoryKeyspace[],
    private readonly store: LsmStore,
    /** The command table's lookup, as dispatch does it (Dispatch.resolve). */
    private readonly resolve: (argv: Buffer[]) => CommandSpec | undefined,
    private readonly now: () => number,
  ) {}

  /**
   * Makes what `argv` reads (in database `db` of a tenant whose databases are `tenantDatabases`)
   * resident. Undefined when it already is; otherwise what the command needs besides (disk keys
   * for keyspace-wide ones, values for a GET or MGET), or a promise of it when the store must
   * answer through the thread pool. With `install`, a GET or MGET has its keys installed like
   * any other command's, never handed over: EXEC stages all its commands before running any,
   * and values handed over are for the one command that runs next.
   */
  stage(
    db: MemoryKeyspace,
    argv: Buffer[],
    tenantDatabases: readonly MemoryKeyspace[],
    install = false,
  ): Promise<Staged | undefined> | Staged | undefined {
    const name = argv[0]
    // COPY ... DB n and MOVE reach another database, which may be partly on disk.
    if (db.complete && (name === undefined || name.length !== 4 || !(is(name, 'copy') || is(name, 'move')))) return undefined
    // A command dispatch will refuse (unknown, wrong arity) reads nothing.
    const spec = this.resolve(argv)
    if (spec === undefined) return undefined
    switch (spec.name) {
      case 'keys':
        return db.complete ? undefined : this.gather(db, literalPrefix(argv[1]!), undefined, Infinity)
      case 'scan':
        return db.complete ? undefined : this.stageScan(db, argv)
      case 'randomkey':
        return db.complete ? undefined : this.stageRandomKey(db)
      case 'dbsize':
      case 'info':
      case 'memory|stats':
        return this.databases.some((d) => d.counting) ? this.counted.then(() => undefined) : undefined
      case 'get':
        return install ? this.stageKeys(db, argv, spec, db, true) : this.stageGet(db, argv[1]!)
      case 'copy':
        return this.stageKeys(db, argv, spec, this.copyTarget(db, argv, tenantDatabases))
      case 'move':
        return this.stageKeys(db, argv, spec, this.moveTarget(db, argv, tenantDatabases), false, true)
      default:
        return this.stageKeys(db, argv, spec, db, install)
    }
  }

  /**
   * Resolves once every gathering already in flight has ended (later ones are not waited for,
   * so a steady stream of SCANs cannot hold a flush back).
   */
  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push({ upTo: this.gatherings, resolve }))
  }

  private startGathering(): number {
    const id = ++this.gatherings
    this.inFlight.add(id)
    return id
  }

  private endGathering(id: number): void {
    this.inFlight.delete(id)
    if (this.idleWaiters.length === 0) return
    let oldest = Infinity
    for (const n of this.inFlight) if (n < oldest) oldest = n
    const ready = this.idleWaiters.filter((w) => w.upTo < oldest)
    if (ready.length === 0) return
    this.idleWaiters = this.idleWaiters.filter((w) => w.upTo >= oldest)
    for (const w of ready) w.resolve()
  }

  /** Counts each partly-on-disk database's keys on disk, in the background. */
  countDiskKeys(): Promise<void> {
    const count = (async () => {
      for (let n = 0; n < this.databases.length; n++) {
        const db = this.databases[n]!
        if (!db.counting) continue
        const gen = db.generation
        const prefix = storeKeyPrefix(db.space, gen)
        scan: for await (const batch of this.store.scanLive(prefix, prefixEnd(prefix), { now: this.now(), includeExpired: true, countAsRead: false, values: false })) {
          // A FLUSHDB meanwhile started a new generation and ended the count.
          if (db.generation !== gen || !db.counting) break scan
          for (const entry of batch) db.countDiskKey(entry.key.toString('latin1', prefix.length))
        }
        if (db.generation === gen) db.endCount()
      }
    })()
    // A count that fails (a damaged block) leaves the databases it did not finish with the keys
    // counted so far, and DBSIZE stops waiting; the failure is the caller's to report.
    this.counted = count.catch(() => {
      for (const db of this.databases) if (db.counting) db.endCount()
    })
    return count
  }

  private copyTarget(db: MemoryKeyspace, argv: Buffer[], databases: readonly MemoryKeyspace[]): MemoryKeyspace {
    for (let i = 3; i + 1 < argv.length; i++) {
      if (!is(argv[i]!, 'db')) continue
      const n = parseInteger(argv[i + 1]!)
      if (n !== null && n >= 0 && n < databases.length) return databases[n]!
    }
    return db
  }

  /** MOVE's target: the database argv[2] names (the command itself refuses a bad one). */
  private moveTarget(db: MemoryKeyspace, argv: Buffer[], databases: readonly MemoryKeyspace[]): MemoryKeyspace {
    const n = argv.length > 2 ? parseInteger(argv[2]!) : null
    return n !== null && n >= 0 && n < databases.length ? databases[n]! : db
  }

  private stageKeys(
    db: MemoryKeyspace,
    argv: Buffer[],
    spec: CommandSpec,
    destination: MemoryKeyspace,
    install = false,
    /** MOVE: the key is read in the destination too, where finding it decides the reply. */
    alsoInDestination = false,
  ): Promise<Staged | undefined> | Staged | undefined {
    const { first, last, step } = spec.keys
    if (step <= 0 || first <= 0 || first >= argv.length) return undefined
    const end = last < 0 ? argv.length + last : Math.min(last, argv.length - 1)
    /**
     * Positions of keys read and found absent on disk: ready, as the resident set cannot have
     * dropped them. Positions, because a paused command's arguments are replaced by copies.
     */
    let absent: Set<number> | undefined
    const installs: (() => void)[] = []
    // GET and MGET may read a value from disk without installing it.
    const passing = !install && (spec.name === 'get' || spec.name === 'mget') ? new Map<string, PassingValue>() : undefined
    const staged = (): Staged | undefined =>
      passing === undefined || passing.size === 0 ? undefined : { db, keys: undefined, passing, release: () => {} }
    const reads = (): Promise<void>[] | undefined => {
      let found: Promise<void>[] | undefined
      // The key positions, and argv.length standing for MOVE's key in the destination (`absent`
      // is by position).
      const positions: number[] = []
      for (let i = first; i <= end; i += step) positions.push(i)
      if (alsoInDestination && destination !== db) positions.push(argv.length)
      for (const i of positions) {
        const inDestination = i === argv.length
        const key = argv[inDestination ? first : i]!
        if (absent?.has(i)) continue
        // Handed to the command already: read again, it would count as read twice lately.
        if (passing !== undefined && passing.size > 0 && passing.has(key.toString('latin1'))) continue
        // COPY's destination (its second key) lives in the database its DB option names.
        const target = inDestination || (i === first + step && destination !== db) ? destination : db
        const read = this.read(target, key, passing)
        if (read === undefined) continue
        if (typeof read === 'function') {
          installs.push(read)
          continue
        }
        ;(found ??= []).push(
          read.then((install) => {
            if (install === undefined) (absent ??= new Set()).add(i)
            else installs.push(install)
          }),
        )
      }
      return found
    }
    let pending = reads()
    if (pending === undefined) {
      // Every key was answered on this thread: installed now, and the command runs right after,
      // in this same call.
      for (const install of installs) install()
      return staged()
    }
    // The reads finish at different times, and an eviction tick may run between them and drop a
    // key installed, or resident, before: the keys are installed together once every read is
    // done, and checked again; the command runs right after the check, in the same callback.
    return (async () => {
      while (pending !== undefined) {
        await Promise.all(pending)
        for (const install of installs) install()
        installs.length = 0
        pending = reads()
      }
      for (const install of installs) install()
      return staged()
    })()
  }

  /**
   * Reads one key back from disk unless the resident set decides it or no segment may hold it:
   * undefined when there is nothing to install; the step that installs it when the store
   * answered on this thread (see LsmStore.tryLookup); otherwise a promise of that step, or of
   * undefined when the key is not on disk.
   */
  private read(
    db: MemoryKeyspace,
    key: Buffer,
    passing?: Map<string, PassingValue>,
  ): Promise<(() => void) | undefined> | (() => void) | undefined {
    const found = this.lookUp(db, key)
    if (found === undefined) return undefined
    const { lookedUpK: k, lookedUpGen: gen, lookedUpKey: storeKey } = this
    const use = (entry: SegmentEntry | undefined): (() => void) | undefined => {
      if (entry?.kind !== 'put') return undefined
      // Answered without installing: a string read once lately, and live (an expired one is
      // installed, so the read reclaims it as it would a resident one; another type, so that
      // GET and MGET see its type).
      if (passing !== undefined && entry.type === TYPE_STRING && !this.readAgain(storeKey) && !isExpiredAt(entry.expiresAt, this.now())) {
        return () => passing.set(k, { data: entry.value, expiresAt: entry.expiresAt, gen })
      }
      return installing(db, key, gen, entry)
    }
    if (found !== WOULD_BLOCK) return use(found)
    // `key` may be a view of the socket-read buffer, overwritten before the read returns.
    key = Buffer.from(key)
    return this.store.lookup(storeKey).then(use)
  }

  /**
   * The store's answer for a key the resident set does not decide, on this thread when it can:
   * undefined when no segment holds it (or may), WOULD_BLOCK when lookup() must answer. The key
   * as a string, its generation and its store key are left in the lookedUp fields for the caller.
   */
  private lookUp(db: MemoryKeyspace, key: Buffer): SegmentEntry | typeof WOULD_BLOCK | undefined {
    if (db.complete) return undefined
    const k = key.toString('latin1')
    if (db.known(k)) return undefined
    const gen = db.generation
    const storeKey = encodeStoreKey(db.space, gen, k)
    const found = this.store.tryLookup(storeKey)
    if (found === undefined) return undefined
    this.reads++
    if (found === MISSING) return undefined
    this.lookedUpK = k
    this.lookedUpGen = gen
    this.lookedUpKey = storeKey
    return found
  }

  /**
   * GET's one key, staged as stageKeys would stage it but without its closures and maps: a GET
   * from disk allocated about 1.2 KB in staging, a quarter of all it allocated.
   */
  private stageGet(db: MemoryKeyspace, key: Buffer): Promise<Staged | undefined> | Staged | undefined {
    const found = this.lookUp(db, key)
    if (found === undefined) return undefined
    const { lookedUpK: k, lookedUpGen: gen, lookedUpKey: storeKey } = this
    if (found !== WOULD_BLOCK) return this.gotten(db, key, k, gen, storeKey, found, this.onThread)
    // `key` may be a view of the socket-read buffer, overwritten before the read returns.
    const own = Buffer.from(key)
    return this.store.lookup(storeKey).then((entry) => this.gotten(db, own, k, gen, storeKey, entry, new StagedValue()))
  }

  /**
   * What a GET needs of its key read from disk: the value handed to it when the key was not read
   * lately and is live (`into`, returned), or else the key installed (undefined: ready).
   */
  private gotten(
    db: MemoryKeyspace,
    key: Buffer,
    k: string,
    gen: number,
    storeKey: Buffer,
    entry: SegmentEntry | undefined,
    into: StagedValue,
  ): Staged | undefined {
    if (entry?.kind !== 'put') return undefined
    if (entry.type === TYPE_STRING && !this.readAgain(storeKey) && !isExpiredAt(entry.expiresAt, this.now())) {
      return into.hold(db, k, { data: entry.value, expiresAt: entry.expiresAt, gen })
    }
    if (db.generation === gen) db.install(key, decodeStoredValue(entry.type, entry.value), entry.expiresAt)
    return undefined
  }

  /** Whether this key was read lately (see RECENT_READS); remembers it when it was not. */
  private readAgain(storeKey: Buffer): boolean {
    const hash = bloomHash(storeKey) | 1
    const slot = Math.imul(hash, 0x9e3779b1) >>> 16
    if (this.recentReads[slot] === hash >>> 0) return true
    this.recentReads[slot] = hash >>> 0
    return false
  }

  private stageScan(db: MemoryKeyspace, argv: Buffer[]): Promise<Staged> | undefined {
    const cursor = parseCursor(argv[1]!)
    if (cursor === null) return undefined
    const position = db.scanResumesAfter(Number(cursor))
    if (position === undefined) return undefined
    let count = SCAN_DEFAULT_COUNT
    let prefix: Buffer = Buffer.alloc(0)
    for (let i = 2; i + 1 < argv.length; i += 2) {
      if (is(argv[i]!, 'count')) count = Math.max(1, parseInteger(argv[i + 1]!) ?? SCAN_DEFAULT_COUNT)
      else if (is(argv[i]!, 'match')) prefix = literalPrefix(argv[i + 1]!)
    }
    const after = position.after === undefined ? undefined : Buffer.from(position.after, 'latin1')
    return this.gather(db, prefix, after, count)
  }

  private stageRandomKey(db: MemoryKeyspace): Promise<Staged> | undefined {
    // While the keys on disk are being counted, size says nothing yet about them.
    if (db.size === 0 && !db.counting) return undefined
    const range = storeKeyPrefix(db.space, db.generation)
    const point = this.store.sampleKey(range, prefixEnd(range))
    const from = point === undefined ? undefined : point.subarray(range.length)
    const none = Buffer.alloc(0)
    // From a random point on (past the last key, from the start); a few keys, as some may be
    // deleted in memory already.
    return this.gather(db, none, from, RANDOM_KEY_RUN, true).then((found) => {
      if (found.keys.keys.length > 0) return found
      found.release()
      return this.gather(db, none, undefined, RANDOM_KEY_RUN)
    })
  }

  /**
   * Up to `limit` live disk keys of `db` that start with `prefix`, after `after` when given
   * (from it, when inclusive).
   * `end` in the result is the last key gathered when the limit cut the gathering short.
   */
  private async gather(
    db: MemoryKeyspace,
    prefix: Buffer,
    after: Buffer | undefined,
    limit: number,
    /** Start at `after` itself rather than after it. */
    inclusive = false,
  ): Promise<Staged & { readonly keys: DiskKeys }> {
    const gen = db.generation
    const dbPrefix = storeKeyPrefix(db.space, gen)
    const rangeStart = Buffer.concat([dbPrefix, prefix])
    const from = after === undefined ? rangeStart : Buffer.concat(inclusive ? [dbPrefix, after] : [dbPrefix, after, ZERO])
    const to = prefixEnd(rangeStart)
    const keys: string[] = []
    const expiresAt: number[] = []
    const types: number[] = []
    let end: string | undefined
    const gathering = this.startGathering()
    try {
      if (to === undefined || Buffer.compare(from, to) < 0) {
        const start = Buffer.compare(from, rangeStart) < 0 ? rangeStart : from
        scan: for await (const batch of this.store.scanLive(start, to, { now: this.now(), values: false })) {
          for (const entry of batch) {
            const decoded = decodeStoreKey(entry.key)
            if (decoded === undefined) continue
            const k = decoded.key.toString('latin1')
            keys.push(k)
            expiresAt.push(entry.expiresAt)
            types.push(entry.type)
            if (keys.length >= limit) {
              end = k
              break scan
            }
          }
        }
      }
    } catch (e) {
      this.endGathering(gathering)
      throw e
    }
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.endGathering(gathering)
    }
    return { db, keys: { keys, expiresAt, types, end }, release }
  }
}
