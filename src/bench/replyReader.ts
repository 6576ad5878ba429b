// Reads a connection's replies with a fast path for the ones a load run gets back: simple strings,
// errors, integers and bulk strings are scanned in place, straight from the socket's read buffer.
// Anything else (aggregates, RESP3 types, a reply cut by the end of a read, input that is not
// plainly valid) goes to the project's full ReplyDecoder, which keeps the unfinished tail until
// the next read completes it. Either way the replies are the ones the ReplyDecoder would give,
// except that a bulk string scanned on the fast path carries its payload as a latin1 string
// rather than a Buffer (both are valid BulkReply values; a string is one copy and no allocation
// of a Buffer per reply). A reader made with `values: false` skips the payloads of the bulk
// strings it scans (even one spread over many reads is counted off, not held) and gives
// UNREAD_BULK for each: for load runs, which look only at reply kinds. Bulk strings inside what
// goes to the full decoder keep their values.

import { ReplyDecoder, ReplyProtocolError } from '../protocol/reply-decoder.js'
import { NULL, OK, PONG, bulk, error, integer, simple, type BulkReply, type Reply } from '../protocol/reply.js'

/** Every bulk string read by a reader with `values: false`: the payload was skipped, not read. */
export const UNREAD_BULK: BulkReply = Object.freeze({ kind: 'bulk', value: '' })

const CR = 13
const LF = 10
const PLUS = 43
const MINUS = 45
const COLON = 58
const DOLLAR = 36
const ZERO = 48
const NINE = 57
const LETTER_O = 79
const LETTER_K = 75
/** Integers with more digits may exceed 2^53; the full decoder turns those into bigints. */
const MAX_FAST_DIGITS = 15

/** Payloads up to this length are spelled by a JS loop: cheaper than a native call below it. */
const SHORT_PAYLOAD = 12

/** What `scanOne` returns when the fast path does not apply at this position. */
const NOT_FAST = -1

export interface ReplyReaderOptions {
  /** False: bulk payloads on the fast path are skipped and reported as UNREAD_BULK. True by default. */
  readonly values?: boolean
}

export class ReplyReader {
  private readonly decoder = new ReplyDecoder()
  private readonly values: boolean
  /** Bytes of an unread bulk payload (and its CRLF) still to come: skipped, never buffered. */
  private skipping = 0

  constructor(options: ReplyReaderOptions = {}) {
    this.values = options.values ?? true
  }

  /**
   * Appends to `out` every reply that `bytes[0, end)` completes, in order. The bytes are not
   * kept: the caller may reuse the buffer once this returns. Throws ReplyProtocolError (from the
   * full decoder) on input that is not RESP.
   */
  read(bytes: Buffer, end: number, out: Reply[]): void {
    if (this.decoder.bufferedBytes > 0) return this.handOver(bytes, 0, end, out)
    let pos = 0
    if (this.skipping > 0) {
      pos = Math.min(this.skipping, end)
      // The payload's CRLF, where it falls in this read.
      const cr = this.skipping - 2
      const lf = this.skipping - 1
      if ((cr >= 0 && cr < end && bytes[cr] !== CR) || (lf < end && bytes[lf] !== LF)) {
        this.skipping = 0
        throw new ReplyProtocolError('missing CRLF after bulk')
      }
      this.skipping -= pos
      if (this.skipping > 0) return
      out.push(UNREAD_BULK)
    }
    while (pos < end) {
      const next = this.scanOne(bytes, pos, end, out)
      if (next === NOT_FAST) return this.handOver(bytes, pos, end, out)
      pos = next
    }
  }

  /** True while an unfinished reply is held or skipped, to be completed by the next read. */
  get partial(): boolean {
    return this.skipping > 0 || this.decoder.bufferedBytes > 0
  }

