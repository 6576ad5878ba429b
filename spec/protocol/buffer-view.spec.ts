import { expect } from 'chai'
import fc from 'fast-check'
import { viewOf } from '../../src/protocol/buffer-view.js'

describe('viewOf', () => {
  it('is a Buffer over the same bytes as subarray gives, with every Buffer method, sharing memory', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const source = Buffer.from(bytes)
        const start = a % source.length
        const end = start + (b % (source.length - start + 1))
        const view = viewOf(source.buffer, source.byteOffset + start, end - start)
        const slice = source.subarray(start, end)
        expect(Buffer.isBuffer(view)).to.equal(true)
        expect(view.equals(slice)).to.equal(true)
        expect(Buffer.compare(view, slice)).to.equal(0)
        expect(view.toString('latin1')).to.equal(slice.toString('latin1'))
        expect(view.toString('hex')).to.equal(slice.toString('hex'))
        expect(Buffer.concat([view, view]).length).to.equal(2 * slice.length)
        const sub = view.subarray(1)
        expect(Buffer.isBuffer(sub)).to.equal(true)
        expect(sub.equals(slice.subarray(1))).to.equal(true)
        if (view.length > 0) {
          view[0] = (view[0]! + 1) & 0xff
          expect(source[start]).to.equal(view[0])
        }
      }),
    )
  })
})
