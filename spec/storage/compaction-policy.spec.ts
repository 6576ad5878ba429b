import { expect } from 'chai'
import { levelTargets, pickCompaction, type CompactionConfig, type CompactionTask } from '../../src/storage/compaction-policy.js'
import { applyEdit, EMPTY_SNAPSHOT, type ManifestSnapshot, type SegmentInfo } from '../../src/storage/manifest.js'

// SIMULATE_VERBOSE=1 prints each workload's level table as it goes; SIMULATE_SCALE=n runs n times
// as many flushes (the write amplification of a longer run is closer to the steady state's).
const verbose = process.env.SIMULATE_VERBOSE === '1'
const scale = Math.max(1, Number(process.env.SIMULATE_SCALE ?? 1) || 1)

const keyOf = (n: number): Buffer => {
  const key = Buffer.alloc(4)
  key.writeUInt32BE(n)
  return key
}

const CONFIG: CompactionConfig = { l0Trigger: 4, levelBaseBytes: 1000, levelRatio: 10, maxLevels: 4, targetSegmentBytes: 500, levelSizing: 'static' }
const NOW = 1_700_000_000_000

function seg(id: number, level: number, first: number, last: number, extra: Partial<SegmentInfo> = {}): SegmentInfo {
  return {
    id,
    level,
    tier: 'ssd',
    file: `${id}.seg`,
    bytes: 100,
    entries: 10,
    tombstones: 0,
    firstKey: keyOf(first),
    lastKey: keyOf(last),
    minSeq: id,
    maxSeq: id,
    minExpiresAt: 0,
    ...extra,
  }
}

const snapshotOf = (...segments: SegmentInfo[]): ManifestSnapshot => applyEdit(EMPTY_SNAPSHOT, { add: segments })

