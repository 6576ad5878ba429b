// The manifest: which segment files are live (their level, tier and key range), the checkpoint
// LSN WAL replay starts after, and the compaction pointers. The state is an immutable
// ManifestSnapshot; a ManifestEdit changes it atomically. applyEdit is pure; openManifest persists
// it LevelDB-style (docs/storage.md, "Manifest"):
//
//   CURRENT          names the live log, e.g. "MANIFEST-000003\n"; replaced by write-temp, fsync,
//                    rename, fsync dir.
//   MANIFEST-<n>     an append-only log of records: a full snapshot first, then edits. An edit is
//                    applied once its record is fdatasynced. Past a size threshold the next edit
//                    starts a new log holding one snapshot record, and CURRENT is switched.
//
// Record frame (little-endian): crc32c (u32) over the next 4 + n bytes ‖ n (u32) ‖ n bytes of
// UTF-8 JSON. Recovery treats an invalid record with no intact record after it as the torn end of
// an unacknowledged write (the edit never happened); an invalid record followed by an intact one
// is corruption and fails loudly, naming the file and offset.

import { open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises'
import { createDirDurably, syncDirectory } from './durable-dir.js'
import { join } from 'node:path'
import { crc32c } from './crc32c.js'

export type Tier = 'ssd' | 'hdd'
export const TIERS: readonly Tier[] = ['ssd', 'hdd']

/** One live segment file. */
export interface SegmentInfo {
  readonly id: number
  /** 0 holds flushed memtables (ranges overlap); 1 and deeper are non-overlapping sorted runs. */
  readonly level: number
  readonly tier: Tier
  /** File name relative to its tier's directory. */
  readonly file: string
  readonly bytes: number
  readonly entries: number
  readonly tombstones: number
  readonly firstKey: Buffer
  readonly lastKey: Buffer
  readonly minSeq: number
  readonly maxSeq: number
  /** Earliest expiresAt among entries that carry one; 0 when none does. */
  readonly minExpiresAt: number
}

/** Where round-robin compaction of a level resumes: after this key. */
export interface CompactPointer {
  readonly level: number
  readonly key: Buffer
}

export interface ManifestSnapshot {
  /**
   * Sorted by level; within level 0 newest first (maxSeq, then id, descending), which is the order
   * reads consult them; within deeper levels by firstKey.
   */
  readonly segments: readonly SegmentInfo[]
  /** WAL records with LSN <= this are in segments; replay starts after it. */
  readonly checkpointLsn: number
  /** Every id in use is below this. */
  readonly nextSegmentId: number
  /** At most one per level, sorted by level. */
  readonly compactPointers: readonly CompactPointer[]
  /**
   * Each database's generation (FLUSHDB starts a new one); a database not listed is at 0. Store
   * keys carry their database's generation, so records of an older one are dead: reads never
   * reach them and compaction drops them.
   */
  readonly generations: readonly Generation[]
  /**
   * Each tenant's database map whose databases do not all show their own keyspace (SWAPDB,
   * storage/keyspaces.ts), by tenant number; a tenant not listed has the identity map. An after
   * image as of the checkpoint: the WAL's DBMAP ops after checkpointLsn replace it again.
   */
  readonly databaseMaps: readonly DatabaseMap[]
}

export interface Generation {
  readonly db: number
  readonly gen: number
}

/** A database (index `db`, SELECT db) that shows keyspace number `space` instead of its own. */
export interface MovedDatabase {
  readonly db: number
  readonly space: number
}

/** A tenant's databases that show another keyspace than their own; every other one shows its own. */
export interface DatabaseMap {
  readonly tenant: number
  readonly moved: readonly MovedDatabase[]
}

/**
 * One atomic change. Its parts apply in this order: remove, add, move, then the scalar fields.
 * Because removals come first, removing and re-adding an id changes its level without rewriting
 * the file (a trivial move); a segment's file is obsolete once its id is removed and not re-added.
 */
export interface ManifestEdit {
  readonly remove?: readonly number[]
  readonly add?: readonly SegmentInfo[]
  /** Moves files between tiers (the file was copied and synced before the edit). */
  readonly move?: readonly { readonly id: number; readonly tier: Tier; readonly file?: string }[]
  /** Must not go backwards. */
  readonly checkpointLsn?: number
  /** Raised to at least this (and always above every added id). */
  readonly nextSegmentId?: number
  readonly compactPointers?: readonly CompactPointer[]
  /** Generations to raise (never lowered). */
  readonly generations?: readonly Generation[]
  /** Tenants' database maps, each replacing the tenant's whole (empty `moved`: the identity). */
  readonly databaseMaps?: readonly DatabaseMap[]
}

export const EMPTY_SNAPSHOT: ManifestSnapshot = Object.freeze({
  segments: Object.freeze([]),
  checkpointLsn: 0,
  nextSegmentId: 1,
  compactPointers: Object.freeze([]),
  generations: Object.freeze([]),
  databaseMaps: Object.freeze([]),
})

/** A manifest failure: `code` is ECORRUPT for damaged files, EINVAL for an invalid edit, or the errno name. */
export class ManifestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'ManifestError'
  }
}

