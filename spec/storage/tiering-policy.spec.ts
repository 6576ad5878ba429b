import { expect } from 'chai'
import fc from 'fast-check'
import { applyEdit, EMPTY_SNAPSHOT, type ManifestSnapshot, type SegmentInfo, type Tier } from '../../src/storage/manifest.js'
import { encodeStoreKey, keyspaceNumber, tenantRange } from '../../src/storage/store-keys.js'
import { planTiering, segmentTenant } from '../../src/storage/tiering-policy.js'
import type { SegmentAccess, TieringConfig, TierMove } from '../../src/storage/tiering-types.js'

const NOW = 1_700_000_000_000
const SECOND = 1000

const CONFIG: TieringConfig = { coldAfterMs: 60 * SECOND, ssdMaxBytes: 0, promoteHeat: 8, minResidencyMs: 120 * SECOND }

/** A store key of tenant `tenant` (database `db`). */
const keyIn = (tenant: number, name: string, db = 0): Buffer => encodeStoreKey(keyspaceNumber(tenant, db), 0, name)

/** A level-0 segment holding keys of one tenant, or from `tenant` to `lastTenant` when that is given. */
function seg(id: number, tenant: number, extra: Partial<SegmentInfo> & { lastTenant?: number } = {}): SegmentInfo {
  const { lastTenant, ...fields } = extra
  return {
    id,
    level: 0,
    tier: 'ssd',
    file: `${id}.seg`,
    bytes: 100,
    entries: 10,
    tombstones: 0,
    firstKey: keyIn(tenant, `a${id}`),
    lastKey: keyIn(lastTenant ?? tenant, `z${id}`),
    minSeq: id,
    maxSeq: id,
    minExpiresAt: 0,
    ...fields,
  }
}

const snapshotOf = (...segments: SegmentInfo[]): ManifestSnapshot => applyEdit(EMPTY_SNAPSHOT, { add: segments })

/** Access statistics: `idleMs` since the last access, and moved `movedAgoMs` ago (undefined: never). */
const stats = (heat: number, idleMs: number, movedAgoMs?: number): SegmentAccess => ({
  heat,
  lastAccessAt: NOW - idleMs,
  movedAt: movedAgoMs === undefined ? 0 : NOW - movedAgoMs,
})

function plan(
  segments: SegmentInfo[],
  access: Record<number, SegmentAccess>,
  config: Partial<TieringConfig> = {},
): TierMove[] {
  const map = new Map(Object.entries(access).map(([id, a]) => [Number(id), a]))
  return planTiering({ snapshot: snapshotOf(...segments), access: map, now: NOW, config: { ...CONFIG, ...config } })
}

const moved = (moves: TierMove[]): string[] => moves.map((m) => `${m.id}->${m.to}`)

const COLD = CONFIG.coldAfterMs
const LONG_AGO = 10 * CONFIG.minResidencyMs

