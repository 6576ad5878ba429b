// Which part of the resident set goes to disk, as a pure function of the memory figures, so it
// is specified without I/O. As in Redis, maxmemory bounds used_memory: everything the process
// holds, not only its data. The data (the resident records plus what the store holds in memory:
// block cache, indexes, bloom filters) gets the budget the rest leaves (dataBudget). Above the
// high mark of that budget, clean records are dropped from memory (they stay in the store) down
// to the low mark. Changed records cannot be dropped until a flush has written them, so a flush
// is asked for once they take a large share.

/** Eviction starts above this share of the data's budget... */
export const HIGH_MARK = 0.9
/** ...and frees memory down to this share. */
export const LOW_MARK = 0.8
/** Changed records past this share of the data's budget ask for a flush. */
export const DIRTY_SHARE = 0.25
/**
 * Over this share, writes wait until memory is back under the high mark: eviction and flushes
 * could not keep up with them.
 */
export const STALL_MARK = 1
/**
 * The data's budget never falls below this share of maxmemory, however much the rest of the
 * process holds: below it every read would go to disk, and dropping records could not bring the
 * rest down anyway...
 */
export const MIN_DATA_SHARE = 0.25
/**
 * ...nor below this many bytes (or maxmemory, when it is smaller): with less, every flush would
 * write a sliver of a segment, and the store would spend its time writing and compacting them.
 */
export const MIN_DATA_BYTES = 8 * 1024 * 1024

/**
 * Share of maxmemory the JavaScript heap's young generation may grow to (both semi-spaces). V8
 * grows it to 32 MB under a steady allocation rate, nearly all of it garbage the next scavenge
 * frees but committed all the same, and counted as such (the overhead is measured from the
 * heap's committed size): under a 100mb limit, a third of the memory.
 */
export const YOUNG_SHARE = 1 / 12

/**
 * The young generation's growth factor for V8 (`--semi-space-growth-factor`, read whenever it
 * grows): 1, no further growth, once doubling `youngBytes` would pass YOUNG_SHARE of maxmemory;
 * otherwise V8's own 2. Without a limit V8 chooses.
 */
export const youngGrowthFactor = (maxmemory: number, youngBytes: number): 1 | 2 =>
  maxmemory > 0 && 2 * youngBytes > maxmemory * YOUNG_SHARE ? 1 : 2

/**
 * A record this large a share of the data's budget or more is oversized: eviction alone cannot
 * make room for it, so once changed it forced a flush, was dropped, and the next change read it
 * back whole (an APPEND of 100 KB to a 20 MB string under --maxmemory 20mb wrote, compacted and
 * read back 20 MB per call, and held 600-700 MB of RSS in buffers awaiting collection).
 */
export const OVERSIZED_SHARE = 0.5
/** An oversized record accessed within this long is held resident (see holdOversized). */
export const HOLD_MS = 1000
/**
 * Held records may take at most this share of maxmemory beyond the data's budget: twice, so a
 * string as large as maxmemory itself, with the room it grows into, is still held (with one
 * share, a 20 MB string under 20mb fell out of the hold and cycled again).
 */
export const HOLD_SHARE = 2

/** A large resident record (MemoryKeyspace.largeRecords): what it holds, how recently accessed. */
export interface LargeRecord {
  readonly bytes: number
  readonly ageMs: number
  /** Changed since the last flush. */
  readonly dirty: boolean
}

/** Which oversized records eviction leaves alone for now, and what they hold. */
export interface Hold {
  /** Records of at least this many bytes... */
  readonly minBytes: number
  /** ...accessed less than this long ago are held (0: none). */
  readonly belowAgeMs: number
  readonly bytes: number
  readonly dirtyBytes: number
  readonly records: number
}

export const NO_HOLD: Hold = { minBytes: Infinity, belowAgeMs: 0, bytes: 0, dirtyBytes: 0, records: 0 }