// ---------------------------------------------------------------------------------------------
// The pure state transition.

const invalid = (message: string): ManifestError => new ManifestError(message, 'EINVAL')

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0

function checkSegment(s: SegmentInfo): void {
  const where = `segment ${String(s.id)}`
  if (!isCount(s.id)) throw invalid(`segment id must be a non-negative integer, not ${String(s.id)}`)
  if (!isCount(s.level)) throw invalid(`${where}: level must be a non-negative integer`)
  if (!TIERS.includes(s.tier)) throw invalid(`${where}: unknown tier ${String(s.tier)}`)
  checkFileName(s.file, where)
  for (const field of ['bytes', 'entries', 'tombstones', 'minSeq', 'maxSeq', 'minExpiresAt'] as const) {
    if (!isCount(s[field])) throw invalid(`${where}: ${field} must be a non-negative integer`)
  }
  if (s.tombstones > s.entries) throw invalid(`${where}: more tombstones than entries`)
  if (!Buffer.isBuffer(s.firstKey) || !Buffer.isBuffer(s.lastKey)) throw invalid(`${where}: keys must be Buffers`)
  if (Buffer.compare(s.firstKey, s.lastKey) > 0) throw invalid(`${where}: firstKey is after lastKey`)
  if (s.minSeq > s.maxSeq) throw invalid(`${where}: minSeq is above maxSeq`)
}

function checkFileName(file: unknown, where: string): void {
  if (typeof file !== 'string' || file === '' || file === '.' || file === '..' || /[/\\\0]/.test(file)) {
    throw invalid(`${where}: file must be a plain name inside its tier directory, not ${JSON.stringify(file)}`)
  }
}

function freezeSegment(s: SegmentInfo): SegmentInfo {
  return Object.freeze({
    id: s.id,
    level: s.level,
    tier: s.tier,
    file: s.file,
    bytes: s.bytes,
    entries: s.entries,
    tombstones: s.tombstones,
    firstKey: s.firstKey,
    lastKey: s.lastKey,
    minSeq: s.minSeq,
    maxSeq: s.maxSeq,
    minExpiresAt: s.minExpiresAt,
  })
}

/** The snapshot's segment order (see ManifestSnapshot.segments). */
export function compareSegments(a: SegmentInfo, b: SegmentInfo): number {
  if (a.level !== b.level) return a.level - b.level
  if (a.level === 0) return b.maxSeq - a.maxSeq || b.id - a.id
  return Buffer.compare(a.firstKey, b.firstKey) || a.id - b.id
}

/** Throws unless every level from 1 down is a non-overlapping run; `sorted` is in snapshot order. */
function checkRuns(sorted: readonly SegmentInfo[]): void {
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!
    const next = sorted[i]!
    if (next.level === 0 || next.level !== previous.level) continue
    if (Buffer.compare(previous.lastKey, next.firstKey) >= 0) {
      throw invalid(`segments ${previous.id} and ${next.id} overlap in level ${next.level}`)
    }
  }
}

