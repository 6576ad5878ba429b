// The HyperLogLog value format and algorithms of Redis 7.0 (hyperloglog.c), byte for byte: an HLL
// is a plain string, so a value written here must read back in redis-server and the other way
// round. Pure: no keyspace, no replies; the PF* commands (pfadd.ts …) own those.
//
// Layout: a 16-byte header, "HYLL", the encoding (0 dense, 1 sparse), 3 unused bytes, then the
// cached cardinality as 8 bytes little-endian whose top bit set means "stale". Then the registers:
// dense, 16384 6-bit registers packed from each byte's least significant bit; or sparse, a run
// length code of ZERO (00xxxxxx, 1-64 zero registers), XZERO (01xxxxxx yyyyyyyy, 1-16384 zero
// registers) and VAL (1vvvvvxx, 1-4 registers of value 1-32) opcodes.

/** 2^14 registers: the index takes the low 14 bits of the hash (Redis's HLL_P). */
export const HLL_P = 14
export const HLL_REGISTERS = 1 << HLL_P
/** Hash bits left for the run of zeros (Redis's HLL_Q): counts go up to Q + 1. */
const HLL_Q = 64 - HLL_P
const HLL_P_MASK = HLL_REGISTERS - 1
export const HLL_HDR_SIZE = 16
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * 6 + 7) >>> 3)
export const HLL_DENSE = 0
export const HLL_SPARSE = 1
/** Only PFCOUNT's merged temporary uses it (one byte per register); never stored. */
const HLL_MAX_ENCODING = 1

const SPARSE_VAL_MAX_VALUE = 32
const SPARSE_VAL_MAX_LEN = 4
const SPARSE_ZERO_MAX_LEN = 64
const SPARSE_XZERO_MAX_LEN = 16384
/** 0.5 / ln 2: the estimator's constant for m → ∞ (Redis's HLL_ALPHA_INF). */
const HLL_ALPHA_INF = 0.721347520444481703680
/** Byte 15 (the cached cardinality's most significant byte): its top bit marks the cache stale. */
const CARD_MSB = 15

// MurmurHash64A's multiplier, as 32-bit halves.
const M_HI = 0xc6a4a793
const M_LO = 0x5bd1e995
/** The seed Redis hashes HLL elements with. */
export const HLL_SEED = 0xadc83b19

// The 64-bit product of mul64 below, returned through these two so that hashing allocates nothing.
let rHi = 0
let rLo = 0

/** (aHi:aLo) * (bHi:bLo) mod 2^64 into rHi:rLo, in 16-bit pieces so that no product loses bits. */
const mul64 = (aHi: number, aLo: number, bHi: number, bLo: number): void => {
  const a0 = aLo & 0xffff
  const a1 = aLo >>> 16
  const b0 = bLo & 0xffff
  const b1 = bLo >>> 16
  const p00 = a0 * b0
  const p01 = a0 * b1
  const p10 = a1 * b0
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
  rLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)
  rHi = (carry + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) >>> 0
}

/**
 * MurmurHash64A of `data` (Redis's endian-neutral version), left in rHi:rLo. `len` times the
 * multiplier is taken in 64 bits, as C converts the int length to uint64_t.
 */
