// The DUMP payload of Redis 7.0 (createDumpPayload / verifyDumpPayload), for the value types we
// hold: the object as RDB writes it (type byte, then the value), the RDB version as 2 bytes
// little-endian, then the CRC64 of all that as 8 bytes little-endian.

import type { Value } from '../../storage/keyspace.js'
import { parseI64 } from '../args.js'

/** Redis 7.0's RDB_VERSION: payloads of later versions are refused, earlier ones accepted. */
export const RDB_VERSION = 10
const RDB_TYPE_STRING = 0
/** The two top bits of a length byte saying "an encoded value follows", and its encodings. */
const RDB_ENCVAL = 3
const RDB_ENC_INT8 = 0
const RDB_ENC_INT16 = 1
const RDB_ENC_INT32 = 2
const RDB_ENC_LZF = 3

// CRC-64/Jones as Redis's crc64.c (reflected, polynomial 0xad93d23594c935a9, init 0, no final
// xor), table driven over 32-bit halves so that no byte costs a BigInt.
const POLY_HI = 0x95ac9329
const POLY_LO = 0xac4bc9b5
const TABLE_HI = new Uint32Array(256)
const TABLE_LO = new Uint32Array(256)
for (let n = 0; n < 256; n++) {
  let hi = 0
  let lo = n
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi >>>= 1
    if (carry !== 0) {
      hi = (hi ^ POLY_HI) >>> 0
      lo = (lo ^ POLY_LO) >>> 0
    }
  }
  TABLE_HI[n] = hi
  TABLE_LO[n] = lo
}

/** Redis's crc64(0, data): 8 bytes little-endian, as the payload's footer stores it. */
export const crc64 = (data: Uint8Array): Buffer => {
  let hi = 0
  let lo = 0
  for (let i = 0; i < data.length; i++) {
    const t = (lo ^ data[i]!) & 0xff
    lo = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[t]!) >>> 0
    hi = ((hi >>> 8) ^ TABLE_HI[t]!) >>> 0
  }
  const out = Buffer.alloc(8)
  out.writeUInt32LE(lo, 0)
  out.writeUInt32LE(hi, 4)
  return out
}

/** Redis's rdbSaveLen: 6, 14, 32 or 64 bits, the longer forms big-endian. */
const encodeLength = (n: number): Buffer => {
  if (n < 1 << 6) return Buffer.of(n)
  if (n < 1 << 14) return Buffer.of(0x40 | (n >> 8), n & 0xff)
  if (n <= 0xffffffff) {
    const b = Buffer.alloc(5)
    b[0] = 0x80
    b.writeUInt32BE(n, 1)
    return b
  }
  const b = Buffer.alloc(9)
  b[0] = 0x81
  b.writeBigUInt64BE(BigInt(n), 1)
  return b
}

/**
 * A string as Redis's rdbSaveRawString writes it without compression: as an 8, 16 or 32-bit
 * integer when it is the canonical decimal form of one (at most 11 bytes, as rdbTryIntegerEncoding
 * checks), else its length and bytes. Redis would LZF-compress strings over 20 bytes when that
 * saves space; RESTORE of such payloads is supported, DUMP writes them plain (also valid RDB).
 */
const encodeString = (data: Buffer): Buffer => {
  if (data.length <= 11) {
    const n = parseI64(data)
    if (n !== null && n >= -(2n ** 31n) && n < 2n ** 31n) {
      const v = Number(n)
      if (v >= -128 && v <= 127) return Buffer.of(0xc0 | RDB_ENC_INT8, v & 0xff)
      if (v >= -32768 && v <= 32767) {
        const b = Buffer.alloc(3)
        b[0] = 0xc0 | RDB_ENC_INT16
        b.writeInt16LE(v, 1)
        return b
      }
      const b = Buffer.alloc(5)
      b[0] = 0xc0 | RDB_ENC_INT32
      b.writeInt32LE(v, 1)
      return b
    }
  }
  return Buffer.concat([encodeLength(data.length), data])
}

/** The DUMP payload of a value. */
export const dumpPayload = (value: Value): Buffer => {
  const body = Buffer.concat([Buffer.of(RDB_TYPE_STRING), encodeString(value.data), Buffer.of(RDB_VERSION & 0xff, RDB_VERSION >> 8)])
  return Buffer.concat([body, crc64(body)])
}

/** Redis's verifyDumpPayload: a footer, a version no later than ours, and a matching CRC. */
export const verifyPayload = (payload: Buffer): boolean => {
  if (payload.length < 10) return false
  const footer = payload.length - 10
  if (payload.readUInt16LE(footer) > RDB_VERSION) return false
  return crc64(payload.subarray(0, payload.length - 8)).equals(payload.subarray(payload.length - 8))
}