describe('tiering policy: planTiering', () => {
  it('plans nothing for an empty store', () => {
    expect(planTiering({ snapshot: EMPTY_SNAPSHOT, access: new Map(), now: NOW, config: CONFIG })).to.deep.equal([])
  })

  it('demotes an SSD segment once it has been idle for coldAfter, not a millisecond sooner', () => {
    expect(plan([seg(1, 1)], { 1: stats(0, COLD - 1) })).to.deep.equal([])
    const moves = plan([seg(1, 1)], { 1: stats(0, COLD) })
    expect(moved(moves)).to.deep.equal(['1->hdd'])
    expect(moves[0]!.reason).to.match(/^cold for 60 s; tenant 1 idle/)
  })

  it('treats a segment without access statistics as accessed now: never cold', () => {
    expect(plan([seg(1, 1), seg(2, 2)], { 2: stats(0, COLD) })).to.deep.equal([{ id: 2, to: 'hdd', reason: 'cold for 60 s; tenant 2 idle for 60 s' }])
    // Its tenant is not idle either.
    expect(plan([seg(1, 1), seg(2, 1)], { 2: stats(0, COLD) })).to.deep.equal([])
  })

  it('leaves cold HDD segments where they are', () => {
    expect(plan([seg(1, 1, { tier: 'hdd' })], { 1: stats(0, 100 * COLD) })).to.deep.equal([])
  })

  it('moves a tenant as a unit: all its SSD segments once every segment of it is cold, none while one is hot', () => {
    const segments = [seg(1, 1), seg(2, 1), seg(3, 1), seg(4, 2), seg(5, 2), seg(6, 2, { tier: 'hdd' })]
    const access = {
      1: stats(0, 5 * COLD),
      2: stats(3, 1000), // the one hot segment of tenant 1
      3: stats(0, 5 * COLD),
      4: stats(0, 5 * COLD),
      5: stats(0, 2 * COLD),
      6: stats(0, COLD),
    }
    expect(moved(plan(segments, access))).to.deep.equal(['4->hdd', '5->hdd'])
    // A hot HDD segment keeps its tenant busy as well.
    expect(plan(segments, { ...access, 6: stats(1, 1000) }).filter((m) => m.id === 4 || m.id === 5)).to.deep.equal([])
    // Once tenant 1's last hot segment goes cold, the whole tenant leaves in one plan.
    expect(moved(plan(segments, { ...access, 2: stats(3, COLD) }))).to.deep.equal(['1->hdd', '2->hdd', '3->hdd', '4->hdd', '5->hdd'])
  })

  it('judges a segment that spans tenants alone, and it does not hold either tenant back', () => {
    const segments = [seg(1, 1), seg(2, 1, { lastTenant: 2 }), seg(3, 2)]
    const moves = plan(segments, { 1: stats(0, COLD), 2: stats(0, 1000), 3: stats(0, COLD) })
    expect(moved(moves)).to.deep.equal(['1->hdd', '3->hdd'])
    const spanning = plan(segments, { 1: stats(0, 1000), 2: stats(0, COLD), 3: stats(0, 1000) })
    expect(spanning).to.deep.equal([{ id: 2, to: 'hdd', reason: 'cold for 60 s (not within one tenant)' }])
  })

  it('places a segment in a tenant by the keyspace numbers of its bounds, exact at the range boundaries', () => {
    const bounded = (firstKey: Buffer, lastKey: Buffer): number | undefined => segmentTenant(seg(1, 0, { firstKey, lastKey }))
    expect(bounded(tenantRange(7), keyIn(7, 'x', 0xffff))).to.equal(7)
    expect(bounded(tenantRange(7), tenantRange(8))).to.equal(undefined)
    expect(bounded(keyIn(3, 'a'), Buffer.from([0, 3, 0xff, 0xff, 0xff]))).to.equal(3)
    // A bound shorter than a keyspace number that is a prefix of tenantRange(7) sorts before it.
    expect(bounded(Buffer.from([0, 6, 1]), Buffer.from([0, 7, 0]))).to.equal(6)
    expect(bounded(Buffer.from([0, 6, 1]), Buffer.from([0, 7, 0, 0]))).to.equal(undefined)
    expect(bounded(Buffer.alloc(0), keyIn(0, 'a'))).to.equal(undefined)
    expect(bounded(tenantRange(0xffff), Buffer.alloc(8, 0xff))).to.equal(0xffff)
  })

  it('keeps a settling segment (moved within minResidency) in place, and its tenant with it', () => {
    const residency = CONFIG.minResidencyMs
    expect(plan([seg(1, 1), seg(2, 1)], { 1: stats(0, 3 * residency, residency - 1), 2: stats(0, 3 * residency) })).to.deep.equal([])
    expect(moved(plan([seg(1, 1), seg(2, 1)], { 1: stats(0, 3 * residency, residency), 2: stats(0, 3 * residency) }))).to.deep.equal([
      '1->hdd',
      '2->hdd',
    ])
    const hotOnHdd = seg(3, 2, { tier: 'hdd' })
    expect(plan([hotOnHdd], { 3: stats(100, 0, residency - 1) })).to.deep.equal([])
    expect(moved(plan([hotOnHdd], { 3: stats(100, 0, residency) }))).to.deep.equal(['3->ssd'])
  })

  it('over the SSD cap, demotes the coldest segments (heat, then last access, then id) until it fits', () => {
    const segments = [seg(1, 1), seg(2, 2), seg(3, 3), seg(4, 4), seg(5, 5)]
    const access = { 1: stats(5, 1000), 2: stats(1, 1000), 3: stats(1, 2000), 4: stats(0.5, 100), 5: stats(1, 2000) }
    expect(plan(segments, access, { ssdMaxBytes: 500 })).to.deep.equal([])
    expect(moved(plan(segments, access, { ssdMaxBytes: 499 }))).to.deep.equal(['4->hdd'])
    expect(moved(plan(segments, access, { ssdMaxBytes: 300 }))).to.deep.equal(['3->hdd', '4->hdd'])
    expect(moved(plan(segments, access, { ssdMaxBytes: 200 }))).to.deep.equal(['3->hdd', '4->hdd', '5->hdd'])
    expect(plan(segments, access, { ssdMaxBytes: 499 })[0]!.reason).to.equal('SSD over its cap (500 of 499 bytes); coldest left: heat 0.5, idle 100 ms')
  })

  it('counts cold demotions towards the cap before taking anything else', () => {
    const segments = [seg(1, 1, { bytes: 300 }), seg(2, 2), seg(3, 3)]
    expect(moved(plan(segments, { 1: stats(9, COLD), 2: stats(0, 0), 3: stats(0, 0) }, { ssdMaxBytes: 200 }))).to.deep.equal(['1->hdd'])
  })

  it('takes a settling segment for the cap only when nothing else is left', () => {
    const segments = [seg(1, 1, { bytes: 300 }), seg(2, 2, { bytes: 300 })]
    const access = { 1: stats(0, 0, 1000), 2: stats(50, 0) }
    expect(moved(plan(segments, access, { ssdMaxBytes: 400 }))).to.deep.equal(['2->hdd'])
    expect(moved(plan(segments, access, { ssdMaxBytes: 200 }))).to.deep.equal(['1->hdd', '2->hdd'])
  })

  it('promotes a hot, recently read HDD segment, hottest first, while the SSD tier stays within its cap', () => {
    const hdd = (id: number, bytes = 100): SegmentInfo => seg(id, id, { tier: 'hdd', bytes })
    const segments = [seg(1, 1, { bytes: 200 }), hdd(2), hdd(3, 350), hdd(4), hdd(5), hdd(6)]
    const access = {
      1: stats(1, 0),
      2: stats(8, 1000), // exactly at promoteHeat
      3: stats(30, 1000), // hottest, but too big for the room left under a cap of 500
      4: stats(7.99, 1000), // not hot enough
      5: stats(20, COLD), // hot but not read for coldAfter
      6: stats(12, 1000, LONG_AGO),
    }
    const moves = plan(segments, access, { ssdMaxBytes: 500 })
    expect(moved(moves)).to.deep.equal(['6->ssd', '2->ssd'])
    expect(moves[0]!.reason).to.equal('hot: heat 12 (promote at 8)')
    expect(moved(plan(segments, access, { ssdMaxBytes: 399 }))).to.deep.equal(['6->ssd'])
    expect(moved(plan(segments, access))).to.deep.equal(['3->ssd', '6->ssd', '2->ssd'])
  })

  it('orders a plan demotions first by id, then promotions', () => {
    const segments = [seg(9, 9), seg(1, 1), seg(5, 5, { tier: 'hdd' }), seg(3, 3), seg(2, 2, { tier: 'hdd' })]
    const access = { 9: stats(0, COLD), 1: stats(0, COLD), 5: stats(10, 0), 3: stats(0, COLD), 2: stats(20, 0) }
    expect(moved(plan(segments, access))).to.deep.equal(['1->hdd', '3->hdd', '9->hdd', '2->ssd', '5->ssd'])
  })

  it('gives the same plan for the same input, whatever order the access statistics come in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tenant: fc.integer({ min: 0, max: 3 }),
            spans: fc.boolean(),
            hdd: fc.boolean(),
            bytes: fc.integer({ min: 1, max: 500 }),
            heat: fc.integer({ min: 0, max: 4 }).map((n) => n * 4),
            idle: fc.constantFrom(0, COLD - 1, COLD, 2 * COLD),
            moved: fc.constantFrom(undefined, 1000, LONG_AGO),
          }),
          { maxLength: 20 },
        ),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer(),
        (specs, cap, seed) => {
          const segments = specs.map((s, i) => seg(i + 1, s.tenant, { tier: s.hdd ? 'hdd' : 'ssd', bytes: s.bytes, lastTenant: s.spans ? s.tenant + 1 : s.tenant }))
          const entries = specs.map((s, i): [number, SegmentAccess] => [i + 1, stats(s.heat, s.idle, s.moved)])
          const shuffled = [...entries].sort((a, b) => Math.imul(a[0], seed | 1) - Math.imul(b[0], seed | 1))
          const input = { snapshot: snapshotOf(...segments), now: NOW, config: { ...CONFIG, ssdMaxBytes: cap } }
          const first = planTiering({ ...input, access: new Map(entries) })
          expect(planTiering({ ...input, access: new Map(entries) })).to.deep.equal(first)
          expect(planTiering({ ...input, access: new Map(shuffled) })).to.deep.equal(first)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('rejects a config it cannot work with', () => {
    const input = { snapshot: EMPTY_SNAPSHOT, access: new Map(), now: NOW }
    expect(() => planTiering({ ...input, config: { ...CONFIG, coldAfterMs: 0 } })).to.throw(RangeError)
    expect(() => planTiering({ ...input, config: { ...CONFIG, ssdMaxBytes: -1 } })).to.throw(RangeError)
    expect(() => planTiering({ ...input, config: { ...CONFIG, promoteHeat: 0 } })).to.throw(RangeError)
    expect(() => planTiering({ ...input, config: { ...CONFIG, minResidencyMs: Number.NaN } })).to.throw(RangeError)
  })
})

