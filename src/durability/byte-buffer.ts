// A reusable, growable run of bytes: the commit payload assembled from several fragments, and
// the tail of payloads appended without fdatasync. Reusing one buffer instead of allocating
// per commit matters because V8 frees a dropped Buffer's memory only when the object is
// collected, and a payload outlives a scavenge (it waits for the disk), so per-commit buffers
// pile up as tens of megabytes of garbage until the next full collection.

const INITIAL_BYTES = 64 * 1024

export class ByteBuffer {
  private buffer: Buffer
  private used = 0

  /** A buffer grown past `keepBytes` shrinks back once its contents fit in half of it. */
  constructor(private readonly keepBytes = 8 * 1024 * 1024) {
    this.buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES)
  }

  get length(): number {
    return this.used
  }

  append(bytes: Uint8Array): void {
    this.ensure(this.used + bytes.length)
    this.buffer.set(bytes, this.used)
    this.used += bytes.length
  }

  /** The contents, as a view valid until the next append, dropFront or clear. */
  view(): Buffer {
    return this.buffer.subarray(0, this.used)
  }

  /** Forgets the first `n` bytes. */
  dropFront(n: number): void {
    if (n >= this.used) {
      this.clear()
      return
    }
    this.buffer.copyWithin(0, n, this.used)
    this.used -= n
    this.shrinkIfIdle()
  }

  clear(): void {
    this.used = 0
    this.shrinkIfIdle()
  }

  private ensure(needed: number): void {
    if (needed <= this.buffer.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.buffer.length))
    this.buffer.copy(grown, 0, 0, this.used)
    this.buffer = grown
  }

  private shrinkIfIdle(): void {
    if (this.buffer.length <= this.keepBytes || this.used > this.keepBytes / 2) return
    const smaller = Buffer.allocUnsafeSlow(Math.max(INITIAL_BYTES, 2 * this.used))
    this.buffer.copy(smaller, 0, 0, this.used)
    this.buffer = smaller
  }
}