/** The snapshot after `edit`, or a ManifestError (EINVAL) if the edit does not fit the snapshot. */
export function applyEdit(snapshot: ManifestSnapshot, edit: ManifestEdit): ManifestSnapshot {
  const byId = new Map<number, SegmentInfo>()
  for (const s of snapshot.segments) byId.set(s.id, s)
  for (const id of edit.remove ?? []) {
    if (!byId.delete(id)) throw invalid(`cannot remove segment ${id}: it is not live`)
  }
  let nextSegmentId = Math.max(snapshot.nextSegmentId, edit.nextSegmentId ?? 0)
  if (!isCount(nextSegmentId)) throw invalid(`nextSegmentId must be a non-negative integer`)
  for (const s of edit.add ?? []) {
    checkSegment(s)
    if (byId.has(s.id)) throw invalid(`cannot add segment ${s.id}: the id is live`)
    byId.set(s.id, freezeSegment(s))
    nextSegmentId = Math.max(nextSegmentId, s.id + 1)
  }
  for (const m of edit.move ?? []) {
    const s = byId.get(m.id)
    if (s === undefined) throw invalid(`cannot move segment ${m.id}: it is not live`)
    if (!TIERS.includes(m.tier)) throw invalid(`cannot move segment ${m.id}: unknown tier ${String(m.tier)}`)
    if (m.file !== undefined) checkFileName(m.file, `segment ${m.id}`)
    byId.set(m.id, freezeSegment({ ...s, tier: m.tier, file: m.file ?? s.file }))
  }
  let checkpointLsn = snapshot.checkpointLsn
  if (edit.checkpointLsn !== undefined) {
    if (!isCount(edit.checkpointLsn)) throw invalid(`checkpointLsn must be a non-negative integer`)
    if (edit.checkpointLsn < checkpointLsn) {
      throw invalid(`checkpointLsn cannot go back from ${checkpointLsn} to ${edit.checkpointLsn}`)
    }
    checkpointLsn = edit.checkpointLsn
  }
  let compactPointers = snapshot.compactPointers
  if (edit.compactPointers !== undefined && edit.compactPointers.length > 0) {
    const byLevel = new Map<number, CompactPointer>()
    for (const p of snapshot.compactPointers) byLevel.set(p.level, p)
    for (const p of edit.compactPointers) {
      if (!isCount(p.level) || !Buffer.isBuffer(p.key)) throw invalid(`a compact pointer needs a level and a Buffer key`)
      byLevel.set(p.level, Object.freeze({ level: p.level, key: p.key }))
    }
    compactPointers = Object.freeze([...byLevel.values()].sort((a, b) => a.level - b.level))
  }
  let generations = snapshot.generations
  if (edit.generations !== undefined && edit.generations.length > 0) {
    const byDb = new Map<number, number>()
    for (const g of snapshot.generations) byDb.set(g.db, g.gen)
    for (const g of edit.generations) {
      if (!isCount(g.db) || !isCount(g.gen)) throw invalid(`a generation needs a database and a non-negative integer`)
      byDb.set(g.db, Math.max(byDb.get(g.db) ?? 0, g.gen))
    }
    generations = Object.freeze(
      [...byDb].sort((a, b) => a[0] - b[0]).map(([db, gen]) => Object.freeze({ db, gen })),
    )
  }
  let databaseMaps = snapshot.databaseMaps
  if (edit.databaseMaps !== undefined && edit.databaseMaps.length > 0) {
    const byTenant = new Map<number, DatabaseMap>()
    for (const m of snapshot.databaseMaps) byTenant.set(m.tenant, m)
    for (const m of edit.databaseMaps) {
      checkDatabaseMap(m)
      if (m.moved.length === 0) byTenant.delete(m.tenant)
      else byTenant.set(m.tenant, Object.freeze({ tenant: m.tenant, moved: Object.freeze(m.moved.map((d) => Object.freeze({ db: d.db, space: d.space }))) }))
    }
    databaseMaps = Object.freeze([...byTenant.values()].sort((a, b) => a.tenant - b.tenant))
  }
  const segments = [...byId.values()].sort(compareSegments)
  checkRuns(segments)
  return Object.freeze({ segments: Object.freeze(segments), checkpointLsn, nextSegmentId, compactPointers, generations, databaseMaps })
}

/** Database indexes and keyspace numbers are 16 and 32 bits; each database is listed once. */
function checkDatabaseMap(m: DatabaseMap): void {
  const where = `the database map of tenant ${String(m.tenant)}`
  if (!isCount(m.tenant) || m.tenant > 0xffff) throw invalid(`a database map needs a tenant number`)
  const seen = new Set<number>()
  for (const d of m.moved) {
    if (!isCount(d.db) || d.db > 0xffff || !isCount(d.space) || d.space > 0xffff_ffff) throw invalid(`${where}: a database needs an index and a keyspace number`)
    if (seen.has(d.db)) throw invalid(`${where}: database ${d.db} is listed twice`)
    seen.add(d.db)
  }
}

// ---------------------------------------------------------------------------------------------
// Records: JSON payloads, keys in base64.

