// The DUMP payload of Redis 7.0 (createDumpPayload / verifyDumpPayload), for the value types we
// hold: the object as RDB writes it (type byte, then the value), the RDB version as 2 bytes
// little-endian, then the CRC64 of all that as 8 bytes little-endian.
//
// A hash is dumped as RDB_TYPE_HASH (a count, then each field and value as strings), which any
// Redis RESTOREs. Redis 7.0 itself dumps a small hash as RDB_TYPE_HASH_LISTPACK (the listpack's
// bytes as one string), so RESTORE reads that too.

import type { Value } from '../../storage/keyspace.js'
import { newHash, setField, type HashValue } from '../../storage/hash-value.js'
import { parseI64 } from '../args.js'

/** Redis 7.0's RDB_VERSION: payloads of later versions are refused, earlier ones accepted. */
export const RDB_VERSION = 10
const RDB_TYPE_STRING = 0
const RDB_TYPE_HASH = 4
const RDB_TYPE_HASH_LISTPACK = 16
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
  const parts: Buffer[] = []
  if (value.type === 'string') parts.push(Buffer.of(RDB_TYPE_STRING), encodeString(value.data))
  else {
    parts.push(Buffer.of(RDB_TYPE_HASH), encodeLength(value.fields.size))
    for (const [field, fieldValue] of value.fields) parts.push(encodeString(Buffer.from(field, 'latin1')), encodeString(Buffer.from(fieldValue, 'latin1')))
  }
  parts.push(Buffer.of(RDB_VERSION & 0xff, RDB_VERSION >> 8))
  const body = Buffer.concat(parts)
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
  if (type === RDB_TYPE_STRING) {
    const data = reader.string()
    return data === null ? null : { type: 'string', data }
  }
  if (type === RDB_TYPE_HASH) return loadHash(reader)
  if (type === RDB_TYPE_HASH_LISTPACK) {
    const listpack = reader.string()
    return listpack === null ? null : loadListpackHash(listpack)
  }
  return null
}

/**
 * RDB_TYPE_HASH: a count, then each field and its value. Redis refuses an empty hash and a field
 * given twice (rdbLoadObject: "Duplicate hash fields detected"); so does this.
 */
const loadHash = (reader: Reader): HashValue | null => {
  const count = reader.length()
  if (count === null || count.encoded || count.n === 0) return null
  const hash = newHash()
  for (let i = 0; i < count.n; i++) {
    const field = reader.string()
    if (field === null) return null
    const value = reader.string()
    if (value === null) return null
    const f = field.toString('latin1')
    if (hash.fields.has(f)) return null
    setField(hash, f, value.toString('latin1'))
  }
  return hash
}

/**
 * A hash from its listpack (Redis's listpack.c): total bytes u32 and entry count u16 (65535:
 * unknown), the entries, an end byte 0xFF. Each entry is its encoding and data, then its length
 * backwards in 1-5 bytes. Everything is checked, as Redis's deep integrity validation does: the
 * entries must tile the listpack, pair up, and name no field twice; null otherwise.
 */
export const loadListpackHash = (lp: Buffer): HashValue | null => {
  if (lp.length < 7 || lp.readUInt32LE(0) !== lp.length || lp[lp.length - 1] !== 0xff) return null
  const declared = lp.readUInt16LE(4)
  const items: string[] = []
  let at = 6
  const end = lp.length - 1
  while (at < end) {
    const start = at
    const b = lp[at]!
    let item: string
    if (b < 0x80) {
      item = String(b)
      at += 1
    } else if (b < 0xc0) {
      const n = b & 0x3f
      if (at + 1 + n > end) return null
      item = lp.toString('latin1', at + 1, at + 1 + n)
      at += 1 + n
    } else if (b < 0xe0) {
      if (at + 2 > end) return null
      const raw = ((b & 0x1f) << 8) | lp[at + 1]!
      item = String(raw >= 1 << 12 ? raw - (1 << 13) : raw)
      at += 2
    } else if (b < 0xf0) {
      if (at + 2 > end) return null
      const n = ((b & 0x0f) << 8) | lp[at + 1]!
      if (at + 2 + n > end) return null
      item = lp.toString('latin1', at + 2, at + 2 + n)
      at += 2 + n
    } else if (b === 0xf0) {
      if (at + 5 > end) return null
      const n = lp.readUInt32LE(at + 1)
      if (at + 5 + n > end) return null
      item = lp.toString('latin1', at + 5, at + 5 + n)
      at += 5 + n
    } else if (b >= 0xf1 && b <= 0xf4) {
      const width = [2, 3, 4, 8][b - 0xf1]!
      if (at + 1 + width > end) return null
      item = width === 8 ? String(lp.readBigInt64LE(at + 1)) : String(lp.readIntLE(at + 1, width))
      at += 1 + width
    } else return null
    // The entry's length, written backwards: 7 bits per byte, the last byte's high bit clear.
    const length = at - start
    const backlenBytes = length <= 127 ? 1 : length < 16383 ? 2 : length < 2097151 ? 3 : length < 268435455 ? 4 : 5
    if (at + backlenBytes > end) return null
    let backlen = 0
    for (let i = backlenBytes - 1; i >= 0; i--) {
      const byte = lp[at + i]!
      if ((i === backlenBytes - 1) !== (byte < 0x80)) return null
      backlen = backlen * 128 + (byte & 0x7f)
    }
    if (backlen !== length) return null
    at += backlenBytes
    items.push(item)
  }
  if (at !== end || items.length === 0 || items.length % 2 !== 0) return null
  if (declared !== 0xffff && declared !== items.length) return null
  const hash = newHash()
  for (let i = 0; i < items.length; i += 2) {
    if (hash.fields.has(items[i]!)) return null
    setField(hash, items[i]!, items[i + 1]!)
  }
  return hash
}

/**
 * The bytes the string a payload holds takes once loaded, from its length fields alone (an LZF
 * string's is the length it decompresses to): what RESTORE may store, for the tenant quota's
 * estimate. 0 for anything else (an integer's digits are fewer than the payload's bytes; a
 * hash's fields are its payload's bytes, or the listpack's, which count as the payload).
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
