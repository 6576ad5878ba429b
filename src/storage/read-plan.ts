// Which segments a point read consults: every segment of level 0 (flushed memtables, whose key
// ranges overlap), newest first; then, in each deeper level (a sorted run of non-overlapping
// ranges), at most the one segment whose range holds the key, found by binary search. Built once
// per manifest state, so a read probes a few segments instead of every segment's range.
// A scan merges the same grouping: a source per level-0 segment and one per deeper level.

import type { ManifestSnapshot, SegmentInfo } from './manifest.js'
import { compareBytes, firstAtLeast, packKeys, type SortedKeys } from './segment-format.js'

export interface ReadPlan {
  readonly state: ManifestSnapshot
  /** By level number: level 0 in read order (newest first), deeper levels sorted by firstKey. */
  readonly levels: readonly (readonly SegmentInfo[])[]
  /** By level number: the last keys of the level's segments, packed for searching. */
  readonly lastKeys: readonly SortedKeys[]
}

/** The state's segments grouped by level, in the order the snapshot keeps them (manifest.ts). */
export const buildReadPlan = (state: ManifestSnapshot): ReadPlan => {
  const levels: SegmentInfo[][] = [[]]
  for (const segment of state.segments) {
    while (levels.length <= segment.level) levels.push([])
    levels[segment.level]!.push(segment)
  }
  return { state, levels, lastKeys: levels.map((run) => packKeys(run.map((segment) => segment.lastKey))) }
}

/**
 * The segments a point read of `key` consults, in the order it consults them (newest first): all
 * of level 0, then at most one per deeper level. Into `order` when given (emptied first), so a
 * synchronous caller can reuse one array.
 */
export const pointReadOrder = (plan: ReadPlan, key: Uint8Array, order: SegmentInfo[] = []): SegmentInfo[] => {
  // Popped rather than `length = 0`, which drops the storage the next push allocates again.
  while (order.length > 0) order.pop()
  const newest = plan.levels[0]!
  for (let i = 0; i < newest.length; i++) order.push(newest[i]!)
  for (let level = 1; level < plan.levels.length; level++) {
    const segment = segmentHolding(plan.levels[level]!, plan.lastKeys[level]!, key)
    if (segment !== undefined) order.push(segment)
  }
  return order
}

/**
 * In a run of non-overlapping segments sorted by firstKey, whose last keys are `lastKeys`: the
 * one whose range holds `key`.
 */
export const segmentHolding = (run: readonly SegmentInfo[], lastKeys: SortedKeys, key: Uint8Array): SegmentInfo | undefined => {
  const segment = run[firstAtLeast(lastKeys, key)]
  if (segment === undefined) return undefined
  const first = segment.firstKey
  return compareBytes(first, 0, first.length, key, 0, key.length) <= 0 ? segment : undefined
}

/**
 * The merge sources of a scan over `segments` (a manifest state's, in its order, any subset):
 * each level-0 segment alone, newest first, then each deeper level as one source that reads its
 * segments one after another, opening each only when the one before is done (their ranges do
 * not overlap). The merge then keeps a cursor per level-0 segment and per level, not per
 * segment: a few instead of hundreds, each entry's way through the heap shorter by as much.
 */
export const scanSources = <T>(segments: readonly SegmentInfo[], scanOf: (segment: SegmentInfo) => AsyncIterable<T>): AsyncIterable<T>[] => {
  const sources: AsyncIterable<T>[] = []
  const deeper: SegmentInfo[][] = []
  for (const segment of segments) {
    if (segment.level === 0) sources.push(scanOf(segment))
    else (deeper[segment.level] ??= []).push(segment)
  }
  for (const run of deeper) {
    if (run === undefined) continue
    run.sort((a, b) => compareBytes(a.firstKey, 0, a.firstKey.length, b.firstKey, 0, b.firstKey.length))
    sources.push(scansInTurn(run, scanOf))
  }
  return sources
}

async function* scansInTurn<T>(run: readonly SegmentInfo[], scanOf: (segment: SegmentInfo) => AsyncIterable<T>): AsyncIterableIterator<T> {
  for (const segment of run) yield* scanOf(segment)
}