// ---------------------------------------------------------------------------------------------
// The simulation: a world of segments on a fake clock. Each pass credits the reads of the interval
// that just ended the way the store does (heat = heat / 2 + reads; lastAccessAt = now if read),
// plans, and applies the moves (tier switched in the manifest, movedAt = now).

/** Time between policy passes. */
const INTERVAL = 10 * SECOND
/** coldAfter is 6 passes, minResidency 12. */
const SIM: TieringConfig = { coldAfterMs: 6 * INTERVAL, ssdMaxBytes: 0, promoteHeat: 8, minResidencyMs: 12 * INTERVAL }

interface MutableAccess {
  heat: number
  lastAccessAt: number
  movedAt: number
}

/** Reads of segment `id` during the interval that ends at pass number `pass` (the first pass is 1). */
type ReadPattern = (id: number, pass: number) => number

class World {
  snapshot: ManifestSnapshot = EMPTY_SNAPSHOT
  readonly access = new Map<number, MutableAccess>()
  now = NOW
  pass = 0
  /** Every plan, by pass number. */
  readonly plans: { pass: number; moves: TierMove[] }[] = []
  readonly tierChanges = new Map<number, number>()

  constructor(
    readonly config: TieringConfig,
    segments: SegmentInfo[] = [],
  ) {
    this.write(...segments)
  }

