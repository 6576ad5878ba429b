// The eviction policy as a pure function: when it evicts, how much, and when it asks for a flush.

import { expect } from 'chai'
import fc from 'fast-check'
import { DIRTY_SHARE, HIGH_MARK, HOLD_MS, HOLD_SHARE, LOW_MARK, MIN_DATA_BYTES, MIN_DATA_SHARE, NO_HOLD, OVERSIZED_SHARE, STALL_MARK, YOUNG_SHARE, dataBudget, heldBytes, holdOversized, planEviction, youngGrowthFactor } from '../../src/storage/eviction-policy.js'

const MB = 1024 * 1024

describe('planEviction', () => {
  it('does nothing without maxmemory', () => {
    expect(planEviction({ maxmemory: 0, overheadBytes: 0, residentBytes: 10 * MB, storeBytes: MB, dirtyBytes: 10 * MB, flushRunning: false })).to.deep.equal({
      evictBytes: 0,
      evictShare: 0,
      flush: false,
      stallWrites: false,
      resumeWrites: true,
    })
  })

  it('leaves memory alone below the high mark', () => {
    const plan = planEviction({ maxmemory: 100 * MB, overheadBytes: 0, residentBytes: 80 * MB, storeBytes: 5 * MB, dirtyBytes: 0, flushRunning: false })
    expect(plan).to.deep.equal({ evictBytes: 0, evictShare: 0, flush: false, stallWrites: false, resumeWrites: true })
  })

  it('frees memory down to the low mark once above the high mark', () => {
    const plan = planEviction({ maxmemory: 100 * MB, overheadBytes: 0, residentBytes: 90 * MB, storeBytes: 5 * MB, dirtyBytes: 0, flushRunning: false })
    expect(plan.evictBytes).to.equal(95 * MB - 100 * MB * LOW_MARK)
    expect(plan.evictShare).to.be.closeTo(15 / 90, 1e-9)
    expect(plan.flush).to.equal(false)
  })

  it('asks for a flush when changed records pass their share, unless one is running', () => {
    const figures = { maxmemory: 100 * MB, overheadBytes: 0, residentBytes: 50 * MB, storeBytes: 0, dirtyBytes: 30 * MB, flushRunning: false }
    expect(planEviction(figures).flush).to.equal(true)
    expect(planEviction({ ...figures, flushRunning: true }).flush).to.equal(false)
    expect(planEviction({ ...figures, dirtyBytes: 20 * MB }).flush).to.equal(false)
  })

  it('asks for a flush when changed records stand between eviction and the low mark', () => {
    // 15 MB must go, but only 10 MB of the records are clean.
    const plan = planEviction({ maxmemory: 100 * MB, overheadBytes: 0, residentBytes: 20 * MB, storeBytes: 75 * MB, dirtyBytes: 10 * MB, flushRunning: false })
    expect(plan.evictBytes).to.be.greaterThan(0)
    expect(plan.flush).to.equal(true)
  })

  it('holds writes once memory passes maxmemory, and lets them go under the high mark', () => {
    const at = (usedMb: number) => planEviction({ maxmemory: 100 * MB, overheadBytes: 0, residentBytes: usedMb * MB, storeBytes: 0, dirtyBytes: 0, flushRunning: false })
    expect(at(101)).to.include({ stallWrites: true, resumeWrites: false })
    // Between the high mark and the limit a stall neither begins nor ends: no flapping.
    expect(at(95)).to.include({ stallWrites: false, resumeWrites: false })
    expect(at(89)).to.include({ stallWrites: false, resumeWrites: true })
  })

  it('gives the data what the rest of the process leaves of maxmemory', () => {
    // 40 MB of heap and buffers besides the data: 55 MB of data is over the 60 MB budget's high mark.
    const figures = { maxmemory: 100 * MB, overheadBytes: 40 * MB, residentBytes: 50 * MB, storeBytes: 5 * MB, dirtyBytes: 0, flushRunning: false }
    expect(dataBudget(100 * MB, 40 * MB)).to.equal(60 * MB)
    expect(planEviction(figures).evictBytes).to.equal(55 * MB - 60 * MB * LOW_MARK)
    expect(planEviction({ ...figures, overheadBytes: 0 }).evictBytes).to.equal(0)
    // Writes wait once the data alone passes its budget.
    expect(planEviction({ ...figures, residentBytes: 60 * MB }).stallWrites).to.equal(true)
  })

  it('keeps a floor under the data budget however large the rest grows', () => {
    expect(dataBudget(100 * MB, 500 * MB)).to.equal(100 * MB * MIN_DATA_SHARE)
    // A small maxmemory keeps a few megabytes (all of itself, if less), so flushes stay whole.
    expect(dataBudget(20 * MB, 500 * MB)).to.equal(MIN_DATA_BYTES)
    expect(dataBudget(2 * MB, 500 * MB)).to.equal(2 * MB)
    const plan = planEviction({ maxmemory: 100 * MB, overheadBytes: 500 * MB, residentBytes: 20 * MB, storeBytes: 0, dirtyBytes: 0, flushRunning: false })
    expect(plan).to.include({ evictBytes: 0, stallWrites: false, resumeWrites: true })
  })

  it('never plans to free more than is used, and evicts exactly when above the high mark', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 100 }),
        fc.boolean(),
        (max, overhead, resident, store, dirtyPercent, flushRunning) => {
          const dirtyBytes = Math.floor((resident * MB * dirtyPercent) / 100)
          const figures = { maxmemory: max * MB, overheadBytes: overhead * MB, residentBytes: resident * MB, storeBytes: store * MB, dirtyBytes, flushRunning }
          const plan = planEviction(figures)
          const used = (resident + store) * MB
          const budget = Math.max((max - overhead) * MB, max * MB * MIN_DATA_SHARE, Math.min(max * MB, MIN_DATA_BYTES))
          expect(plan.evictBytes > 0).to.equal(used > budget * HIGH_MARK)
          expect(plan.evictBytes).to.be.at.most(used)
          if (flushRunning) expect(plan.flush).to.equal(false)
          if (!flushRunning && dirtyBytes > budget * DIRTY_SHARE) expect(plan.flush).to.equal(true)
          expect(plan.stallWrites).to.equal(used > budget * STALL_MARK)
          expect(plan.stallWrites && plan.resumeWrites).to.equal(false)
        },
      ),
    )
  })
})

