// Leveled compaction policy: a pure function from the manifest snapshot (and the clock) to the
// next compaction, or none. Why leveled, and the shape of the tree, are in docs/storage.md
// ("Compaction"). The executor merges the inputs with mergeBatches (sources newest first, as
// `inputs` lists them), cuts the output into segments of about targetSegmentBytes, and applies one
// manifest edit: remove the inputs, add the outputs, store the compact pointer.
//
// Levels are 0 .. maxLevels - 1. Level 0 holds flushed memtables whose ranges overlap; it is
// compacted, whole, into the base level once it holds l0Trigger segments. Every deeper level is one
// sorted run of non-overlapping segments held to a target size (levelTargets: derived from the
// bottom's size by default, or fixed); the bottom has no target. The level with the highest score
// (level 0: segments / l0Trigger; others: bytes / target) is compacted first, one segment of it
// with what that segment overlaps one level down. Garbage (tombstones, expired entries) steers
// which segment is picked and, when no level is over target, triggers a compaction of its own.

import type { CompactPointer, ManifestSnapshot, SegmentInfo } from './manifest.js'

export interface CompactionConfig {
  /** Level 0 is compacted once it holds this many segments. */
  readonly l0Trigger: number
  /** Static sizing: the target of level 1. Dynamic: the base level's target is at most this. */
  readonly levelBaseBytes: number
  /** Each level's target is this many times the one above. */
  readonly levelRatio: number
  /** Number of levels including level 0; the deepest is maxLevels - 1. */
  readonly maxLevels: number
  /** Size at which the executor cuts output segments. */
  readonly targetSegmentBytes: number
  /** How level targets are set (see levelTargets); default 'dynamic'. */
  readonly levelSizing?: 'static' | 'dynamic'
  /**
   * Which segment of an over-target level moves down when garbage does not decide:
   * 'min-overlap' (default) the one whose overlap in the next level is smallest for its size,
   * which rewrites the least; 'round-robin' the next after the level's compact pointer.
   */
  readonly segmentChoice?: 'min-overlap' | 'round-robin'
  /**
   * A segment whose earliest expiry is this far in the past is rewritten even when no level is
   * over target (default one hour). Segments only record their earliest expiry, not how much has
   * expired, so this bounds rewrites of one segment to one per period.
   */
  readonly expiredGraceMs?: number
}

export interface CompactionInput {
  readonly level: number
  /** In snapshot order: level 0 newest first, deeper levels by key. */
  readonly ids: readonly number[]
}

export interface CompactionTask {
  /** Newest first: the order to hand the inputs to mergeBatches. */
  readonly inputs: readonly CompactionInput[]
  readonly outputLevel: number
  /** Nothing older than the inputs lies below outputLevel in their key range. */
  readonly dropTombstones: boolean
  /** For the log line: what triggered this task. */
  readonly reason: string
  /**
   * The inputs can change level without being rewritten: they overlap nothing in outputLevel (nor,
   * at level 0, each other) and hold nothing the merge would drop. The executor then applies an
   * edit that removes and re-adds them at outputLevel.
   */
  readonly move: boolean
  /** Where the next round-robin pick at this level resumes; store it with the result. */
  readonly compactPointer?: CompactPointer
}

/** A segment at least this fraction tombstones is compacted even when its level is within target. */
const TOMBSTONE_TRIGGER = 0.5
/** Within an over-target level, a segment with at least this much garbage (see garbageScore) goes first. */
const GARBAGE_PREFERENCE = 0.25
/** Weight of "holds expired entries" in garbageScore: how much has expired is unknown, so count it as a quarter. */
const EXPIRED_WEIGHT = 0.25
const DEFAULT_EXPIRED_GRACE_MS = 60 * 60 * 1000
const DEFAULT_LEVEL_SIZING = 'dynamic'

const sumBytes = (segments: readonly SegmentInfo[]): number => segments.reduce((n, s) => n + s.bytes, 0)

/** The size each level is held to. */
export interface LevelTargets {
  /** targets[n] for levels 1 .. bottom - 1; 0 for a level that should be empty; Infinity at the bottom. */
  readonly targets: readonly number[]
  /** Where level 0 is compacted into: 1 with static sizing, the first level with a target with dynamic. */
  readonly baseLevel: number
  readonly bottom: number
}

/**
 * Static: level n's target is levelBaseBytes * levelRatio^(n - 1). The bottom holds whatever is
 * left over, which may be less than the level above it: space amplification up to about 2.
 * Dynamic (as RocksDB's level_compaction_dynamic_level_bytes): targets are derived upwards from
 * the bottom's actual size, each levelRatio times smaller, while the level below is over
 * levelBaseBytes; the levels above that stay empty, and level 0 goes to the first level with a
 * target (the base level). The bottom then holds about (ratio - 1) / ratio of the data.
 */