const FORMAT_VERSION = 1
const FRAME_HEADER_BYTES = 8
/** No record is this large; a length field claiming more is damage, not a record. */
const MAX_RECORD_BYTES = 1 << 30
const CURRENT = 'CURRENT'
const CURRENT_TEMP = 'CURRENT.tmp'
const MANIFEST_NAME = /^MANIFEST-(\d{6,})$/
/** Default log size past which the next edit starts a new log. */
const DEFAULT_REWRITE_BYTES = 4 << 20

const manifestName = (n: number): string => `MANIFEST-${String(n).padStart(6, '0')}`

interface SegmentJson {
  id: number
  level: number
  tier: Tier
  file: string
  bytes: number
  entries: number
  tombstones: number
  firstKey: string
  lastKey: string
  minSeq: number
  maxSeq: number
  minExpiresAt: number
}

interface PointerJson {
  level: number
  key: string
}

type RecordJson =
  | {
      format: number
      snapshot: {
        segments: SegmentJson[]
        checkpointLsn: number
        nextSegmentId: number
        compactPointers: PointerJson[]
        generations?: Generation[]
        databaseMaps?: DatabaseMap[]
      }
    }
  | {
      edit: {
        remove?: number[]
        add?: SegmentJson[]
        move?: { id: number; tier: Tier; file?: string }[]
        checkpointLsn?: number
        nextSegmentId?: number
        compactPointers?: PointerJson[]
        generations?: Generation[]
        databaseMaps?: DatabaseMap[]
      }
    }

const databaseMapToJson = (m: DatabaseMap): DatabaseMap => ({ tenant: m.tenant, moved: m.moved.map((d) => ({ db: d.db, space: d.space })) })

const segmentToJson = (s: SegmentInfo): SegmentJson => ({
  id: s.id,
  level: s.level,
  tier: s.tier,
  file: s.file,
  bytes: s.bytes,
  entries: s.entries,
  tombstones: s.tombstones,
  firstKey: s.firstKey.toString('base64'),
  lastKey: s.lastKey.toString('base64'),
  minSeq: s.minSeq,
  maxSeq: s.maxSeq,
  minExpiresAt: s.minExpiresAt,
})

const pointerToJson = (p: CompactPointer): PointerJson => ({ level: p.level, key: p.key.toString('base64') })

function editToJson(edit: ManifestEdit): RecordJson {
  const json: Extract<RecordJson, { edit: unknown }>['edit'] = {}
  if (edit.remove?.length) json.remove = [...edit.remove]
  if (edit.add?.length) json.add = edit.add.map(segmentToJson)
  if (edit.move?.length) json.move = edit.move.map((m) => (m.file === undefined ? { id: m.id, tier: m.tier } : { ...m }))
  if (edit.checkpointLsn !== undefined) json.checkpointLsn = edit.checkpointLsn
  if (edit.nextSegmentId !== undefined) json.nextSegmentId = edit.nextSegmentId
  if (edit.compactPointers?.length) json.compactPointers = edit.compactPointers.map(pointerToJson)
  if (edit.generations?.length) json.generations = edit.generations.map((g) => ({ db: g.db, gen: g.gen }))
  if (edit.databaseMaps?.length) json.databaseMaps = edit.databaseMaps.map(databaseMapToJson)
  return { edit: json }
}

const snapshotToJson = (s: ManifestSnapshot): RecordJson => ({
  format: FORMAT_VERSION,
  snapshot: {
    segments: s.segments.map(segmentToJson),
    checkpointLsn: s.checkpointLsn,
    nextSegmentId: s.nextSegmentId,
    compactPointers: s.compactPointers.map(pointerToJson),
    generations: s.generations.map((g) => ({ db: g.db, gen: g.gen })),
    databaseMaps: s.databaseMaps.map(databaseMapToJson),
  },
})

/** Thrown by the decoders below; the reader adds the file and offset. */
class RecordShapeError extends Error {}

