// The k-way merge that compaction (and ordered reads across segments) runs: several sorted
// sources in, one sorted stream out with one version per key. Contract:
//
// - Each source yields entries in ascending key order (byte order); a source going backwards is an
//   error, since merging it would silently misplace keys.
// - Sources are ordered newest first. Of the versions of one key, the one with the highest seq
//   wins; on equal seq the earlier source wins. Every other version is shadowed and dropped.
// - A winning put that has expired (expiresAt !== 0 && now > expiresAt, Redis's rule) is dropped.
//   Unless the output is the bottom of the tree it becomes a tombstone with the put's seq, so it
//   still shadows the older versions deeper levels may hold.
// - A winning tombstone is dropped only with dropTombstones, i.e. when no older version of the
//   key can exist below the output.
//
// There are no snapshot readers pinning old versions, so nothing older than the winner is kept.

import { isExpiredAt } from './keyspace.js'
import { compareBytes, type SegmentEntry } from './segment-format.js'

export interface MergeOptions {
  /** The output is the bottom for its key range: nothing older lies below, so tombstones can go. */
  readonly dropTombstones: boolean
  /** Clock for expiry, in ms since the Unix epoch (the unit of expiresAt). */
  readonly now: number
  /** Keeps expired puts as they are (a reader that applies expiry itself); default false. */
  readonly keepExpired?: boolean
  /** Told of each winning put that expiry removes from the output (dropped or made a tombstone). */
  readonly onExpired?: (entry: SegmentEntry) => void
}

const EMPTY = Buffer.alloc(0)

/** A source and its current entry. */
interface Positioned {
  head: SegmentEntry
  readonly source: number
}

/** A source of entries one at a time (mergeEntriesSync). */
interface Cursor<I> extends Positioned {
  readonly iterator: I
}

/** A source of batches (mergeBatches): its current batch, and where in it the head is. */
interface BatchCursor extends Positioned {
  batch: readonly SegmentEntry[]
  at: number
  readonly iterator: AsyncIterator<readonly SegmentEntry[]>
}

/** Byte order of two keys; compareBytes, which for keys this short costs half of Buffer.compare. */
const compareKeys = (a: Buffer, b: Buffer): number => compareBytes(a, 0, a.length, b, 0, b.length)

/** Whether `a` comes out of the heap before `b`: smaller key, then higher seq, then newer source. */
function before(a: Positioned, b: Positioned): boolean {
  const byKey = compareKeys(a.head.key, b.head.key)
  if (byKey !== 0) return byKey < 0
  if (a.head.seq !== b.head.seq) return a.head.seq > b.head.seq
  return a.source < b.source
}

/** A binary min-heap of cursors under `before`. */
class CursorHeap<C extends Positioned> {
  readonly items: C[] = []

  get size(): number {
    return this.items.length
  }

  peek(): C | undefined {
    return this.items[0]
  }

  push(cursor: C): void {
    const items = this.items
    items.push(cursor)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i]!, items[parent]!)) break
      ;[items[i], items[parent]] = [items[parent]!, items[i]!]
      i = parent
    }
  }

  /** Removes the top cursor. */
  pop(): void {
    const items = this.items
    const last = items.pop()!
    if (items.length === 0) return
    items[0] = last
    this.siftDown()
  }

  /** Restores order after the top cursor's head changed. */
  siftDown(): void {
    const items = this.items
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= items.length) return
      const right = left + 1
      const child = right < items.length && before(items[right]!, items[left]!) ? right : left
      if (!before(items[child]!, items[i]!)) return
      ;[items[i], items[child]] = [items[child]!, items[i]!]
      i = child
    }
  }
}

function outOfOrder(source: number, previous: Buffer, next: Buffer): Error {
  return new Error(
    `merge source ${source} is not sorted: key ${next.toString('hex')} follows ${previous.toString('hex')}`,
  )
}

/** What the winning version of a key becomes in the output; undefined drops it. */
function resolve(winner: SegmentEntry, options: MergeOptions): SegmentEntry | undefined {
  if (winner.kind === 'delete') return options.dropTombstones ? undefined : winner
  const expired = !options.keepExpired && isExpiredAt(winner.expiresAt, options.now)
  if (!expired) return winner
  options.onExpired?.(winner)
  if (options.dropTombstones) return undefined
  return { key: winner.key, seq: winner.seq, kind: 'delete', type: winner.type, expiresAt: 0, value: EMPTY }
}