describe('compaction policy: pickCompaction', () => {
  it('does nothing while level 0 is below its trigger and every level within target', () => {
    expect(pickCompaction(snapshotOf(seg(1, 0, 0, 9), seg(2, 0, 0, 9), seg(3, 0, 0, 9), seg(4, 1, 0, 5)), CONFIG, NOW)).to.equal(undefined)
  })

  it('compacts all of level 0, newest first, with the level-1 segments it overlaps', () => {
    const snapshot = snapshotOf(seg(1, 0, 10, 20), seg(2, 0, 15, 30), seg(3, 0, 0, 12), seg(4, 0, 25, 26), seg(5, 1, 0, 4), seg(6, 1, 5, 11), seg(7, 1, 31, 40))
    const task = pickCompaction(snapshot, CONFIG, NOW)!
    expect(task.inputs).to.deep.equal([
      { level: 0, ids: [4, 3, 2, 1] },
      { level: 1, ids: [5, 6] },
    ])
    expect(task.outputLevel).to.equal(1)
    expect(task.dropTombstones).to.equal(true)
    expect(task.move).to.equal(false)
    expect(task.reason).to.match(/L0 holds 4 segments/)
  })

  it('keeps tombstones while a deeper level holds the same keys', () => {
    const snapshot = snapshotOf(seg(1, 0, 0, 9), seg(2, 0, 0, 9), seg(3, 0, 0, 9), seg(4, 0, 0, 9), seg(5, 3, 8, 8))
    expect(pickCompaction(snapshot, CONFIG, NOW)!.dropTombstones).to.equal(false)
    const elsewhere = snapshotOf(seg(1, 0, 0, 9), seg(2, 0, 0, 9), seg(3, 0, 0, 9), seg(4, 0, 0, 9), seg(5, 3, 10, 20))
    expect(pickCompaction(elsewhere, CONFIG, NOW)!.dropTombstones).to.equal(true)
  })

  it('moves disjoint level-0 segments down without rewriting when nothing would be dropped', () => {
    const clean = [seg(1, 0, 0, 9), seg(2, 0, 10, 19), seg(3, 0, 20, 29), seg(4, 0, 30, 39), seg(5, 1, 50, 60)]
    expect(pickCompaction(snapshotOf(...clean), CONFIG, NOW)!.move).to.equal(true)
    const withTombstones = clean.map((s) => (s.id === 2 ? { ...s, tombstones: 1 } : s))
    expect(pickCompaction(snapshotOf(...withTombstones), CONFIG, NOW)!.move).to.equal(false)
    const overlappingEachOther = clean.map((s) => (s.id === 2 ? { ...s, firstKey: keyOf(5) } : s))
    expect(pickCompaction(snapshotOf(...overlappingEachOther), CONFIG, NOW)!.move).to.equal(false)
  })

  it('compacts the level with the highest score into the next, with the overlapping segments there', () => {
    // L1: 1200 of 1000 bytes (1.2); L2: 13000 of 10000 (1.3).
    const l1 = Array.from({ length: 12 }, (_, i) => seg(10 + i, 1, i * 100, i * 100 + 50))
    const l2 = Array.from({ length: 13 }, (_, i) => seg(30 + i, 2, i * 100 + 20, i * 100 + 70, { bytes: 1000 }))
    const l3 = [seg(50, 3, 130, 140)]
    const task = pickCompaction(snapshotOf(...l1, ...l2, ...l3), CONFIG, NOW)!
    expect(task.inputs[0]!.level).to.equal(2)
    expect(task.outputLevel).to.equal(3)
    expect(task.reason).to.match(/L2 is 1\.30x its target/)
  })

  it('picks the segment of a level that rewrites least of the next level', () => {
    const l1 = [seg(1, 1, 0, 10, { bytes: 600 }), seg(2, 1, 20, 30, { bytes: 600 })]
    const l2 = [seg(3, 2, 0, 5, { bytes: 5000 }), seg(4, 2, 25, 26, { bytes: 100 })]
    const task = pickCompaction(snapshotOf(...l1, ...l2), CONFIG, NOW)!
    expect(task.inputs).to.deep.equal([
      { level: 1, ids: [2] },
      { level: 2, ids: [4] },
    ])
    expect(task.compactPointer).to.deep.equal({ level: 1, key: keyOf(30) })
  })

  it('round-robin follows the compact pointer and wraps', () => {
    const config: CompactionConfig = { ...CONFIG, segmentChoice: 'round-robin' }
    const l1 = [seg(1, 1, 0, 10, { bytes: 400 }), seg(2, 1, 20, 30, { bytes: 400 }), seg(3, 1, 40, 50, { bytes: 400 })]
    const base = snapshotOf(...l1)
    const pick = (pointer?: number): number => {
      const snapshot = pointer === undefined ? base : applyEdit(base, { compactPointers: [{ level: 1, key: keyOf(pointer) }] })
      return pickCompaction(snapshot, config, NOW)!.inputs[0]!.ids[0]!
    }
    expect([pick(), pick(10), pick(30), pick(50), pick(25)]).to.deep.equal([1, 2, 3, 1, 2])
  })

  it('prefers a segment full of tombstones or holding expired entries', () => {
    const l1 = [seg(1, 1, 0, 10, { bytes: 400 }), seg(2, 1, 20, 30, { bytes: 400, tombstones: 6 }), seg(3, 1, 40, 50, { bytes: 400 })]
    expect(pickCompaction(snapshotOf(...l1), CONFIG, NOW)!.inputs[0]!.ids).to.deep.equal([2])
    const expiring = [seg(1, 1, 0, 10, { bytes: 400 }), seg(2, 1, 20, 30, { bytes: 400 }), seg(3, 1, 40, 50, { bytes: 400, minExpiresAt: NOW - 1 })]
    const task = pickCompaction(snapshotOf(...expiring), CONFIG, NOW)!
    expect(task.inputs[0]!.ids).to.deep.equal([3])
    expect(task.move).to.equal(false)
  })

  it('with every level in shape, rewrites a tombstone-heavy segment one level down, or in place at the bottom', () => {
    const middle = pickCompaction(snapshotOf(seg(1, 2, 0, 10, { tombstones: 6 }), seg(2, 3, 5, 8)), CONFIG, NOW)!
    expect(middle.inputs).to.deep.equal([
      { level: 2, ids: [1] },
      { level: 3, ids: [2] },
    ])
    expect(middle).to.include({ outputLevel: 3, dropTombstones: true, move: false })
    const bottom = pickCompaction(snapshotOf(seg(1, 3, 0, 10, { tombstones: 5 })), CONFIG, NOW)!
    expect(bottom.inputs).to.deep.equal([{ level: 3, ids: [1] }])
    expect(bottom).to.include({ outputLevel: 3, dropTombstones: true, move: false })
    expect(pickCompaction(snapshotOf(seg(1, 3, 0, 10, { tombstones: 4 })), CONFIG, NOW)).to.equal(undefined)
  })

  it('rewrites a segment whose entries expired longer ago than the grace period', () => {
    const config: CompactionConfig = { ...CONFIG, expiredGraceMs: 1000 }
    const expired = (at: number) => snapshotOf(seg(1, 3, 0, 10, { minExpiresAt: at }))
    expect(pickCompaction(expired(NOW - 1000), config, NOW)).to.equal(undefined)
    expect(pickCompaction(expired(NOW - 1001), config, NOW)!.reason).to.match(/expired for more than 1000 ms/)
  })

  it('dynamic sizing derives the targets upwards from the bottom, and level 0 goes to the first level with one', () => {
    const dynamic: CompactionConfig = { ...CONFIG, levelSizing: 'dynamic' }
    // Bottom (L3) 25 000 bytes: L2 2500 and L1 250 (a level gets a target while the one below is over levelBaseBytes).
    const bottom = Array.from({ length: 25 }, (_, i) => seg(100 + i, 3, i * 10, i * 10 + 5, { bytes: 1000 }))
    expect(levelTargets(snapshotOf(...bottom), dynamic)).to.deep.equal({ targets: [0, 250, 2500, Infinity], baseLevel: 1, bottom: 3 })
    // A small bottom: nothing above it has a target, so level 0 is compacted straight into it.
    const small = snapshotOf(seg(1, 0, 0, 9), seg(2, 0, 0, 9), seg(3, 0, 0, 9), seg(4, 0, 0, 9), seg(5, 3, 0, 50, { bytes: 5000 }))
    expect(levelTargets(small, dynamic)).to.deep.equal({ targets: [0, 0, 500, Infinity], baseLevel: 2, bottom: 3 })
    expect(pickCompaction(small, dynamic, NOW)).to.include({ outputLevel: 2 })
    const tiny = snapshotOf(seg(1, 0, 0, 9), seg(2, 0, 0, 9), seg(3, 0, 0, 9), seg(4, 0, 0, 9), seg(5, 3, 0, 50, { bytes: 900 }))
    expect(pickCompaction(tiny, dynamic, NOW)).to.include({ outputLevel: 3, dropTombstones: true })
  })

  it('dynamic sizing empties a level that has data above the base level', () => {
    const dynamic: CompactionConfig = { ...CONFIG, levelSizing: 'dynamic' }
    const task = pickCompaction(snapshotOf(seg(1, 1, 0, 9), seg(2, 3, 0, 50, { bytes: 900 })), dynamic, NOW)!
    expect(task.inputs[0]).to.deep.equal({ level: 1, ids: [1] })
    expect(task.outputLevel).to.equal(2)
    expect(task.reason).to.match(/L1 holds 100 bytes above the base level L3/)
  })

  it('rejects a config it cannot work with', () => {
    expect(() => pickCompaction(EMPTY_SNAPSHOT, { ...CONFIG, maxLevels: 1 }, NOW)).to.throw(RangeError)
    expect(() => pickCompaction(EMPTY_SNAPSHOT, { ...CONFIG, levelRatio: 1 }, NOW)).to.throw(RangeError)
    expect(() => pickCompaction(EMPTY_SNAPSHOT, { ...CONFIG, l0Trigger: 0 }, NOW)).to.throw(RangeError)
  })
})