function field<T>(value: unknown, check: (v: unknown) => v is T, what: string): T {
  if (!check(value)) throw new RecordShapeError(`${what} is missing or malformed`)
  return value
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isString = (v: unknown): v is string => typeof v === 'string'
const isArray = (v: unknown): v is unknown[] => Array.isArray(v)
const isTier = (v: unknown): v is Tier => TIERS.includes(v as Tier)
const optional = <T>(value: unknown, decode: (v: unknown) => T): T | undefined => (value === undefined ? undefined : decode(value))

function segmentFromJson(value: unknown): SegmentInfo {
  const o = field(value, isObject, 'segment')
  return {
    id: field(o.id, isCount, 'segment id'),
    level: field(o.level, isCount, 'segment level'),
    tier: field(o.tier, isTier, 'segment tier'),
    file: field(o.file, isString, 'segment file'),
    bytes: field(o.bytes, isCount, 'segment bytes'),
    entries: field(o.entries, isCount, 'segment entries'),
    tombstones: field(o.tombstones, isCount, 'segment tombstones'),
    firstKey: Buffer.from(field(o.firstKey, isString, 'segment firstKey'), 'base64'),
    lastKey: Buffer.from(field(o.lastKey, isString, 'segment lastKey'), 'base64'),
    minSeq: field(o.minSeq, isCount, 'segment minSeq'),
    maxSeq: field(o.maxSeq, isCount, 'segment maxSeq'),
    minExpiresAt: field(o.minExpiresAt, isCount, 'segment minExpiresAt'),
  }
}

function pointerFromJson(value: unknown): CompactPointer {
  const o = field(value, isObject, 'compact pointer')
  return { level: field(o.level, isCount, 'pointer level'), key: Buffer.from(field(o.key, isString, 'pointer key'), 'base64') }
}

function generationFromJson(value: unknown): Generation {
  const o = field(value, isObject, 'generation')
  return { db: field(o.db, isCount, 'generation db'), gen: field(o.gen, isCount, 'generation gen') }
}

function databaseMapFromJson(value: unknown): DatabaseMap {
  const o = field(value, isObject, 'database map')
  return {
    tenant: field(o.tenant, isCount, 'database map tenant'),
    moved: field(o.moved, isArray, 'database map moved').map((d) => {
      const m = field(d, isObject, 'moved database')
      return { db: field(m.db, isCount, 'moved database db'), space: field(m.space, isCount, 'moved database space') }
    }),
  }
}

type DecodedRecord = { kind: 'snapshot'; snapshot: ManifestSnapshot } | { kind: 'edit'; edit: ManifestEdit }

function decodeRecord(payload: Buffer): DecodedRecord {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString('utf8'))
  } catch {
    throw new RecordShapeError('the payload is not JSON')
  }
  const o = field(parsed, isObject, 'record')
  if (o.snapshot !== undefined) {
    if (o.format !== FORMAT_VERSION) throw new RecordShapeError(`unknown manifest format ${String(o.format)}`)
    const s = field(o.snapshot, isObject, 'snapshot')
    const edit: ManifestEdit = {
      add: field(s.segments, isArray, 'snapshot segments').map(segmentFromJson),
      checkpointLsn: field(s.checkpointLsn, isCount, 'snapshot checkpointLsn'),
      nextSegmentId: field(s.nextSegmentId, isCount, 'snapshot nextSegmentId'),
      compactPointers: field(s.compactPointers, isArray, 'snapshot compactPointers').map(pointerFromJson),
      generations: optional(s.generations, (v) => field(v, isArray, 'snapshot generations').map(generationFromJson)),
      databaseMaps: optional(s.databaseMaps, (v) => field(v, isArray, 'snapshot databaseMaps').map(databaseMapFromJson)),
    }
    return { kind: 'snapshot', snapshot: applyEdit(EMPTY_SNAPSHOT, edit) }
  }
  const e = field(o.edit, isObject, 'edit')
  const edit: ManifestEdit = {
    remove: optional(e.remove, (v) => field(v, isArray, 'edit remove').map((id) => field(id, isCount, 'removed id'))),
    add: optional(e.add, (v) => field(v, isArray, 'edit add').map(segmentFromJson)),
    move: optional(e.move, (v) =>
      field(v, isArray, 'edit move').map((m) => {
        const mo = field(m, isObject, 'move')
        return {
          id: field(mo.id, isCount, 'moved id'),
          tier: field(mo.tier, isTier, 'move tier'),
          file: optional(mo.file, (f) => field(f, isString, 'move file')),
        }
      }),
    ),
    checkpointLsn: optional(e.checkpointLsn, (v) => field(v, isCount, 'edit checkpointLsn')),
    nextSegmentId: optional(e.nextSegmentId, (v) => field(v, isCount, 'edit nextSegmentId')),
    compactPointers: optional(e.compactPointers, (v) => field(v, isArray, 'edit compactPointers').map(pointerFromJson)),
    generations: optional(e.generations, (v) => field(v, isArray, 'edit generations').map(generationFromJson)),
    databaseMaps: optional(e.databaseMaps, (v) => field(v, isArray, 'edit databaseMaps').map(databaseMapFromJson)),
  }
  return { kind: 'edit', edit }
}

