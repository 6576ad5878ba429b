import { expect } from 'chai'
import fc from 'fast-check'
import {
  HLL_DENSE, HLL_DENSE_SIZE, HLL_REGISTERS, HLL_SEED, HLL_SPARSE, HllBuilder, cacheValid, cachedCardinality, count,
  createHll, decodeSparse, denseGet, estimate, histogram, hllSigma, hllTau, isHllString, mergeInto, murmurHash64A,
  patLen, rawHistogram, setCachedCardinality, sparseToDense, unpackDense,
} from '../../../src/commands/hyperloglog/hll.js'

const MASK = (1n << 64n) - 1n

/** MurmurHash64A written plainly over BigInt, the reference for the 32-bit-halves version. */
const reference = (data: Uint8Array, seed: number): bigint => {
  const m = 0xc6a4a7935bd1e995n
  const len = data.length
  let h = (BigInt(seed) ^ ((BigInt(len) * m) & MASK)) & MASK
  const end = len - (len & 7)
  for (let i = 0; i < end; i += 8) {
    let k = 0n
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(data[i + b]!)
    k = (k * m) & MASK
    k ^= k >> 47n
    k = (k * m) & MASK
    h ^= k
    h = (h * m) & MASK
  }
  const tail = len & 7
  if (tail > 0) {
    for (let t = tail - 1; t >= 0; t--) h ^= BigInt(data[end + t]!) << BigInt(8 * t)
    h = (h * m) & MASK
  }
  h ^= h >> 47n
  h = (h * m) & MASK
  h ^= h >> 47n
  return h
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1')
const unpack = (packed: number): [index: number, count: number] => [packed % HLL_REGISTERS, Math.floor(packed / HLL_REGISTERS)]

/** An HLL of `n` elements `${prefix}${i}`, as PFADD adds them one by one. */
const built = (prefix: string, n: number, maxBytes = 3000): HllBuilder => {
  const h = new HllBuilder(createHll())
  for (let i = 0; i < n; i++) h.add(bytes(`${prefix}${i}`), maxBytes)
  return h
}

describe('hll: Redis 7.0 HyperLogLog format and estimator', () => {
  describe('MurmurHash64A', () => {
    it('matches a plain 64-bit implementation for any bytes and seed', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (data, seed) => {
          expect(murmurHash64A(data, seed)).to.equal(reference(data, seed))
        }),
        { numRuns: 2000 },
      )
    })

    // Register and run length of one element, read back from redis-server 7.0.15 as PFDEBUG
    // DECODE of a one-element HLL ("Z:12711 v:2,1 Z:3672" for "a").
    const fromRedis: [string, number, number][] = [
      ['a', 12711, 2], ['', 5938, 2], ['hello world', 9399, 4], ['12345678', 10579, 3],
      ['123456789abcdef', 1977, 3], ['foobar', 1910, 4],
    ]
    for (const [element, index, runlen] of fromRedis) {
      it(`puts ${JSON.stringify(element)} in register ${index} with ${runlen}, as redis-server does`, () => {
        expect(unpack(patLen(bytes(element)))).to.deep.equal([index, runlen])
        const h = built('', 0)
        h.add(bytes(element), 3000)
        expect(decodeSparse(h.bytes())).to.equal(`Z:${index} v:${runlen},1 Z:${HLL_REGISTERS - 1 - index}`)
      })
    }

    it('counts the run from bit 14 up, at most 51 (bit 64 forced on)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 24 }), (data) => {
          const hash = reference(data, HLL_SEED)
          const rest = (hash >> 14n) | (1n << 50n)
          let zeros = 0
          while (((rest >> BigInt(zeros)) & 1n) === 0n) zeros++
          expect(unpack(patLen(data))).to.deep.equal([Number(hash & 0x3fffn), zeros + 1])
        }),
      )
    })
  })

  describe('format', () => {
    it('creates the 18-byte sparse HLL of Redis: HYLL, sparse, one XZERO of 16384', () => {
      expect(createHll().toString('hex')).to.equal('48594c4c01000000000000000000000' + '07fff')
      expect(decodeSparse(createHll())).to.equal('Z:16384')
    })

    it('recognises HLL strings as isHLLObjectOrReply does', () => {
      expect(isHllString(createHll())).to.equal(true)
      expect(isHllString(Buffer.from('HYLL'))).to.equal(false)
      expect(isHllString(Buffer.from('hyll\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff', 'latin1'))).to.equal(false)
      const dense = sparseToDense(createHll())!
      expect(dense.length).to.equal(HLL_DENSE_SIZE)
      expect(isHllString(dense)).to.equal(true)
      expect(isHllString(dense.subarray(0, HLL_DENSE_SIZE - 1))).to.equal(false)
      const enc2 = Buffer.from(createHll())
      enc2[4] = 2
      expect(isHllString(enc2)).to.equal(false)
    })

    it('packs dense registers 6 bits each from the least significant bit', () => {
      const h = new HllBuilder(sparseToDense(createHll())!)
      const values = Array.from({ length: HLL_REGISTERS }, (_, i) => (i * 37 + 11) % 64)
      values.forEach((v, i) => h.set(i, v, 3000))
      const b = h.bytes()
      values.forEach((v, i) => expect(denseGet(b, i)).to.equal(v))
      expect([...unpackDense(b)]).to.deep.equal(values)
      // Register 0 in byte 16's low bits, register 1 across bytes 16 and 17.
      expect(b[16]! & 63).to.equal(values[0])
      expect(((b[16]! >> 6) | (b[17]! << 2)) & 63).to.equal(values[1])
      expect(h.set(5, values[5]!, 3000)).to.equal(0)
    })

    it('keeps the cached cardinality little-endian with the stale flag in the top bit', () => {
      const b = Buffer.from(createHll())
      expect(cacheValid(b)).to.equal(true)
      setCachedCardinality(b, 0x0102030405)
      expect(b.subarray(8, 16).toString('hex')).to.equal('0504030201000000')
      expect(cachedCardinality(b)).to.equal(0x0102030405n)
      const h = new HllBuilder(b)
      h.invalidateCache()
      expect(cacheValid(h.bytes())).to.equal(false)
      expect(h.bytes()[15]).to.equal(0x80)
    })
  })

  describe('sparse encoding', () => {
    it('splits and merges opcodes as hllSparseSet does', () => {
      const h = new HllBuilder(createHll())
      expect(h.set(0, 3, 3000)).to.equal(1)
      expect(decodeSparse(h.bytes())).to.equal('v:3,1 Z:16383')
      expect(h.set(1, 3, 3000)).to.equal(1)
      // Two VALs of 3 become one of length 2.
      expect(decodeSparse(h.bytes())).to.equal('v:3,2 Z:16382')
      expect(h.set(100, 1, 3000)).to.equal(1)
      expect(decodeSparse(h.bytes())).to.equal('v:3,2 Z:98 v:1,1 Z:16283')
      expect(h.set(100, 1, 3000)).to.equal(0)
      expect(h.set(0, 2, 3000)).to.equal(0)
      expect(h.set(1, 5, 3000)).to.equal(1)
      expect(decodeSparse(h.bytes())).to.equal('v:3,1 v:5,1 Z:98 v:1,1 Z:16283')
      expect(h.set(16383, 32, 3000)).to.equal(1)
      expect(decodeSparse(h.bytes())).to.equal('v:3,1 v:5,1 Z:98 v:1,1 Z:16282 v:32,1')
      expect(h.encoding).to.equal(HLL_SPARSE)
    })

    it('turns dense for a value above 32 (no VAL holds it), keeping every register', () => {
      const h = built('x', 50)
      const before = sparseToDense(h.bytes())!
      expect(h.set(7, 33, 3000)).to.equal(1)
      expect(h.encoding).to.equal(HLL_DENSE)
      const b = h.bytes()
      for (let i = 0; i < HLL_REGISTERS; i++) expect(denseGet(b, i)).to.equal(i === 7 ? 33 : denseGet(before, i))
    })

    it('turns dense once the string would pass hll-sparse-max-bytes, with the same registers and count', () => {
      const sparse = built('element:', 3000, 1_000_000)
      expect(sparse.encoding).to.equal(HLL_SPARSE)
      expect(sparse.bytes().length).to.be.greaterThan(3000)
      const h = new HllBuilder(createHll())
      let promotedAt = -1
      for (let i = 0; i < 3000; i++) {
        h.add(bytes(`element:${i}`), 3000)
        if (promotedAt < 0 && h.encoding === HLL_DENSE) promotedAt = i
        // Never longer than the limit while sparse.
        if (h.encoding === HLL_SPARSE) expect(h.bytes().length).to.be.at.most(3000)
      }
      expect(promotedAt).to.be.greaterThan(0)
      expect(sparseToDense(sparse.bytes())!.subarray(16).equals(h.bytes().subarray(16))).to.equal(true)
      expect(count(sparse.bytes())).to.equal(count(h.bytes()))
    })

    it('finds corrupt sparse HLLs: too few registers, or an opcode past the last one', () => {
      const short = Buffer.concat([createHll().subarray(0, 16), Buffer.from([0x7f, 0xfe])])
      const over = Buffer.concat([createHll(), Buffer.from([0x83])])
      for (const bad of [short, over]) {
        expect(sparseToDense(bad)).to.equal(null)
        expect(mergeInto(new Uint8Array(HLL_REGISTERS), bad)).to.equal(false)
        expect(new HllBuilder(bad).toDense()).to.equal(false)
      }
      expect(histogram(short)).to.equal(null)
      expect(count(short)).to.equal(null)
      // Registers 16383 and beyond are not covered: PFADD answers corrupt instead of reading on.
      const h = new HllBuilder(short)
      expect(h.set(16383, 1, 3000)).to.equal(-1)
    })
  })

  describe('estimator', () => {
    it('estimates 0 for an empty HLL and follows Ertl\'s sigma and tau', () => {
      expect(count(createHll())).to.equal(0)
      expect(hllSigma(1)).to.equal(Infinity)
      expect(hllSigma(0)).to.equal(0)
      expect(hllTau(0)).to.equal(0)
      expect(hllTau(1)).to.equal(0)
      const histo = new Int32Array(64)
      histo[0] = HLL_REGISTERS
      expect(estimate(histo)).to.equal(0)
    })

    // PFCOUNT of the same PFADDs on redis-server 7.0.15.
    const cases: [string, number, number][] = [['m', 200, 201], ['element:', 3000, 3002], ['', 20000, 19891]]
    for (const [prefix, n, expected] of cases) {
      it(`estimates ${expected} for ${n} elements "${prefix}i", as redis-server does`, () => {
        const h = built(prefix, n)
        expect(count(h.bytes())).to.equal(expected)
        const max = new Uint8Array(HLL_REGISTERS)
        expect(mergeInto(max, h.bytes())).to.equal(true)
        expect(estimate(rawHistogram(max))).to.equal(expected)
      })
    }

    it('stays within 2% for a large set', () => {
      const h = built('big', 200_000)
      expect(Math.abs(count(h.bytes())! - 200_000)).to.be.below(4000)
    })
  })
})
