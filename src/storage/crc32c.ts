// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the manifest's checksums, and those of
// segments of format 1 (later formats use crc32.ts). A native call through
// ffi-rs costs 8 µs before it computes anything (measured 25 µs inside the server), where this
// table-driven loop (slicing by 8) takes about 4 µs for 4 KiB. Above SMALL_BYTES the native
// function, on the CPU's CRC instruction, is the faster one. Both give the same value
// (spec/storage/crc32c.spec.ts), so either may verify what the other wrote.

import { crc32c as nativeCrc32c } from '../wal/native-wal.js'
import { slicingTables, tableCrc } from './crc-tables.js'

/** Longer buffers go to the native function. */
const SMALL_BYTES = 64 * 1024

const TABLES = slicingTables(0x82f63b78)

/** CRC-32C of `data`, chained from `seed` (the CRC of the bytes before it). */
export function crc32c(data: Uint8Array, seed = 0): number {
  if (data.length > SMALL_BYTES) return nativeCrc32c(Buffer.from(data.buffer, data.byteOffset, data.length), seed)
  return tableCrc(TABLES, data, seed)
}

/** The table-driven computation alone, whatever the length. */
export function crc32cTables(data: Uint8Array, seed = 0): number {
  return tableCrc(TABLES, data, seed)
}