/** One framed record. */
function frame(record: RecordJson): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8')
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  buf.writeUInt32LE(payload.length, 4)
  payload.copy(buf, FRAME_HEADER_BYTES)
  buf.writeUInt32LE(crc32c(buf.subarray(4)), 0)
  return buf
}

/** The frame at `offset` if it is whole and its checksum matches. */
function intactFrameAt(buf: Buffer, offset: number): Buffer | undefined {
  if (buf.length - offset < FRAME_HEADER_BYTES) return undefined
  const length = buf.readUInt32LE(offset + 4)
  if (length === 0 || length > MAX_RECORD_BYTES || length > buf.length - offset - FRAME_HEADER_BYTES) return undefined
  const end = offset + FRAME_HEADER_BYTES + length
  if (crc32c(buf.subarray(offset + 4, end)) !== buf.readUInt32LE(offset)) return undefined
  return buf.subarray(offset + FRAME_HEADER_BYTES, end)
}

/** The first offset after `from` where an intact record starts; records are JSON objects, so the payload opens with '{'. */
function laterIntactRecord(buf: Buffer, from: number): number | undefined {
  const OPEN_BRACE = 0x7b
  for (let offset = from + 1; offset + FRAME_HEADER_BYTES < buf.length; offset++) {
    if (buf[offset + FRAME_HEADER_BYTES] === OPEN_BRACE && intactFrameAt(buf, offset) !== undefined) return offset
  }
  return undefined
}

/** What reading one log found. */
export interface ManifestRecovery {
  /** The log that was read. */
  readonly file: string
  readonly records: number
  /** Set when an incomplete or damaged last record was ignored (its edit never took effect). */
  readonly tornTail?: { readonly offset: number; readonly bytes: number }
}

interface LogContents {
  snapshot: ManifestSnapshot
  recovery: ManifestRecovery
  /** Bytes of intact records. */
  validBytes: number
  /** Bytes of the opening snapshot record. */
  snapshotBytes: number
}

/** Replays one MANIFEST file. Throws ManifestError(ECORRUPT) naming the file and offset on damage before the tail. */
function replayLog(path: string, buf: Buffer): LogContents {
  const corrupt = (offset: number, why: string): ManifestError =>
    new ManifestError(`manifest ${path} is corrupt at offset ${offset}: ${why}`, 'ECORRUPT')
  let snapshot: ManifestSnapshot | undefined
  let snapshotBytes = 0
  let records = 0
  let offset = 0
  while (offset < buf.length) {
    const payload = intactFrameAt(buf, offset)
    if (payload === undefined) {
      const evidence = laterIntactRecord(buf, offset)
      if (evidence !== undefined) {
        throw corrupt(offset, `the record there is damaged, and an intact record follows at offset ${evidence}`)
      }
      break
    }
    let record: DecodedRecord
    try {
      record = decodeRecord(payload)
      if (record.kind === 'snapshot') {
        if (snapshot !== undefined) throw new RecordShapeError('a snapshot record after the first record')
        snapshot = record.snapshot
        snapshotBytes = FRAME_HEADER_BYTES + payload.length
      } else {
        if (snapshot === undefined) throw new RecordShapeError('the log does not open with a snapshot record')
        snapshot = applyEdit(snapshot, record.edit)
      }
    } catch (error) {
      if (error instanceof RecordShapeError || error instanceof ManifestError) throw corrupt(offset, error.message)
      throw error
    }
    records++
    offset += FRAME_HEADER_BYTES + payload.length
  }
  if (snapshot === undefined) throw corrupt(0, 'no intact snapshot record opens the log')
  const recovery: ManifestRecovery =
    offset < buf.length ? { file: path, records, tornTail: { offset, bytes: buf.length - offset } } : { file: path, records }
  return { snapshot, recovery, validBytes: offset, snapshotBytes }
}

// ---------------------------------------------------------------------------------------------
// The persistent manifest.

export interface ManifestOptions {
  /** Log size past which the next edit starts a new log with one snapshot record (default 4 MiB). */
  readonly rewriteBytes?: number
}

export interface Manifest {
  readonly dir: string
  /** The snapshot after the last applied edit. */
  readonly current: ManifestSnapshot
  /** What open found. */
  readonly recovery: ManifestRecovery
  /**
   * Applies `edit` durably and returns the new snapshot. Applies run one at a time in call order,
   * each against the snapshot its predecessor left. An invalid edit rejects with EINVAL and changes
   * nothing; an I/O failure rejects and leaves the manifest refusing every later apply (what reached
   * the disk is unknown, so only a reopen may decide), while `current` keeps the last durable state.
   */
  apply(edit: ManifestEdit): Promise<ManifestSnapshot>
  /**
   * A segment id no other caller of this manifest has been given and no live segment has. Ids are
   * only made durable by the edit that adds them; after a crash an unused id may come back, so
   * files in the tier directories that no live segment names must be deleted at start-up, before
   * new ones are written.
   */
  allocateSegmentId(): number
  /** Waits for queued applies, then closes the log. */
  close(): Promise<void>
}

