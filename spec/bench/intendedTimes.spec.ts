import { expect } from 'chai'
import { asyncScheduler, take } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { intendedTimes } from '../../src/bench/intendedTimes.js'

// Inside TestScheduler.run, asyncScheduler's timers and clock are virtual, so passing it to the
// operator runs the schedule in virtual time.
const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
  expect(actual).to.deep.equal(expected)
})

describe('intendedTimes', () => {
  it('emits slot i at start + i / rate, on the tick that reaches it', () => {
    testScheduler().run(({ expectObservable }) => {
      // 500/s: one slot every 2 ms, released on 1 ms ticks.
      expectObservable(intendedTimes({ rate: 500, scheduler: asyncScheduler, count: 4 })).toBe('a-b-c-(d|)', { a: 0, b: 2, c: 4, d: 6 })
    })
  })

  it('a coarse tick releases the slots it passed all at once, each with its own intended time', () => {
    testScheduler().run(({ expectObservable }) => {
      // 1000/s on 10 ms ticks: slot 0 at once, slots 1..10 together at the first tick.
      const source = intendedTimes({ rate: 1000, scheduler: asyncScheduler, tickMs: 10 }).pipe(take(11))
      expectObservable(source).toBe('a 9ms (bcdefghijk|)', {
        a: 0, b: 1, c: 2, d: 3, e: 4, f: 5, g: 6, h: 7, i: 8, j: 9, k: 10,
      })
    })
  })

  it('keeps the schedule over a long run: 10,000 slots at 2,000/s span exactly 5 s, none early or late by a tick', () => {
    testScheduler().run(({ flush }) => {
      const seen: number[] = []
      const releasedAt: number[] = []
      intendedTimes({ rate: 2000, scheduler: asyncScheduler, count: 10_000 }).subscribe((t) => {
        seen.push(t)
        releasedAt.push(asyncScheduler.now())
      })
      flush()
      expect(seen).to.have.length(10_000)
      expect(seen[9_999]).to.be.closeTo(4999.5, 1e-9)
      seen.forEach((t, i) => expect(releasedAt[i]! - t).to.be.within(0, 1))
    })
  })

  it('rejects a rate that is not positive', () => {
    let failure: unknown
    intendedTimes({ rate: 0, scheduler: asyncScheduler }).subscribe({ error: (e) => (failure = e) })
    expect(failure).to.be.instanceOf(RangeError)
  })
})
