// The process's memory as INFO memory and MEMORY STATS / DOCTOR report it. Node's heap and
// off-heap buffers stand in for Redis's allocator: used memory is what maxmemory bounds
// (docs/storage.md, "Memory budget"), the heap as the process holds it from the system (garbage
// not yet collected and the young generation's space included) plus the buffers.

export interface ProcessMemory {
  /** Redis's used_memory / total.allocated: heap held plus external buffers. */
  readonly used: number
  readonly rss: number
  /** The largest `used` any report has seen (Redis's peak.allocated, sampled when asked). */
  readonly peak: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
}

let peak = 0

/** Used memory when the server's modules were loaded, before any data: Redis's startup.allocated. */
const startup = ((m) => m.heapTotal + m.external)(process.memoryUsage())

export const startupMemory = (): number => startup

/** The process's memory now; raises the peak. */
export const processMemory = (): ProcessMemory => {
  const m = process.memoryUsage()
  const used = m.heapTotal + m.external
  peak = Math.max(peak, used)
  return { used, rss: m.rss, peak, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external }
}
