// A flush's records on their way to the worker that writes its segment. The event loop reads each
// changed key's record out of the resident set and appends it here, in no order; the worker sorts
// them by store key and encodes the segment. Sorting and encoding were about two thirds of a
// flush's time on the event loop, and a flush ran every 250,000 writes under a write load.
//
// Layout, per record: kind (u8: 0 put, 1 delete), key length (u32 LE), value length (u32 LE),
// expiresAt (f64 LE), then the store key's bytes and the value's. A key may be appended more than
// once (a flush reads a key again when it changed after the first read): the last one appended is
// the one to write, as it is the newest, and the one the resident set noted as written.

import { compareBytes, KIND_DELETE, KIND_PUT, type SegmentEntry } from './segment-format.js'

const HEADER_BYTES = 17
const EMPTY = Buffer.alloc(0)

export class FlushRecords {
  /** Not from the shared pool: its whole ArrayBuffer is transferred to the worker. */
  private bytes = Buffer.allocUnsafeSlow(64 * 1024)
  private used = 0
  /** Records appended, repeats included. */
  count = 0

  /** Appends a put (value given) or a delete (value undefined) of prefix + key (latin1). */
  add(prefix: Buffer, key: string, value: Buffer | undefined, expiresAt: number): void {
    const keyLength = prefix.length + key.length
    const valueLength = value === undefined ? 0 : value.length
    const at = this.reserve(HEADER_BYTES + keyLength + valueLength)
    const bytes = this.bytes
    bytes[at] = value === undefined ? KIND_DELETE : KIND_PUT
    bytes.writeUInt32LE(keyLength, at + 1)
    bytes.writeUInt32LE(valueLength, at + 5)
    bytes.writeDoubleLE(value === undefined ? 0 : expiresAt, at + 9)
    const keyAt = at + HEADER_BYTES
    prefix.copy(bytes, keyAt)
    bytes.write(key, keyAt + prefix.length, 'latin1')
    if (value !== undefined) value.copy(bytes, keyAt + keyLength)
    this.count++
  }

  /** The records appended: a view over the start of a buffer this object no longer uses. */
  finish(): Buffer {
    const done = this.bytes.subarray(0, this.used)
    this.bytes = EMPTY
    this.used = 0
    return done
  }

  private reserve(length: number): number {
    const at = this.used
    if (at + length > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(at + length, 2 * this.bytes.length))
      this.bytes.copy(grown, 0, 0, at)
      this.bytes = grown
    }
    this.used = at + length
    return at
  }
}

/**
 * The records of `packed` as segment entries with sequence number `seq`, in strictly increasing
 * key order: of the records of one key, the last appended. Keys and values are views of `packed`.
 * Throws if the bytes do not parse (they come from FlushRecords in this process, so that is a bug).
 */
export function sortedFlushEntries(packed: Buffer, seq: number): SegmentEntry[] {
  const starts: number[] = []
  for (let at = 0; at < packed.length; ) {
    if (at + HEADER_BYTES > packed.length) throw new Error(`flush records: a header runs past the end at ${at}`)
    const end = at + HEADER_BYTES + packed.readUInt32LE(at + 1) + packed.readUInt32LE(at + 5)
    if (end > packed.length) throw new Error(`flush records: the record at ${at} runs past the end`)
    starts.push(at)
    at = end
  }
  const keyStarts = new Int32Array(starts.length)
  const keyEnds = new Int32Array(starts.length)
  starts.forEach((at, i) => {
    keyStarts[i] = at + HEADER_BYTES
    keyEnds[i] = at + HEADER_BYTES + packed.readUInt32LE(at + 1)
  })
  const compareKeys = (a: number, b: number): number => compareBytes(packed, keyStarts[a]!, keyEnds[a]!, packed, keyStarts[b]!, keyEnds[b]!)
  // By key, then by position: of equal keys the last appended sorts last.
  const order = Array.from(starts, (_, i) => i).sort((a, b) => compareKeys(a, b) || a - b)
  const entries: SegmentEntry[] = []
  for (let i = 0; i < order.length; i++) {
    const record = order[i]!
    if (i + 1 < order.length && compareKeys(record, order[i + 1]!) === 0) continue
    const at = starts[record]!
    const keyEnd = keyEnds[record]!
    const valueLength = packed.readUInt32LE(at + 5)
    entries.push({
      key: packed.subarray(keyStarts[record]!, keyEnd),
      seq,
      kind: packed[at] === KIND_DELETE ? 'delete' : 'put',
      type: 0,
      expiresAt: packed.readDoubleLE(at + 9),
      value: valueLength === 0 ? EMPTY : packed.subarray(keyEnd, keyEnd + valueLength),
    })
  }
  return entries
}