/**
 * Opens the manifest in `dir` (created, with an empty snapshot, if it holds no manifest yet).
 * Leftovers of an interrupted log switch are removed. A torn last record is dropped by starting a
 * new log, so later records never follow damaged bytes.
 */
export async function openManifest(dir: string, options: ManifestOptions = {}): Promise<Manifest> {
  const rewriteBytes = options.rewriteBytes ?? DEFAULT_REWRITE_BYTES
  if (!Number.isSafeInteger(rewriteBytes) || rewriteBytes <= 0) throw invalid(`rewriteBytes must be a positive integer`)
  await ioStep(`create ${dir}`, () => createDirDurably(dir))
  const names = await ioStep(`list ${dir}`, () => readdir(dir))
  const manifestNumbers = names.flatMap((name) => {
    const match = MANIFEST_NAME.exec(name)
    return match ? [Number(match[1])] : []
  })
  const nextNumber = Math.max(0, ...manifestNumbers) + 1
  const current = names.includes(CURRENT) ? await readCurrent(dir) : undefined

  if (current === undefined) {
    await checkNeverCreated(dir, names)
    const log = new ManifestLog(dir, rewriteBytes, EMPTY_SNAPSHOT, { file: join(dir, manifestName(nextNumber)), records: 0 }, nextNumber)
    await log.startNewLog(EMPTY_SNAPSHOT)
    await removeLeftovers(dir, names, log.liveName)
    return log
  }

  const path = join(dir, current)
  const contents = replayLog(path, await ioStep(`read ${path}`, () => readFile(path)))
  const log = new ManifestLog(dir, rewriteBytes, contents.snapshot, contents.recovery, nextNumber)
  await removeLeftovers(dir, names, current)
  if (contents.recovery.tornTail !== undefined) {
    log.liveName = current
    await log.startNewLog(contents.snapshot)
  } else {
    await log.continueLog(current, contents.validBytes, contents.snapshotBytes)
  }
  return log
}

async function readCurrent(dir: string): Promise<string> {
  const path = join(dir, CURRENT)
  const text = await ioStep(`read ${path}`, () => readFile(path, 'utf8'))
  const name = text.endsWith('\n') ? text.slice(0, -1) : text
  if (!MANIFEST_NAME.test(name)) throw new ManifestError(`${path} does not name a manifest: ${JSON.stringify(text)}`, 'ECORRUPT')
  return name
}

/**
 * Without CURRENT, a directory may only hold what the very first open leaves when it dies before
 * switching CURRENT: logs that hold the empty snapshot and nothing else, or not even that. Anything
 * more means CURRENT was lost, and starting empty would discard every segment.
 */
async function checkNeverCreated(dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (!MANIFEST_NAME.test(name)) continue
    const path = join(dir, name)
    const buf = await ioStep(`read ${path}`, () => readFile(path))
    let pristine: boolean
    try {
      const { snapshot: s, recovery } = replayLog(path, buf)
      pristine = recovery.records === 1 && s.segments.length === 0 && s.checkpointLsn === 0
    } catch (error) {
      if (!(error instanceof ManifestError && error.code === 'ECORRUPT')) throw error
      pristine = laterIntactRecord(buf, -1) === undefined
    }
    if (!pristine) {
      throw new ManifestError(
        `${join(dir, CURRENT)} is missing but ${path} holds state; restore CURRENT (a line naming the live MANIFEST file) rather than start empty`,
        'ECORRUPT',
      )
    }
  }
}

/** Removes logs other than the live one and temporary files: leftovers of switches that never completed or completed before cleanup. */
async function removeLeftovers(dir: string, names: readonly string[], live: string): Promise<void> {
  for (const name of names) {
    if (name === live || !(MANIFEST_NAME.test(name) || name === CURRENT_TEMP)) continue
    await ioStep(`remove ${join(dir, name)}`, () => unlink(join(dir, name)).catch(ignoreMissing))
  }
}

const ignoreMissing = (error: unknown): void => {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
}

