// Verified data blocks kept in memory, least recently used first out, bounded by the bytes the
// blocks hold (their lengths; the objects that track each block, some hundreds of bytes, are not
// charged). Keyed by segment id and block offset through nested maps, so a lookup builds no
// string and every block of a deleted segment can be dropped at once. Shared by all open segments.

export interface BlockCacheStats {
  readonly hits: number
  readonly misses: number
  /** Blocks pushed out to make room (dropSegment and clear do not count). */
  readonly evictions: number
  /** Bytes the cached blocks hold. */
  readonly bytes: number
  readonly blocks: number
  readonly capacityBytes: number
}

/** A block enters the cache on this miss within the doorkeeper's memory (see shouldAdmit). */
const ADMIT_ON_MISS = 3

class Node {
  newer: Node | undefined = undefined
  older: Node | undefined = undefined
  constructor(
    readonly segmentId: number,
    readonly offset: number,
    readonly block: Buffer,
  ) {}
}

export class BlockCache {
  private readonly segments = new Map<number, Map<number, Node>>()
  /** Most recently used end of the list. */
  private newest: Node | undefined = undefined
  /** Least recently used end: evicted first. */
  private oldest: Node | undefined = undefined
  private bytes = 0
  private blocks = 0
  private hits = 0
  private misses = 0
  private evictions = 0
  /**
   * Blocks missed recently, by key segmentId * 2^32 + offset (-1: an empty slot), and how often
   * (missCounts): the admission filter of shouldAdmit. Direct-mapped, with about four times as
   * many slots as blocks fit (blocks are about 4 KB): a block's misses count while no other block
   * takes its slot. A FIFO Set did the same job, but deleting its oldest entry walks past every
   * entry deleted before it, and that walk was the largest cost of a read from disk.
   */
  private readonly doorkeeper: Float64Array
  private readonly missCounts: Uint8Array

  constructor(readonly capacityBytes: number) {
    if (!(Number.isSafeInteger(capacityBytes) && capacityBytes >= 0)) {
      throw new RangeError(`block cache capacity must be a non-negative integer, not ${capacityBytes}`)
    }
    let slots = 1024
    while (slots < capacityBytes / 1024 && slots < 1 << 24) slots *= 2
    this.doorkeeper = new Float64Array(slots).fill(-1)
    this.missCounts = new Uint8Array(slots)
  }

  /**
   * Whether a block a point read just missed should enter the cache: only on its third miss
   * within a while. Under uniform reads over data far larger than the cache, almost every block
   * is read once or twice, and caching those churns the cache for nothing: each admitted block
   * is a buffer that outlives young-generation collections and is freed only by a full one (with
   * admission on the second miss, 6% of uniform reads admitted a block, and their buffers were
   * a third of what drove the full collections). Blocks read again and again, as under a skewed
   * load, get in.
   */
  shouldAdmit(segmentId: number, offset: number): boolean {
    const key = segmentId * 2 ** 32 + offset
    const doorkeeper = this.doorkeeper
    // Blocks are kilobytes apart, segment ids consecutive: mix both into the slot.
    const slot = (Math.imul(segmentId, 0x9e3779b1) ^ Math.imul(offset >>> 9, 0x85ebca6b)) & (doorkeeper.length - 1)
    if (doorkeeper[slot] !== key) {
      doorkeeper[slot] = key
      this.missCounts[slot] = 1
      return false
    }
    if (++this.missCounts[slot]! < ADMIT_ON_MISS) return false
    doorkeeper[slot] = -1
    return true
  }

  /** The cached block, which becomes the most recently used; counts a hit or a miss. */
  get(segmentId: number, offset: number): Buffer | undefined {
    const node = this.segments.get(segmentId)?.get(offset)
    if (node === undefined) {
      this.misses++
      return undefined
    }
    this.hits++
    if (node !== this.newest) {
      this.unlink(node)
      this.pushNewest(node)
    }
    return node.block
  }

  /**
   * Caches a block as the most recently used, evicting the least recently used until the total
   * fits. A block larger than the whole capacity is not cached. The caller must not modify it.
   */
  set(segmentId: number, offset: number, block: Buffer): void {
    const existing = this.segments.get(segmentId)?.get(offset)
    if (existing !== undefined) this.remove(existing)
    if (block.length > this.capacityBytes) return
    let blocksOfSegment = this.segments.get(segmentId)
    if (blocksOfSegment === undefined) {
      blocksOfSegment = new Map()
      this.segments.set(segmentId, blocksOfSegment)
    }
    const node = new Node(segmentId, offset, block)
    blocksOfSegment.set(offset, node)
    this.pushNewest(node)
    this.bytes += block.length
    this.blocks++
    while (this.bytes > this.capacityBytes && this.oldest !== undefined) {
      this.remove(this.oldest)
      this.evictions++
    }
  }

  /** Forgets every block of one segment (when its file is closed or deleted); returns how many. */
  dropSegment(segmentId: number): number {
    const blocksOfSegment = this.segments.get(segmentId)
    if (blocksOfSegment === undefined) return 0
    const count = blocksOfSegment.size
    for (const node of [...blocksOfSegment.values()]) this.remove(node)
    return count
  }

  clear(): void {
    this.segments.clear()
    this.newest = undefined
    this.oldest = undefined
    this.bytes = 0
    this.blocks = 0
  }

  stats(): BlockCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      bytes: this.bytes,
      blocks: this.blocks,
      capacityBytes: this.capacityBytes,
    }
  }

  private remove(node: Node): void {
    this.unlink(node)
    const blocksOfSegment = this.segments.get(node.segmentId)!
    blocksOfSegment.delete(node.offset)
    if (blocksOfSegment.size === 0) this.segments.delete(node.segmentId)
    this.bytes -= node.block.length
    this.blocks--
  }

  private unlink(node: Node): void {
    if (node.newer === undefined) this.newest = node.older
    else node.newer.older = node.older
    if (node.older === undefined) this.oldest = node.newer
    else node.older.newer = node.newer
    node.newer = undefined
    node.older = undefined
  }

  private pushNewest(node: Node): void {
    node.older = this.newest
    node.newer = undefined
    if (this.newest === undefined) this.oldest = node
    else this.newest.newer = node
    this.newest = node
  }
}
