// What the process holds besides its data, for the memory budget (eviction-policy.ts). Redis's
// maxmemory bounds used_memory, everything its allocator handed out; here used_memory is the
// JavaScript heap plus the off-heap buffers (INFO memory), and the data (resident records, the
// store's caches, indexes and filters) gets what the rest leaves: the parsers' and the log's
// buffers, the heap's other objects, and the garbage the collector has yet to free.
//
// A sample taken between two collections counts garbage that the next one frees: under load the
// young generation fills and empties many times a second. So the gauge reports the smallest
// overhead seen over its window, the low point of that sawtooth. It rises only when the rest of
// the process has held more for a whole window, and falls at once.

export class MemoryGauge {
  private readonly samples: Float64Array
  private next = 0
  private filled = 0

  /** `window`: samples the estimate covers (the eviction actor takes one per tick). */
  constructor(window: number) {
    this.samples = new Float64Array(Math.max(1, window))
  }

  /**
   * Records one measurement and returns the overhead estimate. `usedBytes`: heap used plus
   * external memory, less what is known garbage; `dataBytes`: the budgeted data within it.
   */
  sample(usedBytes: number, dataBytes: number): number {
    const samples = this.samples
    samples[this.next] = Math.max(0, usedBytes - dataBytes)
    this.next = (this.next + 1) % samples.length
    if (this.filled < samples.length) this.filled++
    return this.overheadBytes
  }

  /** The smallest overhead in the window; 0 before the first sample. */
  get overheadBytes(): number {
    if (this.filled === 0) return 0
    let low = Infinity
    for (let n = 0; n < this.filled; n++) low = Math.min(low, this.samples[n]!)
    return low
  }
}