const murmur = (data: Uint8Array, seed: number): void => {
  const len = data.length
  mul64(0, len, M_HI, M_LO)
  let hHi = rHi
  let hLo = (rLo ^ seed) >>> 0
  const end = len - (len & 7)
  let i = 0
  for (; i < end; i += 8) {
    const kLo = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0
    const kHi = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0
    mul64(kHi, kLo, M_HI, M_LO)
    // k ^= k >> 47: only the high half's top 17 bits reach the low half.
    mul64(rHi, (rLo ^ (rHi >>> 15)) >>> 0, M_HI, M_LO)
    mul64((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, M_HI, M_LO)
    hHi = rHi
    hLo = rLo
  }
  const tail = len & 7
  if (tail > 0) {
    // The fall-through switch: byte n goes to bit 8n.
    for (let t = tail - 1; t >= 0; t--) {
      const b = data[i + t]!
      if (t >= 4) hHi = (hHi ^ (b << ((t - 4) * 8))) >>> 0
      else hLo = (hLo ^ (b << (t * 8))) >>> 0
    }
    mul64(hHi, hLo, M_HI, M_LO)
    hHi = rHi
    hLo = rLo
  }
  mul64(hHi, (hLo ^ (hHi >>> 15)) >>> 0, M_HI, M_LO)
  rLo = (rLo ^ (rHi >>> 15)) >>> 0
}

/** MurmurHash64A as one 64-bit number, for specs and PFSELFTEST; PFADD uses patLen. */
export const murmurHash64A = (data: Uint8Array, seed: number): bigint => {
  murmur(data, seed >>> 0)
  return (BigInt(rHi) << 32n) | BigInt(rLo)
}

/**
 * Redis's hllPatLen, packed as count * HLL_REGISTERS + index: the register the element hashes to
 * (the hash's low 14 bits) and 1 + the number of zeros above them before the first one (1..51;
 * bit 50 of the shifted hash is forced on so that the run ends there).
 */
export const patLen = (element: Uint8Array): number => {
  murmur(element, HLL_SEED)
  const index = rLo & HLL_P_MASK
  const low = rLo >>> HLL_P
  let zeros: number
  if (low !== 0) zeros = 31 - Math.clz32(low & -low)
  else if (rHi !== 0) zeros = 32 - HLL_P + 31 - Math.clz32(rHi & -rHi)
  else zeros = HLL_Q
  return (zeros + 1) * HLL_REGISTERS + index
}

/** Dense register `index` of `bytes` (a whole HLL, header included). */
export const denseGet = (bytes: Uint8Array, index: number): number => {
  const bit = index * 6
  const byte = HLL_HDR_SIZE + (bit >>> 3)
  const fb = bit & 7
  // The last register never reaches past the string (C reads the sds terminator there).
  const b1 = byte + 1 < bytes.length ? bytes[byte + 1]! : 0
  return ((bytes[byte]! >>> fb) | (b1 << (8 - fb))) & 63
}

/** Scratch for unpackDense: one register per byte. Valid until the next call. */
const unpacked = new Uint8Array(HLL_REGISTERS)

/**
 * All dense registers of `bytes`, one per byte, 12 bytes (16 registers) at a time as Redis's
 * hllDenseRegHisto does: PFCOUNT and PFMERGE read every register, and one call per register
 * cost them several times more. The result is shared scratch, valid until the next call.
 */
export const unpackDense = (bytes: Uint8Array): Uint8Array => {
  const out = unpacked
  let r = HLL_HDR_SIZE
  for (let o = 0; o < HLL_REGISTERS; o += 16, r += 12) {
    const b0 = bytes[r]!, b1 = bytes[r + 1]!, b2 = bytes[r + 2]!, b3 = bytes[r + 3]!
    const b4 = bytes[r + 4]!, b5 = bytes[r + 5]!, b6 = bytes[r + 6]!, b7 = bytes[r + 7]!
    const b8 = bytes[r + 8]!, b9 = bytes[r + 9]!, b10 = bytes[r + 10]!, b11 = bytes[r + 11]!
    out[o] = b0 & 63
    out[o + 1] = ((b0 >>> 6) | (b1 << 2)) & 63
    out[o + 2] = ((b1 >>> 4) | (b2 << 4)) & 63
    out[o + 3] = b2 >>> 2
    out[o + 4] = b3 & 63
    out[o + 5] = ((b3 >>> 6) | (b4 << 2)) & 63
    out[o + 6] = ((b4 >>> 4) | (b5 << 4)) & 63
    out[o + 7] = b5 >>> 2
    out[o + 8] = b6 & 63
    out[o + 9] = ((b6 >>> 6) | (b7 << 2)) & 63
    out[o + 10] = ((b7 >>> 4) | (b8 << 4)) & 63
    out[o + 11] = b8 >>> 2
    out[o + 12] = b9 & 63
    out[o + 13] = ((b9 >>> 6) | (b10 << 2)) & 63
    out[o + 14] = ((b10 >>> 4) | (b11 << 4)) & 63
    out[o + 15] = b11 >>> 2
  }
  return out
}

const denseSetRaw = (bytes: Uint8Array, index: number, value: number): void => {
  const bit = index * 6
  const byte = HLL_HDR_SIZE + (bit >>> 3)
  const fb = bit & 7
  bytes[byte] = (bytes[byte]! & ~(63 << fb)) | (value << fb)
  if (fb > 2) bytes[byte + 1] = (bytes[byte + 1]! & ~(63 >>> (8 - fb))) | (value >>> (8 - fb))
}

/**
 * Whether a string passes Redis's isHLLObjectOrReply: the header, "HYLL", a known encoding, and
 * for dense exactly 12304 bytes. A sparse body is only checked when it is walked (INVALIDOBJ).
 */
export const isHllString = (bytes: Uint8Array): boolean =>
  bytes.length >= HLL_HDR_SIZE &&
  bytes[0] === 0x48 && bytes[1] === 0x59 && bytes[2] === 0x4c && bytes[3] === 0x4c &&
  bytes[4]! <= HLL_MAX_ENCODING &&
  (bytes[4] !== HLL_DENSE || bytes.length === HLL_DENSE_SIZE)

/** An empty HLL as PFADD and PFMERGE create it: sparse, one XZERO of 16384, cache valid (0). */
export const createHll = (): Buffer => {
  const b = Buffer.alloc(HLL_HDR_SIZE + 2)
  b.write('HYLL', 0, 'latin1')
  b[4] = HLL_SPARSE
  b[16] = 0x40 | ((SPARSE_XZERO_MAX_LEN - 1) >>> 8)
  b[17] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff
  return b
}

export const cacheValid = (bytes: Uint8Array): boolean => (bytes[CARD_MSB]! & 0x80) === 0

/** The cached cardinality (only meaningful while cacheValid): 64 bits, as a forged one may be. */
export const cachedCardinality = (bytes: Uint8Array): bigint =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readBigUInt64LE(8)

/** Stores `card` as the cached cardinality, which makes the cache valid. */
export const setCachedCardinality = (bytes: Uint8Array, card: number): void => {
  let c = card
  for (let i = 8; i < 16; i++) {
    bytes[i] = c % 256
    c = Math.floor(c / 256)
  }
}

/**
 * Calls `op(kind, runlen, value)` for each sparse opcode of `bytes` (from byte 16): kind 0 ZERO,
 * 1 XZERO, 2 VAL. Stops early when `op` returns false.
 */
const eachOpcode = (bytes: Uint8Array, op: (kind: number, runlen: number, value: number) => boolean): void => {
  const end = bytes.length
  let p = HLL_HDR_SIZE
  while (p < end) {
    const b = bytes[p]!
    let keep: boolean
    if ((b & 0xc0) === 0) {
      keep = op(0, (b & 0x3f) + 1, 0)
      p++
    } else if ((b & 0xc0) === 0x40) {
      // A truncated XZERO reads the string's terminating zero, as C does.
      keep = op(1, (((b & 0x3f) << 8) | (p + 1 < end ? bytes[p + 1]! : 0)) + 1, 0)
      p += 2
    } else {
      keep = op(2, (b & 3) + 1, ((b >>> 2) & 0x1f) + 1)
      p++
    }
    if (!keep) return
  }
}

/**
 * The dense form of a sparse HLL (Redis's hllSparseToDense): the header is kept (magic and cached
 * cardinality), the registers expanded. Null when the opcodes do not cover exactly 16384
 * registers; an opcode reaching past the last register makes it corrupt at once (the overflow
 * guard of the redis-server 7.0 we compare with, which has the CVE-2025-32023 fix).
 */
export const sparseToDense = (sparse: Uint8Array): Buffer | null => {
  const dense = Buffer.alloc(HLL_DENSE_SIZE)
  dense.set(sparse.subarray(0, HLL_HDR_SIZE))
  dense[4] = HLL_DENSE
  let idx = 0
  eachOpcode(sparse, (kind, runlen, value) => {
    if (runlen + idx > HLL_REGISTERS) {
      idx = -1
      return false
    }
    if (kind !== 2) idx += runlen
    else for (let i = 0; i < runlen; i++) denseSetRaw(dense, idx++, value)
    return true
  })
  return idx === HLL_REGISTERS ? dense : null
}

/**
 * Raises `max[i]` to each register of `hll` (Redis's hllMerge); false for a corrupt sparse HLL.
 * `hll` must have passed isHllString.
 */
export const mergeInto = (max: Uint8Array, hll: Uint8Array): boolean => {
  if (hll[4] === HLL_DENSE) {
    const regs = unpackDense(hll)
    for (let i = 0; i < HLL_REGISTERS; i++) if (regs[i]! > max[i]!) max[i] = regs[i]!
    return true
  }
  let i = 0
  eachOpcode(hll, (kind, runlen, value) => {
    // Past the last register: corrupt, as in sparseToDense.
    if (runlen + i > HLL_REGISTERS) {
      i = -1
      return false
    }
    if (kind !== 2) i += runlen
    else for (let r = 0; r < runlen; r++, i++) if (value > max[i]!) max[i] = value
    return true
  })
  return i === HLL_REGISTERS
}

/** Ertl's sigma (arXiv:1702.01284), iterated until the sum stops changing, as Redis's hllSigma. */
export const hllSigma = (x: number): number => {
  if (x === 1) return Infinity
  let zPrime: number
  let y = 1
  let z = x
  do {
    x *= x
    zPrime = z
    z += x * y
    y += y
  } while (zPrime !== z)
  return z
}

/** Ertl's tau, as Redis's hllTau. */
export const hllTau = (x: number): number => {
  if (x === 0 || x === 1) return 0
  let zPrime: number
  let y = 1.0
  let z = 1 - x
  do {
    x = Math.sqrt(x)
    zPrime = z
    y *= 0.5
    const d = 1 - x
    z -= d * d * y
  } while (zPrime !== z)
  return z / 3
}

/**
 * The cardinality estimate from the register histogram (reghisto[v] = registers holding v), as
 * Redis 7.0's hllCount: Ertl's improved estimator, rounded half away from zero (llroundl).
 */
export const estimate = (reghisto: ArrayLike<number>): number => {
  const m = HLL_REGISTERS
  let z = m * hllTau((m - reghisto[HLL_Q + 1]!) / m)
  for (let j = HLL_Q; j >= 1; --j) {
    z += reghisto[j]!
    z *= 0.5
  }
  z += m * hllSigma(reghisto[0]! / m)
  return Math.round((HLL_ALPHA_INF * m * m) / z)
}

/**
 * The register histogram of a stored HLL; null when a sparse one does not cover exactly 16384
 * registers (Redis's `invalid`). Corrupt dense registers above 63 cannot exist (6 bits).
 */
export const histogram = (hll: Uint8Array): Int32Array | null => {
  const reghisto = new Int32Array(64)
  if (hll[4] === HLL_DENSE) {
    const regs = unpackDense(hll)
    for (let i = 0; i < HLL_REGISTERS; i++) reghisto[regs[i]!]!++
    return reghisto
  }
  let idx = 0
  eachOpcode(hll, (kind, runlen, value) => {
    idx += runlen
    reghisto[kind === 2 ? value : 0]! += runlen
    return true
  })
  return idx === HLL_REGISTERS ? reghisto : null
}

/** The histogram of one-byte-per-register registers (PFCOUNT's merged temporary, HLL_RAW). */
export const rawHistogram = (registers: Uint8Array): Int32Array => {
  const reghisto = new Int32Array(64)
  for (let i = 0; i < HLL_REGISTERS; i++) reghisto[registers[i]! & 63]!++
  return reghisto
}

/** The cardinality of a stored HLL, computed (the cache is the caller's); null if corrupt. */
export const count = (hll: Uint8Array): number | null => {
  const h = histogram(hll)
  return h === null ? null : estimate(h)
}

/** PFDEBUG DECODE's text: `z:len`, `Z:len`, `v:value,len` separated by spaces. */
export const decodeSparse = (hll: Uint8Array): string => {
  const parts: string[] = []
  eachOpcode(hll, (kind, runlen, value) => {
    parts.push(kind === 0 ? `z:${runlen}` : kind === 1 ? `Z:${runlen}` : `v:${value},${runlen}`)
    return true
  })
  return parts.join(' ')
}

/**
 * An HLL being changed by one command: its bytes (a private copy) in a buffer with room, so that
 * sparse edits can grow it in place as Redis's sds does. `bytes()` is the result.
 */
export class HllBuilder {
  private buf: Buffer
  private len: number

  constructor(hll: Uint8Array) {
    this.len = hll.length
    this.buf = Buffer.alloc(hll[4] === HLL_DENSE ? hll.length : Math.max(64, hll.length * 2))
    this.buf.set(hll)
  }

  get encoding(): number {
    return this.buf[4]!
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len)
  }

  invalidateCache(): void {
    this.buf[CARD_MSB] = this.buf[CARD_MSB]! | 0x80
  }

  /** Converts to dense (no-op when dense); false when the sparse form is corrupt. */
  toDense(): boolean {
    if (this.buf[4] === HLL_DENSE) return true
    const dense = sparseToDense(this.bytes())
    if (dense === null) return false
    this.buf = dense
    this.len = dense.length
    return true
  }

  /** PFADD of one element (Redis's hllAdd): 1 if a register grew, 0 if not, -1 if corrupt. */
  add(element: Uint8Array, sparseMaxBytes: number): number {
    const packed = patLen(element)
    return this.set(packed & HLL_P_MASK, Math.floor(packed / HLL_REGISTERS), sparseMaxBytes)
  }

  /**
   * Raises register `index` to `count` if lower (Redis's hllDenseSet / hllSparseSet): 1 if it
   * grew, 0 if not, -1 for a corrupt sparse HLL. A sparse HLL turns dense when the value does not
   * fit a VAL opcode or the string would outgrow `sparseMaxBytes` (hll-sparse-max-bytes).
   */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.buf[4] === HLL_DENSE) return this.denseSet(index, count)
    return this.sparseSet(index, count, sparseMaxBytes)
  }

  private denseSet(index: number, count: number): number {
    if (count <= denseGet(this.buf, index)) return 0
    denseSetRaw(this.buf, index, count)
    return 1
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1
    // Promotion only happens for a register that must grow: this always answers 1.
    return this.denseSet(index, count)
  }

  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count)
    // Up to 3 more bytes (XZERO split into XZERO VAL XZERO).
    if (this.buf.length < this.len + 3) {
      const grown = Buffer.alloc(this.len * 2 + 3)
      grown.set(this.bytes())
      this.buf = grown
    }
    const b = this.buf
    let end = this.len
    // Step 1: the opcode covering `index`.
    let p = HLL_HDR_SIZE
    let first = 0
    let prev = -1
    let span = 0
    while (p < end) {
      const op = b[p]!
      let oplen = 1
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1
      else if ((op & 0x80) !== 0) span = (op & 3) + 1
      else {
        span = (((op & 0x3f) << 8) | b[p + 1]!) + 1
        oplen = 2
      }
      if (index <= first + span - 1) break
      prev = p
      p += oplen
      first += span
    }
    // Opcodes that end before `index`: Redis 7.0 would read past the string; refused here.
    if (span === 0 || p >= end) return -1
    const op = b[p]!
    const isZero = (op & 0xc0) === 0
    const isXzero = (op & 0xc0) === 0x40
    const isVal = !isZero && !isXzero
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | b[p + 1]!) + 1 : (op & 3) + 1
    const next = isXzero ? p + 2 : p + 1

    let updated = false
    if (isVal) {
      const old = ((op >>> 2) & 0x1f) + 1
      // Case A: already as high.
      if (old >= count) return 0
      // Case B: a VAL of one register.
      if (runlen === 1) {
        b[p] = valOp(count, 1)
        updated = true
      }
    }
    // Case C: a ZERO of one register.
    if (!updated && isZero && runlen === 1) {
      b[p] = valOp(count, 1)
      updated = true
    }
    if (!updated) {
      // Case D: split the opcode into up to three (at most 5 bytes).
      const seq: number[] = []
      const last = first + span - 1
      if (isZero || isXzero) {
        if (index !== first) pushZeros(seq, index - first)
        seq.push(valOp(count, 1))
        if (index !== last) pushZeros(seq, last - index)
      } else {
        const curval = ((op >>> 2) & 0x1f) + 1
        if (index !== first) seq.push(valOp(curval, index - first))
        seq.push(valOp(count, 1))
        if (index !== last) seq.push(valOp(curval, last - index))
      }
      const oldlen = isXzero ? 2 : 1
      const delta = seq.length - oldlen
      if (delta > 0 && end + delta > sparseMaxBytes) return this.promote(index, count)
      if (delta !== 0 && next < end) b.copyWithin(next + delta, next, end)
      for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!
      end += delta
    }
    // Step 4: merge adjacent VALs of equal value, up to 5 opcodes from the one before.
    p = prev >= 0 ? prev : HLL_HDR_SIZE
    let scanlen = 5
    while (p < end && scanlen-- > 0) {
      const o = b[p]!
      if ((o & 0xc0) === 0x40) {
        p += 2
        continue
      }
      if ((o & 0xc0) === 0) {
        p++
        continue
      }
      if (p + 1 < end && (b[p + 1]! & 0x80) !== 0) {
        const v1 = ((o >>> 2) & 0x1f) + 1
        const o2 = b[p + 1]!
        if (v1 === ((o2 >>> 2) & 0x1f) + 1) {
          const len = (o & 3) + 1 + (o2 & 3) + 1
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len)
            b.copyWithin(p, p + 1, end)
            end--
            // Again from the same place: the merged VAL may merge with the next one too.
            continue
          }
        }
      }
      p++
    }
    this.len = end
    this.invalidateCache()
    return 1
  }
}

const valOp = (value: number, len: number): number => 0x80 | ((value - 1) << 2) | (len - 1)

/** A run of `len` zero registers as one opcode: ZERO up to 64, XZERO beyond. */
const pushZeros = (seq: number[], len: number): void => {
  if (len > SPARSE_ZERO_MAX_LEN) seq.push(0x40 | ((len - 1) >>> 8), (len - 1) & 0xff)
  else seq.push(len - 1)
}
