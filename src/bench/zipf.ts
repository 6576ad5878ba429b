// Zipf-distributed integers over [0, n): rank r (from 0) is drawn with probability proportional
// to 1 / (r + 1)^s. Sampled by inverting a precomputed cumulative table (8 bytes per key), which
// is exact for any s >= 0, including s = 1 where closed-form approximations are weakest.

import type { Random } from './random.js'

/** The exact probability of each rank, for checking samples against. */
export const zipfProbabilities = (n: number, s: number): Float64Array => {
  const weights = new Float64Array(n)
  let total = 0
  for (let r = 0; r < n; r++) total += weights[r] = 1 / Math.pow(r + 1, s)
  for (let r = 0; r < n; r++) weights[r]! /= total
  return weights
}

/** Returns a sampler of ranks in [0, n); rank 0 is the most frequent. */
export const zipfSampler = (n: number, s: number, random: Random): (() => number) => {
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`zipf needs a keyspace of at least 1, got ${n}`)
  if (!(s >= 0) || !Number.isFinite(s)) throw new RangeError(`zipf exponent must be a finite number >= 0, got ${s}`)
  const cumulative = zipfProbabilities(n, s)
  for (let r = 1; r < n; r++) cumulative[r]! += cumulative[r - 1]!
  cumulative[n - 1] = 1
  return () => {
    const u = random()
    let low = 0
    let high = n - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if (cumulative[mid]! > u) high = mid
      else low = mid + 1
    }
    return low
  }
}
