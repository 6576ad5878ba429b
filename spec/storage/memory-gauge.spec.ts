// The memory gauge: the process's memory besides the data, as the low point of a window of samples.

import { expect } from 'chai'
import fc from 'fast-check'
import { MemoryGauge } from '../../src/storage/memory-gauge.js'

describe('MemoryGauge', () => {
  it('reads 0 before any sample, and never below 0', () => {
    const gauge = new MemoryGauge(4)
    expect(gauge.overheadBytes).to.equal(0)
    // The data estimate can exceed what was measured (it counts the table's slots and key copies).
    expect(gauge.sample(100, 150)).to.equal(0)
  })

  it('ignores a spike of garbage shorter than its window, and falls at once', () => {
    const gauge = new MemoryGauge(4)
    expect(gauge.sample(130, 100)).to.equal(30)
    // The young generation fills between two scavenges: the low point stands.
    expect(gauge.sample(190, 100)).to.equal(30)
    expect(gauge.sample(170, 100)).to.equal(30)
    expect(gauge.sample(120, 100)).to.equal(20)
  })

  it('rises once the rest has held more for a whole window', () => {
    const gauge = new MemoryGauge(3)
    gauge.sample(110, 100)
    expect(gauge.sample(160, 100)).to.equal(10)
    expect(gauge.sample(160, 100)).to.equal(10)
    expect(gauge.sample(160, 100)).to.equal(60)
  })

  it('is the minimum of the last window of samples', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 50 }), (window, samples) => {
        const gauge = new MemoryGauge(window)
        samples.forEach(([used, data], n) => {
          const recent = samples.slice(Math.max(0, n + 1 - window), n + 1).map(([u, d]) => Math.max(0, u - d))
          expect(gauge.sample(used, data)).to.equal(Math.min(...recent))
        })
      }),
    )
  })
})