  /** Scans the reply at `pos` onto `out` and returns the position after it, or NOT_FAST. */
  private scanOne(bytes: Buffer, pos: number, end: number, out: Reply[]): number {
    switch (bytes[pos]) {
      case PLUS: {
        const cr = lineEnd(bytes, pos + 1, end)
        if (cr === NOT_FAST) return NOT_FAST
        const length = cr - pos - 1
        if (length === 2 && bytes[pos + 1] === LETTER_O && bytes[pos + 2] === LETTER_K) out.push(OK)
        else if (length === 4 && bytes.toString('latin1', pos + 1, cr) === 'PONG') out.push(PONG)
        else out.push(simple(bytes.toString('latin1', pos + 1, cr)))
        return cr + 2
      }
      case MINUS: {
        const cr = lineEnd(bytes, pos + 1, end)
        if (cr === NOT_FAST) return NOT_FAST
        out.push(error(bytes.toString('latin1', pos + 1, cr)))
        return cr + 2
      }
      case COLON: {
        const cr = lineEnd(bytes, pos + 1, end)
        if (cr === NOT_FAST) return NOT_FAST
        const negative = bytes[pos + 1] === MINUS
        const magnitude = digitsValue(bytes, negative ? pos + 2 : pos + 1, cr)
        // -0 is left to the decoder, which keeps its sign as Number('-0') does.
        if (magnitude === NOT_FAST || (negative && magnitude === 0)) return NOT_FAST
        out.push(integer(negative ? -magnitude : magnitude))
        return cr + 2
      }
      case DOLLAR: {
        const cr = lineEnd(bytes, pos + 1, end)
        if (cr === NOT_FAST) return NOT_FAST
        if (bytes[pos + 1] === MINUS) {
          if (cr !== pos + 3 || bytes[pos + 2] !== ZERO + 1) return NOT_FAST
          out.push(NULL)
          return cr + 2
        }
        const length = digitsValue(bytes, pos + 1, cr)
        if (length === NOT_FAST) return NOT_FAST
        const from = cr + 2
        const to = from + length
        if (!this.values && to + 2 > end) {
          // The rest of the payload comes in later reads: count it off instead of buffering it.
          if ((to < end && bytes[to] !== CR) || (to + 1 < end && bytes[to + 1] !== LF)) return NOT_FAST
          this.skipping = to + 2 - end
          return end
        }
        if (to + 2 > end || bytes[to] !== CR || bytes[to + 1] !== LF) return NOT_FAST
        if (!this.values) out.push(UNREAD_BULK)
        else out.push(bulk(length <= SHORT_PAYLOAD ? shortLatin1(bytes, from, to) : bytes.toString('latin1', from, to)))
        return to + 2
      }
      default:
        return NOT_FAST
    }
  }

  private handOver(bytes: Buffer, from: number, end: number, out: Reply[]): void {
    // A copy: the decoder keeps unfinished tails and its replies point into the chunk.
    for (const reply of this.decoder.push(Buffer.from(bytes.subarray(from, end)))) out.push(reply)
  }
}

/** The end of the line that starts at `from` (the index of its CR), or NOT_FAST if incomplete or odd. */
const lineEnd = (bytes: Buffer, from: number, end: number): number => {
  let i = from
  while (i < end && bytes[i] !== CR) i++
  return i + 1 < end && bytes[i + 1] === LF ? i : NOT_FAST
}

/**
 * The non-negative decimal in bytes[from, to), or NOT_FAST when it is empty, has another
 * character, or is too long to be exact as a double.
 */
const digitsValue = (bytes: Buffer, from: number, to: number): number => {
  if (to === from || to - from > MAX_FAST_DIGITS) return NOT_FAST
  let value = 0
  for (let i = from; i < to; i++) {
    const d = bytes[i]!
    if (d < ZERO || d > NINE) return NOT_FAST
    value = value * 10 + (d - ZERO)
  }
  return value
}

const shortLatin1 = (bytes: Buffer, from: number, to: number): string => {
  let text = ''
  for (let i = from; i < to; i++) text += String.fromCharCode(bytes[i]!)
  return text
}