export function levelTargets(snapshot: ManifestSnapshot, config: CompactionConfig): LevelTargets {
  const bottom = Math.max(config.maxLevels - 1, snapshot.segments.reduce((n, s) => Math.max(n, s.level), 0))
  const targets: number[] = new Array(bottom + 1).fill(0)
  targets[bottom] = Infinity
  if ((config.levelSizing ?? DEFAULT_LEVEL_SIZING) === 'static') {
    for (let level = 1; level < bottom; level++) targets[level] = config.levelBaseBytes * config.levelRatio ** (level - 1)
    return { targets, baseLevel: 1, bottom }
  }
  let below = Math.max(config.levelBaseBytes, sumBytes(snapshot.segments.filter((s) => s.level === bottom)))
  let baseLevel = bottom
  for (let level = bottom - 1; level >= 1 && below > config.levelBaseBytes; level--) {
    below /= config.levelRatio
    targets[level] = below
    baseLevel = level
  }
  return { targets, baseLevel, bottom }
}

function checkConfig(config: CompactionConfig): void {
  const positiveInteger = (n: number): boolean => Number.isSafeInteger(n) && n > 0
  if (!positiveInteger(config.l0Trigger)) throw new RangeError(`l0Trigger must be a positive integer`)
  if (!(config.levelBaseBytes > 0)) throw new RangeError(`levelBaseBytes must be positive`)
  if (!(config.levelRatio > 1)) throw new RangeError(`levelRatio must be above 1`)
  if (!Number.isSafeInteger(config.maxLevels) || config.maxLevels < 2) throw new RangeError(`maxLevels must be at least 2`)
  if (!(config.targetSegmentBytes > 0)) throw new RangeError(`targetSegmentBytes must be positive`)
}

const hasExpired = (s: SegmentInfo, now: number): boolean => s.minExpiresAt !== 0 && now > s.minExpiresAt

/** 0 for a clean segment; its tombstone fraction, plus EXPIRED_WEIGHT if some entry has expired. */
function garbageScore(s: SegmentInfo, now: number): number {
  return (s.entries === 0 ? 0 : s.tombstones / s.entries) + (hasExpired(s, now) ? EXPIRED_WEIGHT : 0)
}

/** The segments of a sorted run that overlap [first, last]. */
function overlapping(run: readonly SegmentInfo[], first: Buffer, last: Buffer): SegmentInfo[] {
  let lo = 0
  let hi = run.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (Buffer.compare(run[mid]!.lastKey, first) < 0) lo = mid + 1
    else hi = mid
  }
  const out: SegmentInfo[] = []
  for (let i = lo; i < run.length && Buffer.compare(run[i]!.firstKey, last) <= 0; i++) out.push(run[i]!)
  return out
}

function keyRange(segments: readonly SegmentInfo[]): { first: Buffer; last: Buffer } {
  let first = segments[0]!.firstKey
  let last = segments[0]!.lastKey
  for (const s of segments) {
    if (Buffer.compare(s.firstKey, first) < 0) first = s.firstKey
    if (Buffer.compare(s.lastKey, last) > 0) last = s.lastKey
  }
  return { first, last }
}

const percent = (x: number): string => `${Math.round(x * 100)}%`

/** The tree as the policy sees it. */
class Tree {
  /** levels[n] in snapshot order. */
  readonly levels: SegmentInfo[][]
  readonly bottom: number
  readonly targets: readonly number[]
  readonly baseLevel: number

  constructor(
    readonly snapshot: ManifestSnapshot,
    readonly config: CompactionConfig,
    readonly now: number,
  ) {
    const { targets, baseLevel, bottom } = levelTargets(snapshot, config)
    this.targets = targets
    this.baseLevel = baseLevel
    this.bottom = bottom
    this.levels = Array.from({ length: this.bottom + 1 }, () => [])
    for (const s of snapshot.segments) this.levels[s.level]!.push(s)
  }

  /** Whether no level below `outputLevel` holds anything in [first, last]. */
  isBottomFor(outputLevel: number, first: Buffer, last: Buffer): boolean {
    for (let level = outputLevel + 1; level <= this.bottom; level++) {
      if (overlapping(this.levels[level]!, first, last).length > 0) return false
    }
    return true
  }

  /** The task merging `upper` (at `level`) with what it overlaps in `outputLevel`. */
  task(level: number, upper: readonly SegmentInfo[], outputLevel: number, reason: string, rewrite: boolean): CompactionTask {
    const { first, last } = keyRange(upper)
    const lower = outputLevel === level ? [] : overlapping(this.levels[outputLevel]!, first, last)
    const all = [...upper, ...lower]
    const range = keyRange(all)
    const dropTombstones = this.isBottomFor(outputLevel, range.first, range.last)
    const inputs: CompactionInput[] = [{ level, ids: upper.map((s) => s.id) }]
    if (lower.length > 0) inputs.push({ level: outputLevel, ids: lower.map((s) => s.id) })
    const dropsSomething = upper.some((s) => hasExpired(s, this.now) || (dropTombstones && s.tombstones > 0))
    const move =
      !rewrite && outputLevel !== level && lower.length === 0 && !dropsSomething && (level > 0 || disjoint(upper))
    const task: CompactionTask = { inputs, outputLevel, dropTombstones, reason, move }
    return level > 0 ? { ...task, compactPointer: { level, key: last } } : task
  }