  /** Adds segments as a flush or compaction does: written now, so accessed now. */
  write(...segments: SegmentInfo[]): void {
    if (segments.length === 0) return
    this.snapshot = applyEdit(this.snapshot, { add: segments })
    for (const s of segments) this.access.set(s.id, { heat: 0, lastAccessAt: this.now, movedAt: 0 })
  }

  /** One interval of reads, then one policy pass; returns its moves. */
  step(reads: ReadPattern): TierMove[] {
    this.now += INTERVAL
    this.pass++
    for (const [id, a] of this.access) {
      const n = reads(id, this.pass)
      a.heat = a.heat / 2 + n
      if (n > 0) a.lastAccessAt = this.now
    }
    const moves = planTiering({ snapshot: this.snapshot, access: this.access, now: this.now, config: this.config })
    this.checkPlan(moves)
    this.snapshot = applyEdit(this.snapshot, { move: moves.map((m) => ({ id: m.id, tier: m.to })) })
    for (const m of moves) {
      this.access.get(m.id)!.movedAt = this.now
      this.tierChanges.set(m.id, (this.tierChanges.get(m.id) ?? 0) + 1)
    }
    if (moves.length > 0) this.plans.push({ pass: this.pass, moves })
    return moves
  }

  run(passes: number, reads: ReadPattern, afterEach?: (moves: TierMove[]) => void): void {
    for (let i = 0; i < passes; i++) {
      const moves = this.step(reads)
      afterEach?.(moves)
    }
  }

