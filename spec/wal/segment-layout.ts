// Reads segment files the way docs/wal-format.md lays them out, so specs can aim damage at exact
// records. It trusts the framing and checks no checksum: use it on logs the specs just wrote.

import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const SEGMENT_HEADER_BYTES = 64
export const RECORD_HEADER_BYTES = 16

export interface StoredRecord {
  readonly file: string
  /** Where the record's frame starts. */
  readonly offset: number
  readonly lsn: number
  readonly payloadBytes: number
}

/** Segment files (not free ones), in sequence order. */
export function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /^[0-9a-f]{16}\.wal$/.test(name))
    .sort()
    .map((name) => join(dir, name))
}

export function storedRecords(dir: string): StoredRecord[] {
  const records: StoredRecord[] = []
  for (const file of segmentFiles(dir)) {
    const data = readFileSync(file)
    if (data.length < SEGMENT_HEADER_BYTES || data.toString('latin1', 0, 8) !== 'WTR-WAL\n') continue
    let expected = Number(data.readBigUInt64LE(24))
    let offset = SEGMENT_HEADER_BYTES
    while (offset + RECORD_HEADER_BYTES <= data.length) {
      const payloadBytes = data.readUInt32LE(offset)
      const lsn = Number(data.readBigUInt64LE(offset + 8))
      if (lsn !== expected || offset + RECORD_HEADER_BYTES + payloadBytes > data.length) break
      records.push({ file, offset, lsn, payloadBytes })
      offset += Math.ceil((RECORD_HEADER_BYTES + payloadBytes) / 8) * 8
      expected++
    }
  }
  return records
}