/** Reads the object of a verified payload; null when it is malformed or of a type we do not hold. */
export const loadPayload = (payload: Buffer): Value | null => {
  // Over the whole payload, footer included, as Redis reads it: bytes left before the footer
  // are ignored, and a length that runs into the footer reads the footer's bytes.
  const reader = new Reader(payload)
  const type = reader.byte()
  if (type !== RDB_TYPE_STRING) return null
  const data = reader.string()
  return data === null ? null : { type: 'string', data }
}

/**
 * The bytes the string a payload holds takes once loaded, from its length fields alone (an LZF
 * string's is the length it decompresses to): what RESTORE may store, for the tenant quota's
 * estimate. 0 for anything else (an integer's digits are fewer than the payload's bytes).
 */
export const declaredLength = (payload: Buffer): number => {
  const reader = new Reader(payload)
  if (reader.byte() !== RDB_TYPE_STRING) return 0
  const len = reader.length()
  if (len === null) return 0
  if (!len.encoded) return len.n
  if (len.n !== RDB_ENC_LZF || reader.length() === null) return 0
  return reader.length()?.n ?? 0
}

/** A cursor over RDB bytes; every read answers null past the end (Redis's failed rioRead). */
class Reader {
  private pos = 0
  constructor(private readonly data: Buffer) {}

  byte(): number | null {
    return this.pos < this.data.length ? this.data[this.pos++]! : null
  }

  bytes(n: number): Buffer | null {
    if (n > this.data.length - this.pos) return null
    const out = this.data.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Redis's rdbLoadLenByRef: the length, or the encoding when `encoded` is set; null on error. */
  length(): { n: number; encoded: boolean } | null {
    const first = this.byte()
    if (first === null) return null
    const kind = first >> 6
    if (kind === RDB_ENCVAL) return { n: first & 0x3f, encoded: true }
    if (kind === 0) return { n: first & 0x3f, encoded: false }
    if (kind === 1) {
      const second = this.byte()
      return second === null ? null : { n: ((first & 0x3f) << 8) | second, encoded: false }
    }
    if (first === 0x80) {
      const b = this.bytes(4)
      return b === null ? null : { n: b.readUInt32BE(0), encoded: false }
    }
    if (first === 0x81) {
      const b = this.bytes(8)
      // Beyond any Buffer: the bytes cannot follow.
      return b === null ? null : { n: Number(b.readBigUInt64BE(0)), encoded: false }
    }
    return null
  }

  /** Redis's rdbGenericLoadStringObject: plain, integer or LZF-compressed. */
  string(): Buffer | null {
    const len = this.length()
    if (len === null) return null
    if (!len.encoded) return this.bytes(len.n)
    let b: Buffer | null
    switch (len.n) {
      case RDB_ENC_INT8:
        b = this.bytes(1)
        return b === null ? null : Buffer.from(String(b.readInt8(0)))
      case RDB_ENC_INT16:
        b = this.bytes(2)
        return b === null ? null : Buffer.from(String(b.readInt16LE(0)))
      case RDB_ENC_INT32:
        b = this.bytes(4)
        return b === null ? null : Buffer.from(String(b.readInt32LE(0)))
      case RDB_ENC_LZF: {
        // Read as lengths even when marked encoded, as rdbLoadLen(rdb, NULL) does.
        const clen = this.length()
        if (clen === null) return null
        const ulen = this.length()
        if (ulen === null) return null
        const compressed = this.bytes(clen.n)
        if (compressed === null) return null
        // lzf_decompress answers 0 on errors, and Redis compares that with the length: a length
        // of 0 takes any input, as an empty string.
        return ulen.n === 0 ? Buffer.alloc(0) : lzfDecompress(compressed, ulen.n)
      }
      default:
        return null
    }
  }
}

/**
 * liblzf's lzf_decompress into exactly `length` bytes, as rdbLoadLzfStringObject requires;
 * null when the input is malformed or does not decompress to that length.
 */
export const lzfDecompress = (input: Buffer, length: number): Buffer | null => {
  // A length the input cannot reach (each input byte yields at most 264 bytes) is refused
  // before anything is allocated.
  if (length > input.length * 264) return null
  const out = Buffer.alloc(length)
  let ip = 0
  let op = 0
  while (ip < input.length) {
    let ctrl = input[ip++]!
    if (ctrl < 32) {
      // A literal run of ctrl + 1 bytes.
      ctrl++
      if (op + ctrl > length || ip + ctrl > input.length) return null
      input.copy(out, op, ip, ip + ctrl)
      op += ctrl
      ip += ctrl
    } else {
      // A back reference: length (ctrl >> 5) + 2, distance from the 13-bit offset.
      let len = ctrl >> 5
      let ref = op - ((ctrl & 0x1f) << 8) - 1
      if (ip >= input.length) return null
      if (len === 7) {
        len += input[ip++]!
        if (ip >= input.length) return null
      }
      ref -= input[ip++]!
      if (op + len + 2 > length || ref < 0) return null
      // Byte by byte: the reference may overlap what it produces.
      for (len += 2; len > 0; len--) out[op++] = out[ref++]!
    }
  }
  return op === length ? out : null
}
