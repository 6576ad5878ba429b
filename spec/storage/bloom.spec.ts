import { expect } from 'chai'
import fc from 'fast-check'
import { BloomFilter, bloomHash, murmur3, probesFor, theoreticalFalsePositiveRate } from '../../src/storage/bloom.js'

const keysNamed = (prefix: string, count: number): Buffer[] => Array.from({ length: count }, (_, i) => Buffer.from(`${prefix}${i}`))

describe('bloom filter', () => {
  it('hashes with the reference MurmurHash3 x86_32', () => {
    // Published vectors of the reference implementation (SMHasher).
    expect(murmur3(Buffer.alloc(0), 0)).to.equal(0)
    expect(murmur3(Buffer.alloc(0), 1)).to.equal(0x514e28b7)
    expect(murmur3(Buffer.alloc(0), 0xffffffff)).to.equal(0x81f16f39)
    expect(murmur3(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0)).to.equal(0x76293b50)
    expect(murmur3(Buffer.from([0x21, 0x43, 0x65, 0x87]), 0)).to.equal(0xf55b516b)
    expect(murmur3(Buffer.from([0x21, 0x43, 0x65]), 0)).to.equal(0x7e4a8634)
    expect(murmur3(Buffer.from([0x21, 0x43]), 0)).to.equal(0xa0f7b07a)
    expect(murmur3(Buffer.from([0x21]), 0)).to.equal(0x72661cf4)
    expect(murmur3(Buffer.from('Hello, world!'), 1234)).to.equal(0xfaf6cdb3)
    expect(murmur3(Buffer.from('The quick brown fox jumps over the lazy dog'), 0)).to.equal(0x2e4ff723)
  })

  it('never rejects a key it was built from, before or after serialization', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (keys, bitsPerKey) => {
        const filter = BloomFilter.fromKeys(keys, bitsPerKey)
        const copy = BloomFilter.deserialize(filter.serialize())
        for (const key of keys) {
          expect(filter.mayContain(key)).to.equal(true)
          expect(copy.mayContainHash(bloomHash(key))).to.equal(true)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('answers the same after a serialization round trip', () => {
    const filter = BloomFilter.fromKeys(keysNamed('in:', 1000), 10)
    const bytes = filter.serialize()
    const copy = BloomFilter.deserialize(bytes)
    expect(copy.serialize().equals(bytes)).to.equal(true)
    for (const probe of keysNamed('probe:', 5000)) expect(copy.mayContain(probe)).to.equal(filter.mayContain(probe))
  })

  for (const bitsPerKey of [6, 10, 14]) {
    it(`keeps the false-positive rate within 2x of theory at ${bitsPerKey} bits per key`, () => {
      // Similar, sequential key names are the realistic case and the hard one for a weak hash.
      const filter = BloomFilter.fromKeys(keysNamed('user:', 50_000), bitsPerKey)
      const probes = 200_000
      let falsePositives = 0
      for (let i = 0; i < probes; i++) if (filter.mayContain(Buffer.from(`absent:${i}`))) falsePositives++
      const rate = falsePositives / probes
      const theory = theoreticalFalsePositiveRate(bitsPerKey)
      expect(filter.probes).to.equal(probesFor(bitsPerKey))
      expect(rate, `measured ${rate}, theory ${theory}`).to.be.within(theory / 2, theory * 2)
    })
  }

  it('uses about bitsPerKey bits per key, with a floor for tiny sets', () => {
    expect(BloomFilter.fromKeys(keysNamed('k', 1000), 10).bitCount).to.equal(10_000)
    expect(BloomFilter.fromKeys(keysNamed('k', 1), 10).bitCount).to.equal(64)
    expect(BloomFilter.fromKeys([], 10).mayContain(Buffer.from('anything'))).to.equal(false)
  })

  it('with 0 bits per key is no filter: every key may be present', () => {
    const filter = BloomFilter.deserialize(BloomFilter.fromKeys(keysNamed('k', 10), 0).serialize())
    expect(filter.bitCount).to.equal(0)
    for (const probe of keysNamed('other', 100)) expect(filter.mayContain(probe)).to.equal(true)
  })

  it('refuses bytes that are not a filter', () => {
    const good = BloomFilter.fromKeys(keysNamed('k', 10), 10).serialize()
    expect(() => BloomFilter.deserialize(good.subarray(0, 5))).to.throw(RangeError)
    expect(() => BloomFilter.deserialize(good.subarray(0, good.length - 1))).to.throw(RangeError)
    const unknownAlgorithm = Buffer.from(good)
    unknownAlgorithm[0] = 9
    expect(() => BloomFilter.deserialize(unknownAlgorithm)).to.throw(RangeError)
  })
})
