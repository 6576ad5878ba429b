import { expect } from 'chai'
import fc from 'fast-check'
import { crc32, crc32Tables } from '../../src/storage/crc32.js'

describe("crc32 (the checksums of segment files from format 2 on)", () => {
  it('gives the standard check values of CRC-32 (ISO-HDLC)', () => {
    for (const f of [crc32, crc32Tables]) {
      expect(f(Buffer.from('123456789'))).to.equal(0xcbf43926)
      expect(f(Buffer.from('The quick brown fox jumps over the lazy dog'))).to.equal(0x414fa339)
      expect(f(Buffer.alloc(0))).to.equal(0)
      expect(f(Buffer.alloc(32, 0))).to.equal(0x190a55ad)
    }
  })

  it('agrees with the table-driven fallback for any bytes, offset, length and seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(16), fc.integer({ min: 0, max: 0xffffffff }), (bytes, skip, seed) => {
        // A view that starts inside its ArrayBuffer, as blocks read into a larger buffer do.
        const view = Buffer.from(bytes).subarray(Math.min(skip, bytes.length))
        expect(crc32(view, seed)).to.equal(crc32Tables(view, seed))
      }),
      { numRuns: 300 },
    )
  })

  it("chains: the CRC of a whole is the CRC of its second part seeded with the first part's", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        expect(crc32Tables(b, crc32Tables(a))).to.equal(crc32Tables(Buffer.concat([a, b])))
        expect(crc32(b, crc32(a))).to.equal(crc32(Buffer.concat([a, b])))
      }),
    )
  })
})
