// Table-driven CRC-32 of any reflected polynomial, slicing by 8: the JavaScript fallback behind
// crc32c.ts (CRC-32C, Castagnoli) and crc32.ts (CRC-32, zlib's), whatever the length.

/** tables[t * 256 + b]: the CRC of byte b followed by t zero bytes, for `polynomial` (reflected). */
export function slicingTables(polynomial: number): Int32Array {
  const tables = new Int32Array(8 * 256)
  for (let b = 0; b < 256; b++) {
    let c = b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1
    tables[b] = c
  }
  for (let t = 1; t < 8; t++) {
    for (let b = 0; b < 256; b++) {
      const prev = tables[(t - 1) * 256 + b]!
      tables[t * 256 + b] = (prev >>> 8) ^ tables[prev & 0xff]!
    }
  }
  return tables
}

/** The CRC of `data` with the polynomial `t` was built for, chained from `seed` (the CRC of the bytes before it). */
export function tableCrc(t: Int32Array, data: Uint8Array, seed: number): number {
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
