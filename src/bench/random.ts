// A small seeded pseudo-random generator, so a workload with the same seed asks for the same keys
// in the same order on every run and on every machine (Math.random cannot be seeded).

/** Returns uniformly distributed numbers in [0, 1). */
export type Random = () => number

/**
 * mulberry32: 32 bits of state, full period 2^32, passes the statistical batteries that matter
 * for picking keys, and costs a few nanoseconds per draw.
 */
export const seededRandom = (seed: number): Random => {
  // The state lives in a typed array: as a closure variable, a uint32 above the small-integer
  // range is a fresh heap number on every draw (at a million draws a second, a third of the
  // harness's allocation, and its scavenges).
  const state = new Int32Array(1)
  state[0] = seed
  return () => {
    const s = (state[0] = (state[0]! + 0x6d2b79f5) | 0)
    let t = Math.imul(s ^ (s >>> 15), s | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seed for stream number `index` derived from one base seed, so parallel streams differ. */
export const deriveSeed = (seed: number, index: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0