// ---------------------------------------------------------------------------------------------
// The simulation: flushes of generated writes, every picked task executed on in-memory segments
// (exact keys, so merges drop exactly what a real one would), the tree checked against a Map model.

const KEY_BYTES = 16
const VALUE_BYTES = 100
const PUT = 0
const DELETE = 1
/** A settle loop that runs longer than this is taken for a policy that never stops. */
const MAX_TASKS_PER_SETTLE = 1000
const FLUSH_INTERVAL_MS = 1000

/** A segment's contents: one version per key, ascending. */
interface Contents {
  keys: Int32Array
  seqs: Float64Array
  kinds: Uint8Array
  expires: Float64Array
}

interface Workload {
  name: string
  keyspace: number
  flushes: number
  writesPerFlush: number
  /** The next key written, from a uniform random number and the write's index. */
  nextKey: (random: () => number, index: number) => number
  deleteFraction?: number
  ttlFraction?: number
  config?: Partial<CompactionConfig>
  /** Stated bound on compaction bytes written per byte flushed. */
  maxWriteAmplification: number
}

const SIM_CONFIG: CompactionConfig = {
  l0Trigger: 4,
  levelBaseBytes: 1_000_000,
  levelRatio: 10,
  maxLevels: 4,
  targetSegmentBytes: 256_000,
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const entryBytes = (kind: number): number => (kind === PUT ? KEY_BYTES + VALUE_BYTES : KEY_BYTES)

/** Collects merge output and cuts it into segments of about targetSegmentBytes. */
class SegmentCutter {
  readonly done: Contents[] = []
  private keys: number[] = []
  private seqs: number[] = []
  private kinds: number[] = []
  private expires: number[] = []
  private bytes = 0

  constructor(private readonly targetBytes: number) {}

  push(key: number, seq: number, kind: number, expiresAt: number): void {
    this.keys.push(key)
    this.seqs.push(seq)
    this.kinds.push(kind)
    this.expires.push(expiresAt)
    this.bytes += entryBytes(kind)
    if (this.bytes >= this.targetBytes) this.cut()
  }

  finish(): Contents[] {
    this.cut()
    return this.done
  }

  private cut(): void {
    if (this.keys.length === 0) return
    this.done.push({
      keys: Int32Array.from(this.keys),
      seqs: Float64Array.from(this.seqs),
      kinds: Uint8Array.from(this.kinds),
      expires: Float64Array.from(this.expires),
    })
    this.keys = []
    this.seqs = []
    this.kinds = []
    this.expires = []
    this.bytes = 0
  }
}

class Simulation {
  snapshot: ManifestSnapshot = EMPTY_SNAPSHOT
  readonly contents = new Map<number, Contents>()
  /** The model: the last write of each key (seq 0: never written). */
  readonly model: Contents
  readonly config: CompactionConfig
  seq = 0
  now = NOW
  bytesFlushed = 0
  bytesCompacted = 0
  tasks = 0
  moves = 0
  maxBytesOnDisk = 0

  constructor(readonly workload: Workload) {
    this.config = { ...SIM_CONFIG, ...workload.config }
    const n = workload.keyspace
    this.model = { keys: new Int32Array(0), seqs: new Float64Array(n), kinds: new Uint8Array(n), expires: new Float64Array(n) }
  }

  private info(id: number, level: number, c: Contents): SegmentInfo {
    let bytes = 0
    let tombstones = 0
    let minSeq = Infinity
    let maxSeq = 0
    let minExpiresAt = 0
    for (let i = 0; i < c.keys.length; i++) {
      bytes += entryBytes(c.kinds[i]!)
      if (c.kinds[i] === DELETE) tombstones++
      minSeq = Math.min(minSeq, c.seqs[i]!)
      maxSeq = Math.max(maxSeq, c.seqs[i]!)
      const e = c.expires[i]!
      if (e !== 0 && (minExpiresAt === 0 || e < minExpiresAt)) minExpiresAt = e
    }
    const keys = c.keys
    return {
      id,
      level,
      tier: 'ssd',
      file: `${id}.seg`,
      bytes,
      entries: keys.length,
      tombstones,
      firstKey: keyOf(keys[0]!),
      lastKey: keyOf(keys[keys.length - 1]!),
      minSeq,
      maxSeq,
      minExpiresAt,
    }
  }

  flush(random: () => number, flushIndex: number): void {
    const { workload, model } = this
    const deleteFraction = workload.deleteFraction ?? 0
    const ttlFraction = workload.ttlFraction ?? 0
    const firstSeq = this.seq + 1
    const written: number[] = []
    for (let i = 0; i < workload.writesPerFlush; i++) {
      const key = workload.nextKey(random, flushIndex * workload.writesPerFlush + i)
      const roll = random()
      if (model.seqs[key]! < firstSeq) written.push(key)
      model.seqs[key] = ++this.seq
      model.kinds[key] = roll < deleteFraction ? DELETE : PUT
      model.expires[key] =
        roll >= deleteFraction && roll < deleteFraction + ttlFraction ? this.now + Math.ceil(random() * 50) * FLUSH_INTERVAL_MS : 0
    }
    // The memtable holds each key's last write of this flush, which is the model's.
    const keys = Int32Array.from(written).sort()
    const c: Contents = {
      keys,
      seqs: Float64Array.from(keys, (k) => model.seqs[k]!),
      kinds: Uint8Array.from(keys, (k) => model.kinds[k]!),
      expires: Float64Array.from(keys, (k) => model.expires[k]!),
    }
    const id = this.snapshot.nextSegmentId
    const info = this.info(id, 0, c)
    this.contents.set(id, c)
    this.snapshot = applyEdit(this.snapshot, { add: [info], checkpointLsn: this.seq })
    this.bytesFlushed += info.bytes
    this.now += FLUSH_INTERVAL_MS
    this.checkStructure()
  }

  /** Runs picked tasks until the policy has none; returns how many ran. */
  settle(): number {
    let count = 0
    for (let task = pickCompaction(this.snapshot, this.config, this.now); task; task = pickCompaction(this.snapshot, this.config, this.now)) {
      if (++count > MAX_TASKS_PER_SETTLE) throw new Error(`policy did not settle after ${MAX_TASKS_PER_SETTLE} tasks: ${task.reason}`)
      this.execute(task)
      this.checkStructure()
    }
    this.checkSettled()
    return count
  }

  private execute(task: CompactionTask): void {
    this.tasks++
    const byId = new Map(this.snapshot.segments.map((s) => [s.id, s]))
    const inputs: SegmentInfo[] = []
    for (const input of task.inputs) {
      expect(input.ids.length, task.reason).to.be.greaterThan(0)
      for (const id of input.ids) {
        const s = byId.get(id)
        expect(s?.level, `task input ${id} at L${input.level}`).to.equal(input.level)
        inputs.push(s!)
      }
    }
    const upper = task.inputs[0]!.level
    const expectedOutput = upper === 0 ? [levelTargets(this.snapshot, this.config).baseLevel] : [upper, upper + 1]
    expect(expectedOutput, task.reason).to.include(task.outputLevel)
    expect(new Set(inputs.map((s) => s.id)).size, 'an input listed twice').to.equal(inputs.length)
    this.maxBytesOnDisk = Math.max(this.maxBytesOnDisk, this.bytesOnDisk())

    if (task.move) {
      this.moves++
      const moved = inputs.map((s) => ({ ...s, level: task.outputLevel }))
      this.snapshot = applyEdit(this.snapshot, { remove: moved.map((s) => s.id), add: moved })
      return
    }
    const now = this.now
    const cutter = new SegmentCutter(this.config.targetSegmentBytes)
    // Sources newest first: each level-0 segment alone, then each deeper level as one run.
    const sources: Contents[] = []
    for (const input of task.inputs) {
      const parts = input.ids.map((id) => this.contents.get(id)!)
      if (input.level === 0) sources.push(...parts)
      else sources.push(concat(parts))
    }
    const positions = sources.map(() => 0)
    for (;;) {
      let key = Infinity
      for (let i = 0; i < sources.length; i++) if (positions[i]! < sources[i]!.keys.length) key = Math.min(key, sources[i]!.keys[positions[i]!]!)
      if (key === Infinity) break
      let winner = -1
      let winnerIndex = 0
      for (let i = 0; i < sources.length; i++) {
        const at = positions[i]!
        if (at >= sources[i]!.keys.length || sources[i]!.keys[at] !== key) continue
        if (winner < 0 || sources[i]!.seqs[at]! > sources[winner]!.seqs[winnerIndex]!) {
          winner = i
          winnerIndex = at
        }
        positions[i] = at + 1
      }
      const w = sources[winner]!
      const kind = w.kinds[winnerIndex]!
      const expiresAt = w.expires[winnerIndex]!
      const expired = kind === PUT && expiresAt !== 0 && now > expiresAt
      if (kind === DELETE || expired) {
        if (!task.dropTombstones) cutter.push(key, w.seqs[winnerIndex]!, DELETE, 0)
      } else {
        cutter.push(key, w.seqs[winnerIndex]!, PUT, expiresAt)
      }
    }
    const outputs = cutter.finish().map((c, i) => {
      const info = this.info(this.snapshot.nextSegmentId + i, task.outputLevel, c)
      this.contents.set(info.id, c)
      this.bytesCompacted += info.bytes
      return info
    })
    for (const s of inputs) this.contents.delete(s.id)
    this.snapshot = applyEdit(this.snapshot, {
      remove: inputs.map((s) => s.id),
      add: outputs,
      compactPointers: task.compactPointer ? [task.compactPointer] : [],
    })
  }

  bytesOnDisk(): number {
    return this.snapshot.segments.reduce((n, s) => n + s.bytes, 0)
  }

  liveBytes(): number {
    let n = 0
    const { seqs, kinds, expires } = this.model
    for (let key = 0; key < seqs.length; key++) {
      if (seqs[key]! > 0 && kinds[key] === PUT && (expires[key] === 0 || this.now <= expires[key]!)) n += entryBytes(PUT)
    }
    return n
  }

  /** After every step: no segment lost or duplicated, deeper levels are non-overlapping runs. */
  private checkStructure(): void {
    const ids = new Set<number>()
    let previous: SegmentInfo | undefined
    for (const s of this.snapshot.segments) {
      if (ids.has(s.id)) fail(`segment ${s.id} is listed twice`)
      if (!this.contents.has(s.id)) fail(`segment ${s.id} is live but its contents were dropped`)
      ids.add(s.id)
      if (s.level > 0 && previous?.level === s.level && Buffer.compare(previous.lastKey, s.firstKey) >= 0) {
        fail(`L${s.level}: segments ${previous.id} and ${s.id} overlap`)
      }
      previous = s
    }
    if (this.contents.size !== ids.size) fail(`${this.contents.size - ids.size} segments were lost from the manifest`)
  }

  /** With no task left: level 0 below its trigger, every level above the bottom within its target. */
  private checkSettled(): void {
    const { targets, bottom } = levelTargets(this.snapshot, this.config)
    expect(bottom).to.equal(this.config.maxLevels - 1)
    const l0 = this.snapshot.segments.filter((s) => s.level === 0).length
    if (l0 >= this.config.l0Trigger) fail(`settled with ${l0} segments in L0`)
    for (let level = 1; level < bottom; level++) {
      const bytes = this.snapshot.segments.filter((s) => s.level === level).reduce((n, s) => n + s.bytes, 0)
      if (bytes > targets[level]!) fail(`settled with L${level} at ${bytes} bytes, over its target ${targets[level]}`)
    }
  }

  /**
   * Every key reads as the model says. A read takes the first version found in level 0 newest
   * first, then level by level; laying the segments over each other from the deepest level up,
   * and within level 0 from the oldest, leaves the same version on top.
   */
  checkAgainstModel(): void {
    const n = this.workload.keyspace
    const found = new Uint8Array(n)
    const seqs = new Float64Array(n)
    const kinds = new Uint8Array(n)
    const expires = new Float64Array(n)
    for (const s of [...this.snapshot.segments].reverse()) {
      const c = this.contents.get(s.id)!
      for (let i = 0; i < c.keys.length; i++) {
        const key = c.keys[i]!
        found[key] = 1
        seqs[key] = c.seqs[i]!
        kinds[key] = c.kinds[i]!
        expires[key] = c.expires[i]!
      }
    }
    const live = (kind: number, expiresAt: number): boolean => kind === PUT && (expiresAt === 0 || this.now <= expiresAt)
    for (let key = 0; key < n; key++) {
      const expectedLive = this.model.seqs[key]! > 0 && live(this.model.kinds[key]!, this.model.expires[key]!)
      const actualLive = found[key] === 1 && live(kinds[key]!, expires[key]!)
      if (actualLive !== expectedLive) fail(`key ${key} reads as ${actualLive ? 'live' : 'absent'}, the model says otherwise`)
      if (expectedLive && seqs[key] !== this.model.seqs[key]) fail(`key ${key} reads version ${seqs[key]}, not ${this.model.seqs[key]}`)
    }
  }

  table(): string {
    const { targets, bottom } = levelTargets(this.snapshot, this.config)
    const rows = [`  level  segments        bytes       target  score`]
    for (let level = 0; level <= bottom; level++) {
      const at = this.snapshot.segments.filter((s) => s.level === level)
      const bytes = at.reduce((n, s) => n + s.bytes, 0)
      const target = level === 0 ? `${this.config.l0Trigger} segs` : level === bottom ? '-' : String(Math.round(targets[level]!))
      const score = level === 0 ? (at.length / this.config.l0Trigger).toFixed(2) : level === bottom || targets[level] === 0 ? '-' : (bytes / targets[level]!).toFixed(2)
      rows.push(`  L${level}     ${String(at.length).padStart(8)} ${String(bytes).padStart(12)} ${target.padStart(12)}  ${score}`)
    }
    return rows.join('\n')
  }

  summary(): { writeAmplification: number; spaceAmplification: number; readAmplification: number } {
    const levels = new Set(this.snapshot.segments.filter((s) => s.level > 0).map((s) => s.level))
    return {
      writeAmplification: this.bytesCompacted / this.bytesFlushed,
      spaceAmplification: this.bytesOnDisk() / Math.max(1, this.liveBytes()),
      readAmplification: this.snapshot.segments.filter((s) => s.level === 0).length + levels.size,
    }
  }
}

function fail(message: string): never {
  throw new Error(message)
}

function concat(parts: Contents[]): Contents {
  if (parts.length === 1) return parts[0]!
  const join = <T extends Int32Array | Float64Array | Uint8Array>(arrays: T[], make: (n: number) => T): T => {
    const out = make(arrays.reduce((n, a) => n + a.length, 0))
    let at = 0
    for (const a of arrays) {
      out.set(a, at)
      at += a.length
    }
    return out
  }
  return {
    keys: join(parts.map((p) => p.keys), (n) => new Int32Array(n)),
    seqs: join(parts.map((p) => p.seqs), (n) => new Float64Array(n)),
    kinds: join(parts.map((p) => p.kinds), (n) => new Uint8Array(n)),
    expires: join(parts.map((p) => p.expires), (n) => new Float64Array(n)),
  }
}

function simulate(workload: Workload, seed = 1): Simulation {
  const sim = new Simulation(workload)
  const random = mulberry32(seed)
  const checkEvery = Math.max(1, Math.floor(workload.flushes / 6))
  for (let i = 0; i < workload.flushes; i++) {
    sim.flush(random, i)
    sim.settle()
    if ((i + 1) % checkEvery === 0) sim.checkAgainstModel()
    if (verbose && (i + 1) % checkEvery === 0) {
      const { writeAmplification: wa, spaceAmplification: sa, readAmplification: ra } = sim.summary()
      console.log(`  ${workload.name}, flush ${i + 1}: write amp ${wa.toFixed(2)}, space amp ${sa.toFixed(2)}, read amp ${ra}\n${sim.table()}`)
    }
  }
  sim.checkAgainstModel()
  return sim
}

const KEYSPACE = 100_000
const WRITES_PER_FLUSH = 1000
const FLUSHES = 300 * scale

/** Hot keys spread over the key space, so a hot write can land anywhere. */
const spread = (n: number): number => Math.imul(n, 2654435761) >>> 0

const workloads: Workload[] = [
  {
    name: 'uniform overwrites',
    keyspace: KEYSPACE,
    flushes: FLUSHES,
    writesPerFlush: WRITES_PER_FLUSH,
    nextKey: (random) => Math.floor(random() * KEYSPACE),
    maxWriteAmplification: SIM_CONFIG.levelRatio * (SIM_CONFIG.maxLevels - 1),
  },
  {
    name: 'sequential inserts',
    keyspace: FLUSHES * WRITES_PER_FLUSH,
    flushes: FLUSHES,
    writesPerFlush: WRITES_PER_FLUSH,
    nextKey: (_random, index) => index,
    // Nothing overlaps, so every segment reaches its level by a move, never a rewrite.
    maxWriteAmplification: 0,
  },
  {
    name: 'skewed (90% of writes to 10% of keys)',
    keyspace: KEYSPACE,
    flushes: FLUSHES,
    writesPerFlush: WRITES_PER_FLUSH,
    nextKey: (random) => (random() < 0.9 ? spread(Math.floor(random() * (KEYSPACE / 10))) % KEYSPACE : Math.floor(random() * KEYSPACE)),
    maxWriteAmplification: SIM_CONFIG.levelRatio * (SIM_CONFIG.maxLevels - 1),
  },
  {
    name: 'uniform with 15% deletes and 25% TTL writes',
    keyspace: KEYSPACE,
    flushes: FLUSHES,
    writesPerFlush: WRITES_PER_FLUSH,
    nextKey: (random) => Math.floor(random() * KEYSPACE),
    deleteFraction: 0.15,
    ttlFraction: 0.25,
    config: { expiredGraceMs: 20 * FLUSH_INTERVAL_MS },
    maxWriteAmplification: SIM_CONFIG.levelRatio * (SIM_CONFIG.maxLevels - 1),
  },
]

describe('compaction policy: simulation', function () {
  this.timeout(60_000 * scale)

  for (const workload of workloads) {
    it(`${workload.name}: settles after every flush, keeps every key, write amplification at most ${workload.maxWriteAmplification}`, () => {
      const sim = simulate(workload)
      report(sim, workload.name)
      expect(sim.summary().writeAmplification).to.be.at.most(workload.maxWriteAmplification)
      if (workload.ttlFraction === undefined) return
      // Stop writing and let every TTL run out: the expired entries are garbage the policy must collect.
      sim.now += 100 * FLUSH_INTERVAL_MS
      sim.settle()
      sim.checkAgainstModel()
      report(sim, `${workload.name}, after idling`)
      const grace = workload.config!.expiredGraceMs!
      expect(sim.snapshot.segments.filter((s) => s.minExpiresAt !== 0 && s.minExpiresAt < sim.now - grace)).to.deep.equal([])
      expect(sim.summary().spaceAmplification).to.be.below(1.5)
    })
  }

  it('round-robin choice also settles and keeps every key (verbose output compares it with min-overlap)', () => {
    const workload: Workload = { ...workloads[0]!, flushes: FLUSHES / 2, config: { segmentChoice: 'round-robin' } }
    const roundRobin = simulate(workload)
    report(roundRobin, `${workload.name}, round-robin`)
    if (verbose) report(simulate({ ...workload, config: {} }), `${workload.name}, min-overlap`)
    expect(roundRobin.summary().writeAmplification).to.be.at.most(workload.maxWriteAmplification)
  })
})

function report(sim: Simulation, title: string): void {
  if (!verbose) return
  const { writeAmplification, spaceAmplification, readAmplification } = sim.summary()
  const tombstones = sim.snapshot.segments.reduce((n, s) => n + s.tombstones, 0)
  console.log(
    `  ${title}: ${sim.bytesFlushed} bytes flushed, ${sim.tasks} tasks (${sim.moves} moves), ` +
      `write amp ${writeAmplification.toFixed(2)}, space amp ${spaceAmplification.toFixed(2)} ` +
      `(peak on disk ${sim.maxBytesOnDisk} bytes), read amp ${readAmplification}, ${tombstones} tombstones\n${sim.table()}`,
  )
}