/** Output batches of mergeBatches hold this many entries (the last one fewer). */
const MERGE_BATCH = 256

/**
 * Merges `sources` (newest first) into one ascending stream with one entry per key, under the
 * contract at the top of this file. Sources and output come in batches (arrays of ascending
 * entries, a segment block's worth): the merge awaits only when a source's batch runs out, not
 * once per entry, which on a full scan cost more than the merge itself. Ending the iteration
 * early closes every source.
 */
export async function* mergeBatches(
  sources: readonly AsyncIterable<readonly SegmentEntry[]>[],
  options: MergeOptions,
): AsyncIterableIterator<SegmentEntry[]> {
  const heap = new CursorHeap<BatchCursor>()
  const open = new Set<AsyncIterator<readonly SegmentEntry[]>>()
  /** The source's next batch that holds anything; undefined once it is done. */
  const nextBatch = async (iterator: AsyncIterator<readonly SegmentEntry[]>): Promise<readonly SegmentEntry[] | undefined> => {
    for (;;) {
      const next = await iterator.next()
      if (next.done) {
        open.delete(iterator)
        return undefined
      }
      if (next.value.length > 0) return next.value
    }
  }
  try {
    for (let source = 0; source < sources.length; source++) {
      const iterator = sources[source]![Symbol.asyncIterator]()
      open.add(iterator)
      const batch = await nextBatch(iterator)
      if (batch !== undefined) heap.push({ head: batch[0]!, batch, at: 0, source, iterator })
    }
    let out: SegmentEntry[] = []
    while (heap.size > 0) {
      const winner = heap.peek()!.head
      do {
        const top = heap.peek()!
        let next: SegmentEntry
        if (top.at + 1 < top.batch.length) {
          next = top.batch[++top.at]!
        } else {
          const batch = await nextBatch(top.iterator)
          if (batch === undefined) {
            heap.pop()
            continue
          }
          top.batch = batch
          top.at = 0
          next = batch[0]!
        }
        if (compareKeys(next.key, top.head.key) < 0) throw outOfOrder(top.source, top.head.key, next.key)
        top.head = next
        heap.siftDown()
      } while (heap.size > 0 && compareKeys(heap.peek()!.head.key, winner.key) === 0)
      const resolved = resolve(winner, options)
      if (resolved === undefined) continue
      out.push(resolved)
      if (out.length >= MERGE_BATCH) {
        yield out
        out = []
      }
    }
    if (out.length > 0) yield out
  } finally {
    await Promise.allSettled([...open].map((iterator) => iterator.return?.()))
  }
}

/** The entries of `batches`, one at a time (for consumers that take a stream of entries). */
export async function* entriesOf(batches: AsyncIterable<readonly SegmentEntry[]>): AsyncIterableIterator<SegmentEntry> {
  for await (const batch of batches) yield* batch
}

/** The same merge over in-memory sources (memtables, arrays in specs), without a Promise per entry. */
export function* mergeEntriesSync(
  sources: readonly Iterable<SegmentEntry>[],
  options: MergeOptions,
): IterableIterator<SegmentEntry> {
  const heap = new CursorHeap<Cursor<Iterator<SegmentEntry>>>()
  const open = new Set<Iterator<SegmentEntry>>()
  try {
    for (let source = 0; source < sources.length; source++) {
      const iterator = sources[source]![Symbol.iterator]()
      open.add(iterator)
      const first = iterator.next()
      if (first.done) open.delete(iterator)
      else heap.push({ head: first.value, source, iterator })
    }
    const advance = (): void => {
      const top = heap.peek()!
      const next = top.iterator.next()
      if (next.done) {
        open.delete(top.iterator)
        heap.pop()
        return
      }
      if (compareKeys(next.value.key, top.head.key) < 0) throw outOfOrder(top.source, top.head.key, next.value.key)
      top.head = next.value
      heap.siftDown()
    }
    while (heap.size > 0) {
      const winner = heap.peek()!.head
      advance()
      while (heap.size > 0 && compareKeys(heap.peek()!.head.key, winner.key) === 0) advance()
      const out = resolve(winner, options)
      if (out !== undefined) yield out
    }
  } finally {
    for (const iterator of open) iterator.return?.()
  }
}