  tierOf(id: number): Tier {
    return this.snapshot.segments.find((s) => s.id === id)!.tier
  }

  ssdBytes(): number {
    return this.snapshot.segments.reduce((n, s) => n + (s.tier === 'ssd' ? s.bytes : 0), 0)
  }

  /** The pass at which `id` changed tier, in order. */
  passesMoving(id: number): number[] {
    return this.plans.filter((p) => p.moves.some((m) => m.id === id)).map((p) => p.pass)
  }

  /**
   * What holds for every plan: each segment at most once, demotions from SSD and promotions from
   * HDD, a settling segment demoted only when the cap has taken every other SSD segment, and a
   * promoted one hot, recently read and not settling.
   */
  private checkPlan(moves: TierMove[]): void {
    const byId = new Map(this.snapshot.segments.map((s) => [s.id, s]))
    expect(new Set(moves.map((m) => m.id)).size, 'a segment moves twice in one plan').to.equal(moves.length)
    const settling = (id: number): boolean => {
      const movedAt = this.access.get(id)!.movedAt
      return movedAt !== 0 && this.now - movedAt < this.config.minResidencyMs
    }
    const demoted = new Set(moves.filter((m) => m.to === 'hdd').map((m) => m.id))
    for (const m of moves) {
      const s = byId.get(m.id)!
      expect(s.tier, `segment ${m.id}: ${m.reason}`).to.not.equal(m.to)
      expect(m.reason).to.be.a('string').and.not.equal('')
      if (m.to === 'ssd') {
        const a = this.access.get(m.id)!
        expect(settling(m.id), `promoted while settling: ${m.reason}`).to.equal(false)
        expect(a.heat).to.be.at.least(this.config.promoteHeat)
        expect(this.now - a.lastAccessAt).to.be.below(this.config.coldAfterMs)
      } else if (settling(m.id)) {
        const spared = this.snapshot.segments.filter((o) => o.tier === 'ssd' && !demoted.has(o.id) && !settling(o.id))
        expect(spared.map((o) => o.id), `segment ${m.id} demoted while settling (${m.reason})`).to.deep.equal([])
      }
    }
  }
}

const never: ReadPattern = () => 0

