// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) for the store's checksums: every block a
// point read takes from a segment is verified, and those are a few KiB. A native call through
// ffi-rs costs 8 µs before it computes anything (measured 25 µs inside the server), where this
// table-driven loop (slicing by 8) takes about 4 µs for 4 KiB. Above SMALL_BYTES the native
// function, on the CPU's CRC instruction, is the faster one. Both give the same value
// (spec/storage/crc32c.spec.ts), so either may verify what the other wrote.

import { crc32c as nativeCrc32c } from '../wal/native-wal.js'

/** Longer buffers go to the native function. */
const SMALL_BYTES = 64 * 1024

/** TABLES[t * 256 + b]: the CRC of byte b followed by t zero bytes. */
const TABLES = (() => {
  const tables = new Int32Array(8 * 256)
  for (let b = 0; b < 256; b++) {
    let c = b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    tables[b] = c
  }
  for (let t = 1; t < 8; t++) {
    for (let b = 0; b < 256; b++) {
      const prev = tables[(t - 1) * 256 + b]!
      tables[t * 256 + b] = (prev >>> 8) ^ tables[prev & 0xff]!
    }
  }
  return tables
})()

/** CRC-32C of `data`, chained from `seed` (the CRC of the bytes before it). */
export function crc32c(data: Uint8Array, seed = 0): number {
  if (data.length > SMALL_BYTES) return nativeCrc32c(Buffer.from(data.buffer, data.byteOffset, data.length), seed)
  return crc32cTables(data, seed)
}

/** The table-driven computation alone, whatever the length. */
export function crc32cTables(data: Uint8Array, seed = 0): number {
  const t = TABLES
  const n = data.length
  const whole = n - (n & 7)
  let c = ~seed
  let i = 0
  for (; i < whole; i += 8) {
    const low = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
    c =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}
