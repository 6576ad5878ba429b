import { expect } from 'chai'
import fc from 'fast-check'
import { mergeSorted } from '../../src/storage/lsm-store.js'

const drain = (it: Iterator<string>): string[] => {
  const out: string[] = []
  for (let next = it.next(); !next.done; next = it.next()) out.push(next.value)
  return out
}

describe("a flush's merge of sorted runs of changed keys", () => {
  it('yields every key of every run once, in byte order, for any number of runs', () => {
    const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u0000', '\u00ff'), maxLength: 4 })
    fc.assert(
      fc.property(fc.array(fc.array(key, { maxLength: 30 }), { maxLength: 40 }), (lists) => {
        const runs = lists.map((list) => [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
        const expected = [...new Set(runs.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        expect(drain(mergeSorted(runs))).to.deep.equal(expected)
      }),
      { numRuns: 500 },
    )
  })
})
