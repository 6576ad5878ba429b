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
