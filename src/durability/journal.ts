// The journal collects what commands change, between two seals: the WAL ops to write (encoded
// once, straight into a slab) and the entries they replaced, so that a batch the disk refused
// can be taken back out of memory. The durability actor seals it once per socket read.

import type { Entry, Patch, Value } from '../storage/keyspace.js'
import type { FieldOrder, KeyspaceTables, MemoryKeyspace, MutationLog } from '../storage/memory-keyspace.js'
import type { MovedDatabase } from '../storage/manifest.js'
import { OpWriter } from './ops.js'

/**
 * Undo steps, flattened as triples: (keyspace, key, previous entry or undefined), (keyspace,
 * FLUSHED, tables), (keyspace, memory, offset) for a put over a record that lies there, or
 * (keyspace, FieldUndo, undefined) for a field of a hash changed in place, (undo function,
 * SWAPPED, undefined) for a SWAPDB.
 */
export type UndoLog = unknown[]

const FLUSHED = Symbol('flushed')
const SWAPPED = Symbol('swapped')

/**
 * A hash's field as it was before a change in place: its value (undefined: absent), the hash's
 * encoding, and what undo needs of a listpack's order (FieldOrder).
 */
class FieldUndo {
  constructor(
    readonly k: string,
    readonly field: string,
    readonly prev: string | undefined,
    readonly hashtable: boolean,
    readonly order: FieldOrder,
  ) {}
}

/**
 * The durability the owners of changed keyspaces ask for (bits, several may be set): a tenant
 * created with DURABILITY always or everysec, or the server's appendfsync (ASK_DEFAULT).
 */
export const ASK_ALWAYS = 1
export const ASK_EVERYSEC = 2
export const ASK_DEFAULT = 4

/**
 * A change given as a patch (APPEND, SETRANGE) is logged as the patch once that saves this many
 * bytes over the whole value. Below it the whole value is logged: an after image decides its key
 * at replay by itself, where a patch needs the value before it.
 */
export const PATCH_MIN_SAVING = 1024

/** The changes of one sealed stretch of commands. */
export interface Sealed {
  readonly bytes: Buffer
  readonly undo: UndoLog
  /** ASK_* bits of the keyspaces changed. */
  readonly asks: number
  /** Names `bytes` for release(): they stay valid until a release of this number or later. */
  readonly take: number
  /** The undo log's stamp (see Journal), for undoDropped. */
  readonly stamp: number
}

/**
 * The entries an undo log holds view the records they replaced in the memtable's slabs (the
 * values are not copied: a copy per SET was an eighth of the event loop's time under overwrites).
 * So the journal is its keyspaces' undo holder: a slab released while a log that may view it is
 * held is not reused (record-table.ts). Whoever takes sealed logs says when it drops them
 * (undoDropped); until then they are held.
 */
export class Journal implements MutationLog {
  enabled: boolean
  private readonly writer = new OpWriter()
  private undo: UndoLog = []
  private asks = 0
  /** Logs opened so far: the stamp of the newest. */
  private stamps = 0
  /** The stamp of the log being filled (set when its first entry comes). */
  private openStamp = 0
  /** Stamps of the sealed logs not dropped yet, oldest first, from sealedHead on. */
  private sealedStamps: number[] = []
  private sealedHead = 0

  constructor(
    enabled = true,
    private readonly patchMinSaving = PATCH_MIN_SAVING,
  ) {
    this.enabled = enabled
  }

  undoStamp(): number {
    return this.stamps
  }

  oldestHeldStamp(): number {
    if (this.sealedHead < this.sealedStamps.length) return this.sealedStamps[this.sealedHead]!
    return this.undo.length > 0 ? this.openStamp : Infinity
  }

  /** The sealed logs up to and including the one stamped `stamp` are dropped (durable or undone). */
  undoDropped(stamp: number): void {
    const stamps = this.sealedStamps
    while (this.sealedHead < stamps.length && stamps[this.sealedHead]! <= stamp) this.sealedHead++
    if (this.sealedHead === stamps.length) {
      stamps.length = 0
      this.sealedHead = 0
    } else if (this.sealedHead >= 1024) {
      stamps.splice(0, this.sealedHead)
      this.sealedHead = 0
    }
  }

