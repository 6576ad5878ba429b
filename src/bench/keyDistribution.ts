// Which key a request touches: `uniform`, `zipf:<s>` (a few hot keys) or `sequential` (each key
// in turn, as a load phase does). Keys are indexes in [0, keyspace); `keyName` spells them.

import { seededRandom, type Random } from './random.js'
import { zipfSampler } from './zipf.js'

export type KeyDistribution =
  | { readonly kind: 'uniform' }
  | { readonly kind: 'zipf'; readonly exponent: number }
  | { readonly kind: 'sequential' }

/** Parses `uniform`, `sequential` or `zipf:<s>` (e.g. `zipf:0.99`). */
export const parseKeyDistribution = (text: string): KeyDistribution => {
  if (text === 'uniform') return { kind: 'uniform' }
  if (text === 'sequential') return { kind: 'sequential' }
  const zipf = /^zipf:(\d+(?:\.\d+)?)$/.exec(text)
  if (zipf) return { kind: 'zipf', exponent: Number(zipf[1]) }
  throw new Error(`unknown key distribution ${JSON.stringify(text)}: use uniform, sequential or zipf:<s>`)
}

export const formatKeyDistribution = (d: KeyDistribution): string => (d.kind === 'zipf' ? `zipf:${d.exponent}` : d.kind)

/**
 * A source of key indexes. `start` offsets a sequential source, so that parallel sources (one
 * per connection or thread) walk different parts of the keyspace.
 */
export const keyIndexSource = (distribution: KeyDistribution, keyspace: number, random: Random = seededRandom(1), start = 0): (() => number) => {
  if (!(keyspace >= 1) || !Number.isInteger(keyspace)) throw new RangeError(`keyspace must be a positive integer, got ${keyspace}`)
  // One key (redis-benchmark without -r): nothing to draw.
  if (keyspace === 1) return () => 0
  switch (distribution.kind) {
    case 'uniform':
      return () => Math.floor(random() * keyspace)
    case 'sequential': {
      let next = start % keyspace
      return () => {
        const index = next
        next = next + 1 === keyspace ? 0 : next + 1
        return index
      }
    }
    case 'zipf': {
      // Hot ranks are scattered over the keyspace so that the hot keys are not all neighbours.
      const rank = zipfSampler(keyspace, distribution.exponent, random)
      const stride = coprimeStride(keyspace)
      return () => (rank() * stride) % keyspace
    }
  }
}

/** A stride near n * 0.618 that is coprime with n, so `rank * stride mod n` is a permutation. */
const coprimeStride = (n: number): number => {
  if (n <= 2) return 1
  let stride = Math.max(1, Math.floor(n * 0.6180339887))
  while (gcd(stride, n) !== 1) stride++
  return stride
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** Key names as redis-benchmark spells them with -r: `key:` and twelve digits. */
export const keyName = (index: number): string => {
  const digits = String(index)
  return digits.length >= 12 ? 'key:' + digits : KEY_PREFIXES[digits.length]! + digits
}

const KEY_PREFIXES = Array.from({ length: 12 }, (_, n) => 'key:' + '0'.repeat(12 - n))
