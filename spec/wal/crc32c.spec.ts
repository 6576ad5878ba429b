import { expect } from 'chai'
import fc from 'fast-check'
import { crc32c, crc32cHardware, crc32cPortable } from '../../src/wal/native-wal.js'

describe('crc32c', () => {
  it('matches the known check value', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283)
    expect(crc32cPortable(Buffer.from('123456789'))).to.equal(0xe3069283)
    expect(crc32c(Buffer.alloc(32))).to.equal(0x8a9136aa)
    expect(crc32c(Buffer.alloc(0))).to.equal(0)
  })

  it('chains through its seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        const whole = crc32c(Buffer.concat([a, b]))
        expect(crc32c(Buffer.from(b), crc32c(Buffer.from(a)))).to.equal(whole)
      }),
    )
  })

  it('agrees with the portable path on random input', function () {
    // Without SSE4.2 both calls take the portable path and the comparison proves nothing.
    if (!crc32cHardware()) this.skip()
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.nat(7),
        fc.integer({ min: 0, max: 0xffffffff }),
        (bytes, skip, seed) => {
          const view = Buffer.from(bytes).subarray(Math.min(skip, bytes.length))
          expect(crc32c(view, seed)).to.equal(crc32cPortable(view, seed))
        },
      ),
      { numRuns: 300 },
    )
  })
})