/** Runs a file-system step, turning its failure into a ManifestError that says what was being done. */
async function ioStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (error instanceof ManifestError) throw error
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    throw new ManifestError(`manifest: cannot ${what}: ${(error as Error).message}`, code)
  }
}

async function syncDir(dir: string): Promise<void> {
  await ioStep(`sync directory ${dir}`, () => syncDirectory(dir))
}

async function writeAll(handle: FileHandle, buf: Buffer): Promise<void> {
  let written = 0
  while (written < buf.length) {
    const { bytesWritten } = await handle.write(buf, written, buf.length - written)
    written += bytesWritten
  }
}

class ManifestLog implements Manifest {
  private handle: FileHandle | undefined
  /** The live log's name (CURRENT's content). */
  liveName = ''
  private logBytes = 0
  private snapshotBytes = 0
  private highestAllocated = 0
  private tail: Promise<unknown> = Promise.resolve()
  private failure: ManifestError | undefined
  private closed = false

  constructor(
    readonly dir: string,
    private readonly rewriteBytes: number,
    public current: ManifestSnapshot,
    readonly recovery: ManifestRecovery,
    private nextManifestNumber: number,
  ) {}

  /** Appends to the log open found intact. */
  async continueLog(name: string, validBytes: number, snapshotBytes: number): Promise<void> {
    const path = join(this.dir, name)
    this.handle = await ioStep(`open ${path}`, () => open(path, 'a'))
    this.liveName = name
    this.logBytes = validBytes
    this.snapshotBytes = snapshotBytes
  }

  /**
   * Writes `snapshot` as the only record of a new log, makes it durable, then points CURRENT at it.
   * A crash before the rename leaves CURRENT naming the old log, whose state does not include
   * `snapshot`; the next open removes the new file.
   */
  async startNewLog(snapshot: ManifestSnapshot): Promise<void> {
    const name = manifestName(this.nextManifestNumber++)
    const path = join(this.dir, name)
    const record = frame(snapshotToJson(snapshot))
    const handle = await ioStep(`create ${path}`, () => open(path, 'w'))
    try {
      await ioStep(`write ${path}`, () => writeAll(handle, record))
      await ioStep(`sync ${path}`, () => handle.datasync())
      const temp = join(this.dir, CURRENT_TEMP)
      await ioStep(`write ${temp}`, async () => {
        const currentHandle = await open(temp, 'w')
        try {
          await writeAll(currentHandle, Buffer.from(`${name}\n`))
          await currentHandle.sync()
        } finally {
          await currentHandle.close()
        }
      })
      await ioStep(`rename ${temp}`, () => rename(temp, join(this.dir, CURRENT)))
      await syncDir(this.dir)
    } catch (error) {
      await handle.close().catch(() => undefined)
      throw error
    }
    const previous = this.handle
    const previousName = this.liveName
    this.handle = handle
    this.liveName = name
    this.logBytes = record.length
    this.snapshotBytes = record.length
    await previous?.close().catch(() => undefined)
    // The old log is no longer named by CURRENT; if this unlink is lost, the next open removes it.
    if (previousName !== '') await unlink(join(this.dir, previousName)).catch(() => undefined)
  }

  allocateSegmentId(): number {
    const id = Math.max(this.highestAllocated + 1, this.current.nextSegmentId)
    this.highestAllocated = id
    return id
  }

  apply(edit: ManifestEdit): Promise<ManifestSnapshot> {
    if (this.closed) return Promise.reject(new ManifestError('manifest is closed', 'ECLOSED'))
    const run = this.tail.then(() => this.applyNow(edit))
    this.tail = run.catch(() => undefined)
    return run
  }

  private async applyNow(edit: ManifestEdit): Promise<ManifestSnapshot> {
    if (this.failure !== undefined) throw this.failure
    const next = applyEdit(this.current, edit)
    try {
      if (this.logBytes >= this.rewriteBytes && this.logBytes >= 2 * this.snapshotBytes) {
        await this.startNewLog(next)
      } else {
        const record = frame(editToJson(edit))
        const path = join(this.dir, this.liveName)
        await ioStep(`append to ${path}`, () => writeAll(this.handle!, record))
        await ioStep(`sync ${path}`, () => this.handle!.datasync())
        this.logBytes += record.length
      }
    } catch (error) {
      this.failure = error instanceof ManifestError ? error : new ManifestError(String(error), 'EIO')
      throw this.failure
    }
    this.current = next
    return next
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.tail
    await this.handle?.close()
    this.handle = undefined
  }
}