describe('tiering policy: simulation', () => {
  it('ranges go cold and move to HDD after coldAfter, and then stay there', () => {
    const world = new World(SIM, [seg(1, 1), seg(2, 2), seg(3, 3, { lastTenant: 4 })])
    world.run(100, never)
    for (const id of [1, 2, 3]) {
      expect(world.passesMoving(id), `segment ${id}`).to.deep.equal([6])
      expect(world.tierOf(id)).to.equal('hdd')
    }
  })

  it('a steadily read range never moves, even read lightly; the unread one beside it does', () => {
    const world = new World(SIM, [seg(1, 1), seg(2, 2)])
    // One read every five passes: well below promoteHeat, but never idle for coldAfter.
    world.run(1000, (id, pass) => (id === 1 && pass % 5 === 0 ? 1 : 0))
    expect(world.passesMoving(1)).to.deep.equal([])
    expect(world.passesMoving(2)).to.deep.equal([6])
  })

  it('a range moves exactly coldAfter after its reads stop', () => {
    const world = new World(SIM, [seg(1, 1)])
    world.run(200, (_id, pass) => (pass <= 50 ? 3 : 0))
    expect(world.passesMoving(1)).to.deep.equal([56])
  })

  it('a re-heated HDD range comes back after sustained reads, not after one read', () => {
    const hddWorld = (): World => {
      const world = new World(SIM, [seg(1, 1, { tier: 'hdd' })])
      world.access.get(1)!.lastAccessAt = NOW - 100 * INTERVAL
      return world
    }
    // One burst just under promoteHeat: it decays away.
    const burst = hddWorld()
    burst.run(100, (_id, pass) => (pass === 10 ? SIM.promoteHeat - 1 : 0))
    expect(burst.passesMoving(1)).to.deep.equal([])
    // Sustained reads at 3 per pass settle near 6, under promoteHeat 8: never promoted.
    const light = hddWorld()
    light.run(300, (_id, pass) => (pass >= 10 ? 3 : 0))
    expect(light.passesMoving(1)).to.deep.equal([])
    // 5 per pass: heat 5, 7.5, 8.75, so the third pass of reads promotes it.
    const sustained = hddWorld()
    sustained.run(100, (_id, pass) => (pass >= 10 ? 5 : 0))
    expect(sustained.passesMoving(1)).to.deep.equal([12])
    // A single burst as big as promoteHeat is enough on its own (documented).
    const big = hddWorld()
    big.run(100, (_id, pass) => (pass === 10 ? SIM.promoteHeat : 0))
    // It is cold again from pass 16, but settles until pass 22 (minResidency) before it leaves.
    expect(big.passesMoving(1)).to.deep.equal([10, 22])
  })

  it('a tenant moves as a unit: one hot segment keeps all of it on SSD; a fully cold tenant leaves in one plan', () => {
    // Tenant 1: segments 1-4, segment 2 read steadily. Tenant 2: segments 5-8, written over several
    // passes and never read, so its oldest segments are cold long before its youngest.
    const world = new World(SIM, [seg(1, 1), seg(2, 1), seg(3, 1), seg(4, 1), seg(5, 2)])
    const reads: ReadPattern = (id, pass) => (id === 2 && pass <= 100 ? 1 : 0)
    world.step(reads)
    world.write(seg(6, 2))
    world.run(2, reads)
    world.write(seg(7, 2), seg(8, 2))
    world.run(97, reads)
    expect(world.plans).to.have.length(1)
    expect(world.plans[0]!.pass).to.equal(3 + 6)
    expect(moved(world.plans[0]!.moves)).to.deep.equal(['5->hdd', '6->hdd', '7->hdd', '8->hdd'])
    for (const id of [1, 2, 3, 4]) expect(world.tierOf(id)).to.equal('ssd')
    // Tenant 1's reads stopped at pass 100: it leaves as a unit coldAfter later.
    world.run(20, reads)
    expect(world.plans).to.have.length(2)
    expect(world.plans[1]!.pass).to.equal(106)
    expect(moved(world.plans[1]!.moves)).to.deep.equal(['1->hdd', '2->hdd', '3->hdd', '4->hdd'])
  })

  describe('no flapping', () => {
    const PASSES = 600
    /** Every move needs the segment's previous move to be at least minResidency old. */
    const bound = Math.floor(((PASSES - 1) * INTERVAL) / SIM.minResidencyMs) + 1

    /** Phases of reads per pass around both thresholds, cycled: idle spells near coldAfter, read rates near promoteHeat / 2. */
    const phases = fc.array(
      fc.record({ passes: fc.integer({ min: 1, max: 10 }), reads: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 8 })) }),
      { minLength: 2, maxLength: 8 },
    )
    const patternOf = (perSegment: { passes: number; reads: number }[][]): ReadPattern => {
      const tables = perSegment.map((list) => list.flatMap((p) => new Array<number>(p.passes).fill(p.reads)))
      return (id, pass) => {
        const table = tables[id - 1]!
        return table[pass % table.length]!
      }
    }
    const worldFor = (config: TieringConfig, segments: number): World =>
      new World(config, Array.from({ length: segments }, (_, i) => seg(i + 1, i + 1, { tier: i % 2 === 0 ? 'ssd' : 'hdd' })))

    it(`each segment changes tier at most ${bound} times in ${PASSES} passes of reads switching on and off`, () => {
      fc.assert(
        fc.property(fc.array(phases, { minLength: 1, maxLength: 6 }), (perSegment) => {
          const world = worldFor(SIM, perSegment.length)
          world.run(PASSES, patternOf(perSegment))
          for (const [id, changes] of world.tierChanges) expect(changes, `segment ${id}`).to.be.at.most(bound)
        }),
        { numRuns: 60 },
      )
    })

    it('without minResidency the same kind of pattern does flap past that bound (the scenario has teeth)', () => {
      // Seven idle passes (cold at the sixth), then three passes of five reads (promoted at the third).
      const cycle = [{ passes: 7, reads: 0 }, { passes: 3, reads: 5 }]
      const loose = worldFor({ ...SIM, minResidencyMs: 0 }, 1)
      loose.run(PASSES, patternOf([cycle]))
      expect(loose.tierChanges.get(1)).to.be.greaterThan(bound)
      const held = worldFor(SIM, 1)
      held.run(PASSES, patternOf([cycle]))
      expect(held.tierChanges.get(1)).to.be.at.most(bound)
    })
  })

  it('the SSD byte cap holds at the end of every pass, with flushes, reads and hysteresis all at play', () => {
    const segmentSpec = fc.record({
      tenant: fc.integer({ min: 0, max: 3 }),
      spans: fc.boolean(),
      hdd: fc.boolean(),
      bytes: fc.integer({ min: 1, max: 1000 }),
      /** Reads per pass while reading, and the on / off cycle in passes. */
      reads: fc.integer({ min: 0, max: 10 }),
      on: fc.integer({ min: 0, max: 12 }),
      off: fc.integer({ min: 0, max: 12 }),
      /** The pass at which a flush writes it (0: there from the start). */
      writtenAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 150 })),
    })
    fc.assert(
      fc.property(
        fc.array(segmentSpec, { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 8000 }),
        fc.integer({ min: 0, max: 30 }),
        (specs, cap, residencyPasses) => {
          const config: TieringConfig = { ...SIM, ssdMaxBytes: cap, minResidencyMs: residencyPasses * INTERVAL }
          const segments = specs.map((s, i) =>
            seg(i + 1, s.tenant, { tier: s.hdd ? 'hdd' : 'ssd', bytes: s.bytes, lastTenant: s.spans ? s.tenant + 1 : s.tenant }),
          )
          const byPass = (pass: number): SegmentInfo[] => segments.filter((_, i) => specs[i]!.writtenAt === pass)
          const reads: ReadPattern = (id, pass) => {
            const s = specs[id - 1]!
            const cycle = s.on + s.off
            return cycle > 0 && pass % cycle < s.on ? s.reads : 0
          }
          const world = new World(config, byPass(0))
          const PASSES = 200
          for (let pass = 1; pass <= PASSES; pass++) {
            if (pass > 1) world.write(...byPass(pass - 1))
            world.step(reads)
            expect(world.ssdBytes(), `pass ${pass}`).to.be.at.most(cap)
          }
          // The cap may take a settling segment, so a segment moves at most twice per minResidency
          // (a promotion always waits for it): promotions <= span / minResidency + 1, demotions <= promotions + 1.
          if (residencyPasses > 0) {
            const promotions = Math.floor((PASSES - 1) / residencyPasses) + 1
            for (const [id, changes] of world.tierChanges) expect(changes, `segment ${id}`).to.be.at.most(2 * promotions + 1)
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('is deterministic: the same world and reads give the same plans, pass for pass', () => {
    const build = (): World => {
      const segments = Array.from({ length: 30 }, (_, i) => seg(i + 1, i % 6, { bytes: 50 + ((i * 37) % 200), tier: i % 3 === 0 ? 'hdd' : 'ssd' }))
      return new World({ ...SIM, ssdMaxBytes: 2500 }, segments)
    }
    // Tenants are read in windows of 20 passes, alternately on and off, half of them out of step.
    const reads: ReadPattern = (id, pass) => (Math.floor(pass / 20) % 2 === ((id - 1) % 6) % 2 ? (id % 7) + 2 : 0)
    const a = build()
    const b = build()
    a.run(300, reads)
    b.run(300, reads)
    expect(a.plans.length).to.be.greaterThan(10)
    expect(b.plans).to.deep.equal(a.plans)
  })
})
