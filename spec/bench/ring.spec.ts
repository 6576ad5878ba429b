import { expect } from 'chai'
import fc from 'fast-check'
import { Ring } from '../../src/bench/ring.js'

describe('Ring', () => {
  it('behaves as a first-in first-out queue through wrap-arounds and growth', () => {
    // Each step pushes a number or shifts one; an array with push/shift is the model.
    const step = fc.oneof(fc.integer().map((n) => ({ push: n })), fc.constant({ push: undefined }))
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(step, { maxLength: 200 }), (capacity, steps) => {
        const ring = new Ring<number>(capacity)
        const model: number[] = []
        for (const { push } of steps) {
          if (push !== undefined) {
            ring.push(push)
            model.push(push)
          } else expect(ring.shift()).to.equal(model.shift())
          expect(ring.size).to.equal(model.length)
          expect(ring.peek()).to.equal(model[0])
        }
        expect(ring.drain()).to.deep.equal(model)
        expect(ring.size).to.equal(0)
        expect(ring.shift()).to.equal(undefined)
      }),
    )
  })
})
