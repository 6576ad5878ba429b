// A bloom filter over byte keys: one 32-bit MurmurHash3 (x86_32) per key, expanded into k probe
// positions by double hashing (Kirsch and Mitzenmacher: probe i = h1 + i·h2 mod m, with h2 a
// remix of h1). One hash per key keeps building and probing cheap in TypeScript, and callers
// that probe many filters for one key hash it once (bloomHash, mayContainHash).
//
// Serialized: algorithm u8 (1) | probes u8 | reserved u16 (0) | bitCount u32 LE | bits, where bit
// i is (byte[i >> 3] >> (i & 7)) & 1. A bitCount of 0 is "no filter": everything may be present.

const ALGORITHM_MURMUR3_DOUBLE = 1
const HEADER_BYTES = 8
const SEED = 0xbc9f1d34
/** A filter never has fewer bits than this, so tiny segments do not get a useless filter. */
const MIN_BITS = 64
const MAX_PROBES = 30

/** MurmurHash3 x86_32 of `key` (the reference algorithm, so its published test vectors apply). */
export function murmur3(key: Uint8Array, seed = 0): number {
  const length = key.length
  const blocksEnd = length & ~3
  let h = seed | 0
  let i = 0
  for (; i < blocksEnd; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = length & 3
  if (tail > 0) {
    let k = 0
    if (tail === 3) k ^= key[i + 2]! << 16
    if (tail >= 2) k ^= key[i + 1]! << 8
    k ^= key[i]!
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
  }
  h ^= length
  return fmix32(h) >>> 0
}

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}

/** The hash every filter of this format probes with. */
export function bloomHash(key: Uint8Array): number {
  return murmur3(key, SEED)
}

/** Probes k(bitsPerKey) that minimize the false-positive rate: bitsPerKey · ln 2. */
export function probesFor(bitsPerKey: number): number {
  return Math.max(1, Math.min(MAX_PROBES, Math.round(bitsPerKey * Math.LN2)))
}

/** The false-positive rate theory predicts: (1 - e^(-k·n/m))^k. */
export function theoreticalFalsePositiveRate(bitsPerKey: number): number {
  const k = probesFor(bitsPerKey)
  return (1 - Math.exp(-k / bitsPerKey)) ** k
}

export class BloomFilter {
  private constructor(
    private readonly bits: Uint8Array,
    readonly bitCount: number,
    readonly probes: number,
  ) {}

  /** A filter of `bitsPerKey` bits per key (0: no filter) over keys given by their bloomHash. */
  static fromHashes(hashes: ArrayLike<number>, count: number, bitsPerKey: number): BloomFilter {
    if (!(bitsPerKey >= 0 && Number.isFinite(bitsPerKey))) throw new RangeError(`bloom bits per key must be >= 0, not ${bitsPerKey}`)
    if (bitsPerKey === 0) return new BloomFilter(new Uint8Array(0), 0, 0)
    const bitCount = Math.min(0xffff_fff8, Math.max(MIN_BITS, Math.ceil(count * bitsPerKey / 8) * 8))
    const filter = new BloomFilter(new Uint8Array(bitCount / 8), bitCount, probesFor(bitsPerKey))
    for (let i = 0; i < count; i++) filter.addHash(hashes[i]!)
    return filter
  }

  static fromKeys(keys: readonly Uint8Array[], bitsPerKey: number): BloomFilter {
    return BloomFilter.fromHashes(keys.map(bloomHash), keys.length, bitsPerKey)
  }

  static deserialize(buf: Buffer): BloomFilter {
    if (buf.length < HEADER_BYTES) throw new RangeError(`bloom filter of ${buf.length} bytes has no header`)
    const algorithm = buf[0]!
    if (algorithm !== ALGORITHM_MURMUR3_DOUBLE) throw new RangeError(`bloom filter algorithm ${algorithm} is unknown`)
    const probes = buf[1]!
    const bitCount = buf.readUInt32LE(4)
    if (bitCount % 8 !== 0 || buf.length !== HEADER_BYTES + bitCount / 8) {
      throw new RangeError(`bloom filter claims ${bitCount} bits in ${buf.length - HEADER_BYTES} bytes`)
    }
    if (bitCount > 0 && (probes < 1 || probes > MAX_PROBES)) throw new RangeError(`bloom filter claims ${probes} probes`)
    return new BloomFilter(new Uint8Array(buf.subarray(HEADER_BYTES)), bitCount, probes)
  }

  /** Bytes held in memory (and on disk, less the 8-byte header). */
  get byteLength(): number {
    return this.bits.length
  }

  mayContain(key: Uint8Array): boolean {
    return this.mayContainHash(bloomHash(key))
  }

  /** mayContain for a key whose bloomHash the caller already has. */
  mayContainHash(hash: number): boolean {
    const m = this.bitCount
    if (m === 0) return true
    const bits = this.bits
    const delta = fmix32(hash ^ 0x5bd1e995) | 1
    let h = hash >>> 0
    for (let i = 0; i < this.probes; i++) {
      const bit = h % m
      if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false
      h = (h + delta) >>> 0
    }
    return true
  }

  serialize(): Buffer {
    const buf = Buffer.alloc(HEADER_BYTES + this.bits.length)
    buf[0] = ALGORITHM_MURMUR3_DOUBLE
    buf[1] = this.probes
    buf.writeUInt32LE(this.bitCount, 4)
    buf.set(this.bits, HEADER_BYTES)
    return buf
  }

  private addHash(hash: number): void {
    const m = this.bitCount
    const bits = this.bits
    const delta = fmix32(hash ^ 0x5bd1e995) | 1
    let h = hash >>> 0
    for (let i = 0; i < this.probes; i++) {
      const bit = h % m
      bits[bit >>> 3] |= 1 << (bit & 7)
      h = (h + delta) >>> 0
    }
  }
}
