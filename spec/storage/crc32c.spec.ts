import { expect } from 'chai'
import fc from 'fast-check'
import { crc32c, crc32cTables } from '../../src/storage/crc32c.js'
import { crc32c as nativeCrc32c } from '../../src/wal/native-wal.js'

describe('crc32c (the store\'s checksums in JavaScript)', () => {
  it('gives the standard check value and the known answers of RFC 3720', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283)
    expect(crc32c(Buffer.alloc(32, 0))).to.equal(0x8a9136aa)
    expect(crc32c(Buffer.alloc(32, 0xff))).to.equal(0x62a8ab43)
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).to.equal(0x46dd794e)
    expect(crc32c(Buffer.alloc(0))).to.equal(0)
  })

  it('agrees with the native function for any bytes, offset, length and seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(16), fc.integer({ min: 0, max: 0xffffffff }), (bytes, skip, seed) => {
        // A view that starts inside its ArrayBuffer, as blocks read into a larger buffer do.
        const view = Buffer.from(bytes).subarray(Math.min(skip, bytes.length))
        expect(crc32cTables(view, seed)).to.equal(nativeCrc32c(view, seed))
        expect(crc32c(view, seed)).to.equal(nativeCrc32c(view, seed))
      }),
      { numRuns: 300 },
    )
  })

  it('chains: the CRC of a whole is the CRC of its second part seeded with the first part\'s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        expect(crc32c(b, crc32c(a))).to.equal(crc32c(Buffer.concat([a, b])))
      }),
    )
  })

  it('hands long buffers to the native function with the same result', () => {
    const big = Buffer.alloc(200_000)
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24
    const view = big.subarray(5)
    expect(crc32c(view, 7)).to.equal(crc32cTables(view, 7))
  })
})
