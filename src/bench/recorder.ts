// What a run measured: one latency histogram per operation, error counts by type (the first word
// of the error reply: ERR, WRONGTYPE, NOAUTH, CONNECTION …), and a per-second series. A snapshot
// is plain data (histograms in their compressed text form), so the snapshots of several threads
// travel by postMessage and merge into one.

import type { Completion } from './completion.js'
import { decodeHistogram, encodeHistogram, latencyHistogram, toMicros, type Histogram } from './histogram.js'

interface SecondBucket {
  ops: number
  errors: number
  /** Two significant digits: enough for a per-second p99, a seventh of the memory. */
  readonly histogram: Histogram
}

export interface SecondSnapshot {
  readonly second: number
  readonly ops: number
  readonly errors: number
  readonly histogram: string
}

export interface RecorderSnapshot {
  /** Measured time in ms, from the loop's start to the last reply (the longest thread's). */
  readonly elapsedMs: number
  readonly operations: Readonly<Record<string, string>>
  readonly errors: Readonly<Record<string, number>>
  readonly series: readonly SecondSnapshot[]
}

export class LatencyRecorder {
  private readonly operations = new Map<string, Histogram>()
  private readonly errors = new Map<string, number>()
  private readonly seconds: SecondBucket[] = []
  private lastAt: number

  /**
   * `lastSecond` caps the series of a run of known length: replies read in the same tick as the
   * deadline belong to its last second, not to a stub second of their own.
   */
  constructor(
    private readonly startedAt: number,
    private readonly lastSecond = Infinity,
  ) {
    this.lastAt = startedAt
  }

  /** Records one completion; `recordAll` does the same for a group, cheaper per completion. */
  record(completion: Completion): void {
    this.recordAll([completion])
  }

  /**
   * Records a group of completions (a loop's emission: the replies of one read). Neighbours with
   * the same operation, second and latency in whole microseconds (under redis-benchmark's
   * definition, all the replies a read brings to one write) are recorded with one count each.
   */
  recordAll(completions: readonly Completion[]): void {
    const n = completions.length
    let i = 0
    while (i < n) {
      const first = completions[i]!
      if (first.doneAt > this.lastAt) this.lastAt = first.doneAt
      const second = this.secondOf(first.doneAt)
      const bucket = this.seconds[second] ?? this.bucket(second)
      if (first.reply.kind === 'error') {
        this.recordError(first.reply.value, bucket)
        i++
        continue
      }
      const micros = toMicros(first.latencyMs)
      let end = i + 1
      while (end < n) {
        const next = completions[end]!
        if (next.op !== first.op || next.reply.kind === 'error' || toMicros(next.latencyMs) !== micros || this.secondOf(next.doneAt) !== second) break
        if (next.doneAt > this.lastAt) this.lastAt = next.doneAt
        end++
      }
      this.recordRun(first.op, micros, end - i, bucket)
      i = end
    }
  }

  private recordRun(op: string, micros: number, count: number, bucket: SecondBucket): void {
    let histogram = this.operations.get(op)
    if (histogram === undefined) this.operations.set(op, (histogram = latencyHistogram()))
    histogram.recordValueWithCount(micros, count)
    bucket.histogram.recordValueWithCount(micros, count)
    bucket.ops += count
  }

  private secondOf(at: number): number {
    return Math.min(this.lastSecond, Math.max(0, Math.floor((at - this.startedAt) / 1000)))
  }

  private recordError(text: string, bucket: SecondBucket): void {
    const space = text.indexOf(' ')
    const type = space === -1 ? text : text.slice(0, space)
    this.errors.set(type, (this.errors.get(type) ?? 0) + 1)
    bucket.errors++
  }

  /** Answers and errors so far; for progress lines. */
  totals(): { ops: number; errors: number } {
    let ops = 0
    let errors = 0
    for (const b of this.seconds) if (b !== undefined) (ops += b.ops), (errors += b.errors)
    return { ops, errors }
  }

  /** The bucket of one second (ops, errors, p99 in ms), or undefined when nothing landed in it. */
  second(index: number): { ops: number; errors: number; p99: number } | undefined {
    const b = this.seconds[index]
    if (b === undefined) return undefined
    return { ops: b.ops, errors: b.errors, p99: b.histogram.totalCount === 0 ? 0 : b.histogram.getValueAtPercentile(99) / 1000 }
  }

  snapshot(endedAt: number = this.lastAt): RecorderSnapshot {
    const series: SecondSnapshot[] = []
    this.seconds.forEach((b, second) => {
      if (b !== undefined) series.push({ second, ops: b.ops, errors: b.errors, histogram: encodeHistogram(b.histogram) })
    })
    return {
      elapsedMs: endedAt - this.startedAt,
      operations: Object.fromEntries([...this.operations].map(([op, h]) => [op, encodeHistogram(h)])),
      errors: Object.fromEntries(this.errors),
      series,
    }
  }

  private bucket(second: number): SecondBucket {
    const bucket = { ops: 0, errors: 0, histogram: latencyHistogram(2) }
    this.seconds[second] = bucket
    return bucket
  }
}

/** Merges the snapshots of runs that went on side by side (threads): counts add, time is the longest. */
export const mergeSnapshots = (snapshots: readonly RecorderSnapshot[]): RecorderSnapshot => {
  const operations = new Map<string, Histogram>()
  const errors: Record<string, number> = {}
  const seconds = new Map<number, { ops: number; errors: number; histogram: Histogram }>()
  for (const s of snapshots) {
    for (const [op, encoded] of Object.entries(s.operations)) {
      const h = decodeHistogram(encoded)
      const into = operations.get(op)
      if (into === undefined) operations.set(op, h)
      else into.add(h)
    }
    for (const [type, n] of Object.entries(s.errors)) errors[type] = (errors[type] ?? 0) + n
    for (const b of s.series) {
      const into = seconds.get(b.second)
      if (into === undefined) seconds.set(b.second, { ops: b.ops, errors: b.errors, histogram: decodeHistogram(b.histogram) })
      else (into.ops += b.ops), (into.errors += b.errors), into.histogram.add(decodeHistogram(b.histogram))
    }
  }
  return {
    elapsedMs: Math.max(0, ...snapshots.map((s) => s.elapsedMs)),
    operations: Object.fromEntries([...operations].map(([op, h]) => [op, encodeHistogram(h)])),
    errors,
    series: [...seconds]
      .sort(([a], [b]) => a - b)
      .map(([second, b]) => ({ second, ops: b.ops, errors: b.errors, histogram: encodeHistogram(b.histogram) })),
  }
}