/**
 * The oversized records held resident: those accessed within HOLD_MS, newest first, while they
 * fit in HOLD_SHARE of maxmemory. A string being appended to then stays in memory between
 * calls, and changes cost what they add; once it has not been touched for HOLD_MS it is flushed
 * and dropped like any record. What they hold is not counted against the data's budget (the
 * other records keep theirs), so used memory may reach maxmemory plus the held records: a
 * bounded excess, where dropping and reading back each time took tens of times the value's
 * size in buffers. A record too large for the share alone is not held.
 */
export const holdOversized = (records: readonly LargeRecord[], budget: number, maxmemory: number): Hold => {
  if (maxmemory <= 0) return NO_HOLD
  const minBytes = budget * OVERSIZED_SHARE
  const recent = records.filter((r) => r.bytes >= minBytes && r.ageMs < HOLD_MS).sort((a, b) => a.ageMs - b.ageMs)
  if (recent.length === 0) return NO_HOLD
  const room = maxmemory * HOLD_SHARE
  let belowAgeMs = HOLD_MS
  let total = 0
  for (const r of recent) {
    total += r.bytes
    // Held means accessed more recently than the first that does not fit: the sweep tells
    // records apart by age alone.
    if (total > room) {
      belowAgeMs = r.ageMs
      break
    }
  }
  const held = recent.filter((r) => r.ageMs < belowAgeMs)
  if (held.length === 0) return NO_HOLD
  const sum = (rs: readonly LargeRecord[]): number => rs.reduce((n, r) => n + r.bytes, 0)
  return { minBytes, belowAgeMs, bytes: sum(held), dirtyBytes: sum(held.filter((r) => r.dirty)), records: held.length }
}

/** What `hold` holds of `records` (one database's share of it). */
export const heldBytes = (records: readonly LargeRecord[], hold: Hold): number =>
  records.reduce((n, r) => (r.bytes >= hold.minBytes && r.ageMs < hold.belowAgeMs ? n + r.bytes : n), 0)

export interface MemoryFigures {
  /** 0: no limit. */
  readonly maxmemory: number
  /** What the process holds besides the data: the rest of the heap, buffers in flight (MemoryGauge). */
  readonly overheadBytes: number
  readonly residentBytes: number
  readonly storeBytes: number
  /** Estimated bytes of the records changed since the last flush. */
  readonly dirtyBytes: number
  readonly flushRunning: boolean
}

export interface EvictionPlan {
  /** Bytes of clean records to drop from memory; evictShare is the same as a share of them. */
  readonly evictBytes: number
  readonly evictShare: number
  /** Start a flush (checkpoint) so changed records become clean. */
  readonly flush: boolean
  /** Memory is over the limit: hold writes that can grow it. */
  readonly stallWrites: boolean
  /** Memory is back under the high mark: held writes may run. */
  readonly resumeWrites: boolean
}

/** The memory the data may use: maxmemory less the process's other memory, down to a floor. */
export const dataBudget = (maxmemory: number, overheadBytes: number): number =>
  Math.max(maxmemory - Math.max(0, overheadBytes), maxmemory * MIN_DATA_SHARE, Math.min(maxmemory, MIN_DATA_BYTES))

export const planEviction = (m: MemoryFigures): EvictionPlan => {
  if (m.maxmemory <= 0) return { evictBytes: 0, evictShare: 0, flush: false, stallWrites: false, resumeWrites: true }
  const budget = dataBudget(m.maxmemory, m.overheadBytes)
  const used = m.residentBytes + m.storeBytes
  const over = used > budget * HIGH_MARK
  const evictBytes = over ? Math.ceil(used - budget * LOW_MARK) : 0
  // What eviction cannot reach: the changed records stand between it and the low mark.
  const blocked = over && m.residentBytes - m.dirtyBytes < evictBytes
  const flush = !m.flushRunning && (m.dirtyBytes > budget * DIRTY_SHARE || (blocked && m.dirtyBytes > 0))
  const evictShare = m.residentBytes <= 0 ? 0 : Math.min(1, evictBytes / m.residentBytes)
  return { evictBytes, evictShare, flush, stallWrites: used > budget * STALL_MARK, resumeWrites: !over }
}