describe('holdOversized', () => {
  const budget = 8 * MB
  const maxmemory = 20 * MB

  it('holds a string being appended to once it alone is a large share of the budget', () => {
    // The repro of the issue: a 20 MB string (21 MB with its room) under --maxmemory 20mb, whose
    // data budget is its 8 MB floor, appended to a few milliseconds ago.
    const hold = holdOversized([{ bytes: 21 * MB, ageMs: 3, dirty: true }], budget, maxmemory)
    expect(hold).to.deep.equal({ minBytes: budget * OVERSIZED_SHARE, belowAgeMs: HOLD_MS, bytes: 21 * MB, dirtyBytes: 21 * MB, records: 1 })
  })

  it('holds nothing without maxmemory, nor records eviction can make room for, nor cold ones', () => {
    expect(holdOversized([{ bytes: 21 * MB, ageMs: 3, dirty: true }], budget, 0)).to.equal(NO_HOLD)
    expect(holdOversized([{ bytes: 3 * MB, ageMs: 3, dirty: true }], budget, maxmemory)).to.equal(NO_HOLD)
    expect(holdOversized([{ bytes: 21 * MB, ageMs: HOLD_MS, dirty: false }], budget, maxmemory)).to.equal(NO_HOLD)
  })

  it('holds the most recently accessed while they fit its share of maxmemory; one too large alone is not held', () => {
    const room = maxmemory * HOLD_SHARE
    const records = [
      { bytes: room / 2, ageMs: 500, dirty: false },
      { bytes: room / 2, ageMs: 10, dirty: true },
      { bytes: room / 4, ageMs: 200, dirty: false },
    ]
    const hold = holdOversized(records, budget, maxmemory)
    // The two newest fit; the oldest does not, and the cut is by age, which the sweep sees.
    expect(hold).to.include({ belowAgeMs: 500, bytes: (3 * room) / 4, dirtyBytes: room / 2, records: 2 })
    expect(heldBytes(records, hold)).to.equal(hold.bytes)
    expect(holdOversized([{ bytes: room + 1, ageMs: 1, dirty: true }], budget, maxmemory)).to.equal(NO_HOLD)
  })

  it('never holds more than its share of maxmemory, and holds exactly what it reports', () => {
    const record = fc.record({ bytes: fc.integer({ min: 0, max: 64 * MB }), ageMs: fc.integer({ min: 0, max: 2 * HOLD_MS }), dirty: fc.boolean() })
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), (records, budgetMb, maxMb) => {
        const hold = holdOversized(records, budgetMb * MB, maxMb * MB)
        const held = records.filter((r) => r.bytes >= hold.minBytes && r.ageMs < hold.belowAgeMs)
        expect(hold.bytes).to.equal(held.reduce((n, r) => n + r.bytes, 0))
        expect(hold.records).to.equal(held.length)
        expect(hold.bytes).to.be.at.most(maxMb * MB * HOLD_SHARE)
        expect(held.every((r) => r.bytes >= budgetMb * MB * OVERSIZED_SHARE && r.ageMs < HOLD_MS)).to.equal(true)
      }),
    )
  })
})

describe('youngGrowthFactor', () => {
  it("leaves V8's growth alone without maxmemory", () => {
    expect(youngGrowthFactor(0, 32 * MB)).to.equal(2)
  })

  it('stops the young generation before a doubling would pass its share of maxmemory, 8 MB of it under 100mb', () => {
    // V8's young generation goes 2, 4, 8, 16, 32 MB (two semi-spaces).
    const grown = (maxmemory: number): number => {
      let young = 2 * MB
      while (youngGrowthFactor(maxmemory, young) === 2 && young < 32 * MB) young *= 2
      return young
    }
    expect(grown(100 * MB)).to.equal(8 * MB)
    expect(grown(10 * MB)).to.equal(2 * MB)
    expect(grown(1024 * MB)).to.equal(32 * MB)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), (mb) => {
        const young = grown(mb * MB)
        expect(young === 2 * MB || young <= mb * MB * YOUNG_SHARE).to.equal(true)
      }),
    )
  })
})
