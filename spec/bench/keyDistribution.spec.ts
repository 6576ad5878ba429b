import { expect } from 'chai'
import { keyIndexSource, keyName, parseKeyDistribution } from '../../src/bench/keyDistribution.js'
import { seededRandom } from '../../src/bench/random.js'
import { zipfProbabilities } from '../../src/bench/zipf.js'

/**
 * Pearson's chi-square statistic of observed counts against expected probabilities. With fixed
 * seeds the draws are the same on every run, so these checks are exact, never flaky; the
 * thresholds are the 99.9 % critical values, so a correct sampler passes with a wide margin and
 * a biased one (see the last test) fails by orders of magnitude.
 */
const chiSquare = (counts: ArrayLike<number>, probabilities: ArrayLike<number>, draws: number): number => {
  let chi = 0
  for (let i = 0; i < counts.length; i++) {
    const expected = probabilities[i]! * draws
    chi += (counts[i]! - expected) ** 2 / expected
  }
  return chi
}

const histogramOf = (next: () => number, bins: number, draws: number): Float64Array => {
  const counts = new Float64Array(bins)
  for (let i = 0; i < draws; i++) counts[next()]!++
  return counts
}

// Critical values of chi-square at p = 0.001.
const CRITICAL_99_DEGREES = 148.2
const CRITICAL_19_DEGREES = 43.8

describe('key distributions', () => {
  it('parses uniform, sequential and zipf:<s>, and rejects anything else', () => {
    expect(parseKeyDistribution('uniform')).to.deep.equal({ kind: 'uniform' })
    expect(parseKeyDistribution('sequential')).to.deep.equal({ kind: 'sequential' })
    expect(parseKeyDistribution('zipf:0.99')).to.deep.equal({ kind: 'zipf', exponent: 0.99 })
    expect(() => parseKeyDistribution('zipf')).to.throw(/unknown key distribution/)
    expect(() => parseKeyDistribution('gaussian')).to.throw(/unknown key distribution/)
  })

  it('uniform: every key equally likely (chi-square over 100 keys)', () => {
    for (const seed of [1, 2, 3]) {
      const counts = histogramOf(keyIndexSource({ kind: 'uniform' }, 100, seededRandom(seed)), 100, 200_000)
      expect(chiSquare(counts, new Float64Array(100).fill(0.01), 200_000)).to.be.below(CRITICAL_99_DEGREES)
    }
  })

  it('zipf:s: rank r drawn with probability proportional to 1/(r+1)^s (chi-square over the 20 hottest keys)', () => {
    for (const s of [0.5, 0.99, 1.2]) {
      const n = 1000
      const draws = 200_000
      const next = keyIndexSource({ kind: 'zipf', exponent: s }, n, seededRandom(7))
      // Keys are a permutation of ranks; recover each rank's frequency by sorting the counts.
      const counts = [...histogramOf(next, n, draws)].sort((a, b) => b - a)
      const p = zipfProbabilities(n, s)
      // The 20 hottest ranks, the rest pooled into one bin.
      const observed = [...counts.slice(0, 19), counts.slice(19).reduce((a, b) => a + b, 0)]
      const expected = [...p.slice(0, 19), 1 - p.slice(0, 19).reduce((a, b) => a + b, 0)]
      expect(chiSquare(observed, expected, draws), `s=${s}`).to.be.below(CRITICAL_19_DEGREES)
    }
  })

  it('zipf scatters the hot keys over the keyspace instead of packing them at the start', () => {
    const next = keyIndexSource({ kind: 'zipf', exponent: 1.2 }, 1000, seededRandom(3))
    const counts = histogramOf(next, 1000, 50_000)
    const hottest = [...counts.keys()].sort((a, b) => counts[b]! - counts[a]!).slice(0, 5)
    expect(new Set(hottest).size).to.equal(5)
    expect(hottest.some((k) => k > 100)).to.equal(true)
  })

  it('zipf with a huge exponent is all on one key; with 0 it is uniform', () => {
    const hot = histogramOf(keyIndexSource({ kind: 'zipf', exponent: 50 }, 100, seededRandom(1)), 100, 10_000)
    expect(Math.max(...hot)).to.equal(10_000)
    const flat = histogramOf(keyIndexSource({ kind: 'zipf', exponent: 0 }, 100, seededRandom(1)), 100, 200_000)
    expect(chiSquare(flat, new Float64Array(100).fill(0.01), 200_000)).to.be.below(CRITICAL_99_DEGREES)
  })

  it('sequential walks the keyspace in order from its start, wrapping around', () => {
    const next = keyIndexSource({ kind: 'sequential' }, 5, seededRandom(1), 3)
    expect(Array.from({ length: 7 }, next)).to.deep.equal([3, 4, 0, 1, 2, 3, 4])
  })

  it('the same seed gives the same keys; another seed other keys', () => {
    const a = Array.from({ length: 50 }, keyIndexSource({ kind: 'uniform' }, 1e6, seededRandom(42)))
    const b = Array.from({ length: 50 }, keyIndexSource({ kind: 'uniform' }, 1e6, seededRandom(42)))
    const c = Array.from({ length: 50 }, keyIndexSource({ kind: 'uniform' }, 1e6, seededRandom(43)))
    expect(a).to.deep.equal(b)
    expect(a).to.not.deep.equal(c)
  })

  it('the generator is mulberry32: its first draws for two seeds, including one above 2^31', () => {
    const draws = (seed: number): number[] => {
      const random = seededRandom(seed)
      return [random(), random(), random()].map((x) => x * 4294967296)
    }
    expect(draws(1)).to.deep.equal([2693262067, 11749833, 2265367787])
    expect(draws(0xdeadbeef)).to.deep.equal([4043151706, 1147597007, 3315858022])
  })

  it('the chi-square check catches a biased sampler', () => {
    const random = seededRandom(1)
    const biased = () => (random() < 0.02 ? 0 : Math.floor(random() * 100))
    const counts = histogramOf(biased, 100, 200_000)
    expect(chiSquare(counts, new Float64Array(100).fill(0.01), 200_000)).to.be.above(CRITICAL_99_DEGREES * 10)
  })

  it('spells keys as redis-benchmark does', () => {
    expect(keyName(42)).to.equal('key:000000000042')
    expect(keyName(0)).to.equal('key:000000000000')
    expect(keyName(123456789012345)).to.equal('key:123456789012345')
  })
})
