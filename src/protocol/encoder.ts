// Encodes semantic replies as RESP2 or RESP3 bytes. The only place that knows the difference:
// in RESP2 a map is a flat array, a set an array, a double or big number a bulk string, a
// boolean an integer, a null `$-1` (or `*-1` for a null array), a push an array, and an
// attribute is left out (only the reply it describes is written).

import type { Reply } from './reply.js'
import { formatDouble } from './format.js'
import { inReadBuffer } from './read-buffer.js'

const SLAB_SIZE = 64 * 1024
/** Payloads at least this large are passed to the socket as they are, not copied into a slab. */
const DIRECT_PAYLOAD = 16 * 1024
/** Strings up to this length are copied by a JS loop rather than a native write. */
const SHORT_STRING = 48

/**
 * Accumulates encoded replies for one batch. Small writes are packed into a slab; each `take`
 * hands out the bytes written since the previous one as a view that is not written again until
 * `recycle`, so the socket may hold it as long as it needs.
 */
export class ReplyWriter {
  private slab = Buffer.allocUnsafe(SLAB_SIZE)
  private start = 0
  private pos = 0
  /** Finished pieces of this batch, in order (slab views and large payloads). */
  private pieces: Buffer[] = []
  private bytes = 0

  /** Bytes written since the last take. */
  get length(): number {
    return this.bytes + (this.pos - this.start)
  }

  bytesOf(b: Buffer): void {
    const n = b.length
    // A view of the socket-read buffer is overwritten by the next read, before the turn's write.
    if (n >= DIRECT_PAYLOAD && !inReadBuffer(b)) {
      this.cut()
      this.pieces.push(b)
      this.bytes += n
      return
    }
    if (this.pos + n > this.slab.length) this.grow(n)
    b.copy(this.slab, this.pos)
    this.pos += n
  }

  /**
   * A string of one byte per char: protocol text, and latin1 "binary strings" (keys are held that
   * way). Chars above 0xff are not expected here; latin1 would truncate them.
   */
  latin1(s: string): void {
    const n = s.length
    if (this.pos + n > this.slab.length) this.grow(n)
    if (n <= SHORT_STRING) {
      // A JS loop beats the native write call for the short strings replies are made of.
      const slab = this.slab
      let pos = this.pos
      for (let i = 0; i < n; i++) slab[pos++] = s.charCodeAt(i)
      this.pos = pos
    } else {
      this.pos += this.slab.write(s, this.pos, n, 'latin1')
    }
  }

  /** A type byte, a non-negative integer and CRLF: an aggregate or bulk header such as `$64\r\n`. */
  header(type: number, n: number): void {
    if (this.pos + 24 > this.slab.length) this.grow(24)
    const slab = this.slab
    let pos = this.pos
    slab[pos++] = type
    let width = 1
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) width++
    for (let i = pos + width - 1, rest = n; i >= pos; i--, rest = Math.floor(rest / 10)) slab[i] = 48 + (rest % 10)
    pos += width
    slab[pos++] = 13
    slab[pos++] = 10
    this.pos = pos
  }

  /** A type byte, a line of one-byte chars and CRLF, such as `+OK\r\n`, without building the string. */
  line(type: number, s: string): void {
    const n = s.length
    if (this.pos + n + 3 > this.slab.length) this.grow(n + 3)
    const slab = this.slab
    let pos = this.pos
    slab[pos++] = type
    if (n <= SHORT_STRING) {
      for (let i = 0; i < n; i++) slab[pos++] = s.charCodeAt(i)
    } else {
      pos += slab.write(s, pos, n, 'latin1')
    }
    slab[pos++] = 13
    slab[pos++] = 10
    this.pos = pos
  }

  crlf(): void {
    if (this.pos + 2 > this.slab.length) this.grow(2)
    this.slab[this.pos++] = 13
    this.slab[this.pos++] = 10
  }

  /** Everything written since the last take, as pieces to write in order. */
  take(): Buffer[] {
    if (this.pieces.length === 0 && this.pos > this.start) {
      // The usual batch, one view of the slab: an array of exactly one (a pushed-to array
      // starts with room for 17).
      const view = this.slab.subarray(this.start, this.pos)
      this.start = this.pos
      this.bytes = 0
      return [view]
    }
    this.cut()
    const pieces = this.pieces
    this.pieces = []
    this.bytes = 0
    return pieces
  }

  /**
   * Contract: every view handed out since the last recycle is no longer read (a socket has copied
   * them to the kernel), and nothing is written since the last take. The slab is then written
   * again from its start. Kept, a connection's slab outlives scavenges with the replies in it,
   * is promoted, and dies in the old generation, where 64 KB of external memory each soon
   * forces a full collection.
   */
  recycle(): void {
    if (this.pos === this.start) this.start = this.pos = 0
  }

  private cut(): void {
    if (this.pos > this.start) {
      const view = this.slab.subarray(this.start, this.pos)
      this.pieces.push(view)
      this.bytes += view.length
      this.start = this.pos
    }
  }

  private grow(need: number): void {
    this.cut()
    this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, need))
    this.start = 0
    this.pos = 0
  }
}