  /** An entry goes into the log being filled: the first one opens it. */
  private opening(): void {
    if (this.undo.length === 0) this.openStamp = ++this.stamps
  }

  /** True when changes were recorded since the last seal. */
  get dirty(): boolean {
    return this.undo.length !== 0
  }

  put(ks: MemoryKeyspace, key: Buffer, value: Value, expiresAt: number, k: string, prev: Entry | undefined, patch?: Patch): void {
    this.opening()
    this.logPut(ks.space, key, value, expiresAt, patch)
    this.asks |= ks.owner.ask
    this.undo.push(ks, k, prev)
  }

  putOver(ks: MemoryKeyspace, key: Buffer, value: Value, expiresAt: number, memory: ArrayBufferLike, offset: number, patch?: Patch): void {
    this.opening()
    this.logPut(ks.space, key, value, expiresAt, patch)
    this.asks |= ks.owner.ask
    this.undo.push(ks, memory, offset)
  }

  private logPut(space: number, key: Buffer, value: Value, expiresAt: number, patch: Patch | undefined): void {
    if (patch !== undefined && value.type === 'string' && value.data.length - patch.bytes.length >= this.patchMinSaving) this.writer.setRange(space, key, patch.offset, patch.bytes)
    else this.writer.put(space, key, value, expiresAt)
  }

  expire(ks: MemoryKeyspace, key: Buffer, expiresAt: number, k: string, prev: Entry): void {
    this.opening()
    this.writer.expire(ks.space, key, expiresAt)
    this.asks |= ks.owner.ask
    this.undo.push(ks, k, prev)
  }

  del(ks: MemoryKeyspace, key: Buffer, k: string, prev: Entry): void {
    this.opening()
    this.writer.del(ks.space, key)
    this.asks |= ks.owner.ask
    this.undo.push(ks, k, prev)
  }

  hashField(ks: MemoryKeyspace, key: Buffer, k: string, field: Buffer, value: Buffer | undefined, hashtable: boolean, prev: string | undefined, hashtableBefore: boolean, order: FieldOrder): void {
    this.opening()
    this.writer.hashField(ks.space, key, field, value, hashtable)
    this.asks |= ks.owner.ask
    this.undo.push(ks, new FieldUndo(k, field.toString('latin1'), prev, hashtableBefore, order), undefined)
  }

  flush(ks: MemoryKeyspace, before: KeyspaceTables, gen: number): void {
    this.opening()
    this.writer.flushDb(ks.space, gen)
    this.asks |= ks.owner.ask
    this.undo.push(ks, FLUSHED, before)
  }

  /** SWAPDB: tenant number `tenant`'s database map is now `moved`; `undoSwap` takes it back. */
  databaseMap(tenant: number, moved: readonly MovedDatabase[], ask: number, undoSwap: () => void): void {
    this.opening()
    this.writer.databaseMap(tenant, moved)
    this.asks |= ask
    this.undo.push(undoSwap, SWAPPED, undefined)
  }

  /** The changes since the last seal, or undefined when there were none. */
  seal(): Sealed | undefined {
    if (this.undo.length === 0) return undefined
    const take = this.writer.nextTake
    const sealed = { bytes: this.writer.take(), undo: this.undo, asks: this.asks, take, stamp: this.openStamp }
    this.sealedStamps.push(this.openStamp)
    this.undo = []
    this.asks = 0
    return sealed
  }

  /** The bytes of every seal up to `take` are no longer read: their memory may be reused. */
  release(take: number): void {
    this.writer.release(take)
  }
}

/** Takes a sealed stretch of changes back out of memory, newest first. */
export const undo = (log: UndoLog): void => {
  for (let i = log.length - 3; i >= 0; i -= 3) {
    const key = log[i + 1]
    if (key === SWAPPED) {
      ;(log[i] as () => void)()
      continue
    }
    const ks = log[i] as MemoryKeyspace
    if (key === FLUSHED) ks.restoreTables(log[i + 2] as KeyspaceTables)
    else if (typeof key === 'string') ks.restore(key, log[i + 2] as Entry | undefined)
    else if (key instanceof FieldUndo) ks.restoreHashField(key.k, key.field, key.prev, key.hashtable, key.order)
    else ks.restoreRecord(key as ArrayBufferLike, log[i + 2] as number)
  }
}