  /** The segment of over-target `level` to move down. */
  chooseSegment(level: number): SegmentInfo {
    const run = this.levels[level]!
    const pointer = this.snapshot.compactPointers.find((p) => p.level === level)
    const start = pointer === undefined ? 0 : Math.max(0, run.findIndex((s) => Buffer.compare(s.lastKey, pointer.key) > 0))
    const rotated = [...run.slice(start), ...run.slice(0, start)]
    let best = rotated[0]!
    let bestGarbage = garbageScore(best, this.now)
    for (const s of rotated) {
      const garbage = garbageScore(s, this.now)
      if (garbage > bestGarbage) {
        best = s
        bestGarbage = garbage
      }
    }
    if (bestGarbage >= GARBAGE_PREFERENCE) return best
    if ((this.config.segmentChoice ?? 'min-overlap') === 'round-robin') return rotated[0]!
    const next = this.levels[level + 1]!
    let bestRatio = Infinity
    for (const s of rotated) {
      const ratio = sumBytes(overlapping(next, s.firstKey, s.lastKey)) / Math.max(1, s.bytes)
      if (ratio < bestRatio) {
        best = s
        bestRatio = ratio
      }
    }
    return best
  }
}

function disjoint(segments: readonly SegmentInfo[]): boolean {
  const sorted = [...segments].sort((a, b) => Buffer.compare(a.firstKey, b.firstKey))
  for (let i = 1; i < sorted.length; i++) {
    if (Buffer.compare(sorted[i - 1]!.lastKey, sorted[i]!.firstKey) >= 0) return false
  }
  return true
}

/** The next compaction for `snapshot` at time `now` (ms, the unit of expiresAt), or undefined when the tree is in shape. */
export function pickCompaction(
  snapshot: ManifestSnapshot,
  config: CompactionConfig,
  now: number,
): CompactionTask | undefined {
  checkConfig(config)
  const tree = new Tree(snapshot, config, now)

  let bestLevel = -1
  let bestScore = 0
  const l0 = tree.levels[0]!
  if (l0.length >= config.l0Trigger) {
    bestLevel = 0
    bestScore = l0.length / config.l0Trigger
  }
  for (let level = 1; level < tree.bottom; level++) {
    const bytes = sumBytes(tree.levels[level]!)
    // A level above the base level (target 0) that still holds data, because the bottom shrank,
    // scores Infinity: it is emptied downwards before level 0 may skip past it to the base level,
    // which would put newer data below older.
    const score = bytes === 0 ? 0 : bytes / tree.targets[level]!
    if (score > 1 && score > bestScore) {
      bestLevel = level
      bestScore = score
    }
  }
  if (bestLevel === 0) {
    return tree.task(0, l0, tree.baseLevel, `L0 holds ${l0.length} segments (trigger ${config.l0Trigger})`, false)
  }
  if (bestLevel > 0) {
    const chosen = tree.chooseSegment(bestLevel)
    const bytes = sumBytes(tree.levels[bestLevel]!)
    const target = tree.targets[bestLevel]!
    const reason =
      target === 0
        ? `L${bestLevel} holds ${bytes} bytes above the base level L${tree.baseLevel}`
        : `L${bestLevel} is ${bestScore.toFixed(2)}x its target (${bytes} of ${Math.round(target)} bytes)`
    return tree.task(bestLevel, [chosen], bestLevel + 1, reason, false)
  }
  return garbageTask(tree)
}

/**
 * With every level in shape: the segment with the most garbage, if it has enough to be worth a
 * rewrite. It moves one level down (at the bottom it is rewritten in place), so repeated picks
 * drive tombstones to where they can be dropped, and the loop ends.
 */
function garbageTask(tree: Tree): CompactionTask | undefined {
  const grace = tree.config.expiredGraceMs ?? DEFAULT_EXPIRED_GRACE_MS
  let chosen: SegmentInfo | undefined
  let chosenScore = 0
  let why = ''
  for (let level = 1; level <= tree.bottom; level++) {
    for (const s of tree.levels[level]!) {
      const tombstoneRatio = s.entries === 0 ? 0 : s.tombstones / s.entries
      const staleExpiry = s.minExpiresAt !== 0 && tree.now - s.minExpiresAt > grace
      if (tombstoneRatio < TOMBSTONE_TRIGGER && !staleExpiry) continue
      const score = garbageScore(s, tree.now)
      if (score > chosenScore) {
        chosen = s
        chosenScore = score
        why = staleExpiry
          ? `segment ${s.id} at L${level} holds entries expired for more than ${grace} ms`
          : `segment ${s.id} at L${level} is ${percent(tombstoneRatio)} tombstones`
      }
    }
  }
  if (chosen === undefined) return undefined
  const outputLevel = Math.min(chosen.level + 1, tree.bottom)
  return tree.task(chosen.level, [chosen], outputLevel, why, true)
}