const CRLF = '\r\n'
const DOLLAR = 36
const STAR = 42
const COLON = 58
const PLUS = 43
const MINUS = 45

/** Redis replaces CR and LF in status and error lines so a reply cannot break the framing. */
const lineSafe = (s: string): string => (s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s)

export const encodeReply = (out: ReplyWriter, reply: Reply, resp: 2 | 3): void => {
  switch (reply.kind) {
    case 'bulk': {
      const v = reply.value
      out.header(DOLLAR, v.length)
      if (typeof v === 'string') out.latin1(v)
      else out.bytesOf(v)
      out.crlf()
      return
    }
    case 'simple':
      out.line(PLUS, lineSafe(reply.value))
      return
    case 'integer': {
      const n = reply.value
      if (typeof n === 'number' && n >= 0 && n <= Number.MAX_SAFE_INTEGER) out.header(COLON, n)
      else out.latin1(':' + n + CRLF)
      return
    }
    case 'null':
      out.latin1(resp === 3 ? '_\r\n' : '$-1\r\n')
      return
    case 'nullArray':
      out.latin1(resp === 3 ? '_\r\n' : '*-1\r\n')
      return
    case 'error':
      out.line(MINUS, lineSafe(reply.value))
      return
    case 'array': {
      out.header(STAR, reply.value.length)
      const resps = reply.resps
      if (resps === undefined) for (const r of reply.value) encodeReply(out, r, resp)
      else for (let i = 0; i < reply.value.length; i++) encodeReply(out, reply.value[i]!, resps[i]!)
      return
    }
    case 'map':
      if (resp === 3 && reply.pairs === true) {
        out.header(STAR, reply.value.length)
        for (const [k, v] of reply.value) {
          out.latin1('*2' + CRLF)
          encodeReply(out, k, resp)
          encodeReply(out, v, resp)
        }
        return
      }
      out.latin1((resp === 3 ? '%' + reply.value.length : '*' + reply.value.length * 2) + CRLF)
      for (const [k, v] of reply.value) {
        encodeReply(out, k, resp)
        encodeReply(out, v, resp)
      }
      return
    case 'set':
      out.latin1((resp === 3 ? '~' : '*') + reply.value.length + CRLF)
      for (const r of reply.value) encodeReply(out, r, resp)
      return
    case 'push':
      out.latin1((resp === 3 ? '>' : '*') + reply.value.length + CRLF)
      for (const r of reply.value) encodeReply(out, r, resp)
      return
    case 'double': {
      const text = formatDouble(reply.value)
      out.latin1(resp === 3 ? ',' + text + CRLF : '$' + text.length + CRLF + text + CRLF)
      return
    }
    case 'boolean':
      out.latin1(resp === 3 ? (reply.value ? '#t\r\n' : '#f\r\n') : reply.value ? ':1\r\n' : ':0\r\n')
      return
    case 'bignum': {
      const text = reply.value.toString()
      out.latin1(resp === 3 ? '(' + text + CRLF : '$' + text.length + CRLF + text + CRLF)
      return
    }
    case 'attribute':
      if (resp === 3) {
        out.latin1('|' + reply.value.length + CRLF)
        for (const [k, v] of reply.value) {
          encodeReply(out, k, resp)
          encodeReply(out, v, resp)
        }
      }
      encodeReply(out, reply.reply, resp)
      return
    case 'none':
      return
    case 'sequence':
      for (const r of reply.value) encodeReply(out, r, resp)
      return
    case 'verbatim': {
      const v = reply.value
      const length = typeof v === 'string' ? v.length : v.length
      out.latin1(resp === 3 ? '=' + (length + 4) + CRLF + reply.format + ':' : '$' + length + CRLF)
      if (typeof v === 'string') out.latin1(v)
      else out.bytesOf(v)
      out.latin1(CRLF)
      return
    }
  }
}
