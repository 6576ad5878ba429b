// Incremental decoder for client requests: RESP multibulk arrays of bulk strings, and inline
// (telnet-style) commands. Pure: no I/O, no RxJS. It keeps its state across arbitrary chunk
// boundaries and tells "incomplete" (wait for more bytes) apart from "invalid" (a protocol
// error, after which the connection must be closed once the error is written).
//
// Arguments are zero-copy views into the chunks fed in (big bulks excepted, which are assembled in
// buffers of their own). A caller that overwrites its chunks (the server's shared read buffer)
// calls detach before it does, and copies whatever it keeps of the commands returned.

import { viewOf } from './buffer-view.js'

/** Limits as Redis applies them; exceeding one is a protocol error. */
export interface DecoderLimits {
  /** proto-max-bulk-len: the largest bulk argument, in bytes (Redis default 512 MB). */
  readonly maxBulkLength: number
  /** The largest multibulk count (Redis: 1024 * 1024). */
  readonly maxMultibulkLength: number
  /** The longest inline command line, and the longest `*`/`$` header line (Redis: 64 KB). */
  readonly maxInlineLength: number
}

export const DEFAULT_LIMITS: DecoderLimits = {
  maxBulkLength: 512 * 1024 * 1024,
  maxMultibulkLength: 1024 * 1024,
  maxInlineLength: 64 * 1024,
}

export interface DecodeOutcome {
  /** Every command completed by this chunk, in order. */
  readonly commands: Buffer[][]
  /** Set once the stream is invalid: Redis's error text (without `-`). Later input is ignored. */
  readonly error?: string
}

const CR = 13
const LF = 10
const STAR = 42
const DOLLAR = 36
const EMPTY = Buffer.alloc(0)

/**
 * Command names are at most this long (Redis's longest is 26): a longer first argument is not a
 * name to remember (see commandName), and stays a view.
 */
const MAX_NAME = 32

/** A bulk at least this large is assembled in its own buffer instead of by re-concatenation. */
const BIG_BULK = 32 * 1024

export class RequestDecoder {
  /**
   * Bytes of an incomplete command, waiting for more. When they sit at the end of `room`, new
   * chunks are appended in place (room grows by doubling), so a client that drips a command a
   * byte at a time costs linear, not quadratic, copying. Bytes before `pending` may have been
   * handed out as arguments and are never written again.
   */
  private pending: Buffer | undefined = undefined
  private room: Buffer | undefined = undefined
  /** How far the incomplete line at the start of `pending` was already searched for LF. */
  private lineScanned = 0
  /** Arguments still expected by the multibulk being read; 0 between commands. */
  private remaining = 0
  /** Arguments the multibulk being read announced. */
  private argCount = 0
  /** The last command name read (see commandName). */
  private lastName: Buffer = EMPTY
  private args: Buffer[] = []
  /**
   * Arguments of the multibulk being read that detach has already seen (copied when they were
   * views): the next detach starts after them, so a command of a million arguments read in 160
   * reads is copied once, not rescanned from its start at every read (seconds of a blocked loop).
   */
  private detached = 0
  /** Length of the bulk whose payload is being read, or -1 while expecting a `$` header. */
  private bulkLength = -1
  /** Assembly buffer for a big bulk, which is filled chunk by chunk without re-copying. */
  private big: Buffer | undefined = undefined
  private bigFilled = 0
  private failed: string | undefined = undefined
  /**
   * Redis's limits for clients that still must authenticate: at most 10 arguments and 16 KB per
   * bulk, so that an unauthenticated peer cannot make the server buffer much. While set, `push`
   * returns at most one command and keeps the rest buffered, because the limits must be judged
   * per command after the previous one ran (an AUTH may lift them); `resume` continues.
   */
  unauthenticated = false
  /**
   * Set by the connection while a command waits (a tenant's AUTH deriving its password): an
   * unauthenticated decoder then decodes nothing more, since the limits of the commands behind
   * depend on that command's outcome; `hold` keeps what arrives, and the connection resumes
   * decoding once the command has run.
   */
  held = false

  constructor(private readonly limits: DecoderLimits = DEFAULT_LIMITS) {}

  /** Whether a command has been started but not completed (for diagnostics and shutdown). */
  get midCommand(): boolean {
    return this.remaining > 0 || this.pending !== undefined || this.big !== undefined
  }

  /** Bytes held waiting for the rest of a command (client query buffer). */
  get bufferedBytes(): number {
    return (this.pending?.length ?? 0) + this.bigFilled
  }

  /**
   * Keeps `chunk` buffered without decoding it (while `held`); false when a bulk is being read,
   * whose bytes `push` must take.
   */
  hold(chunk: Buffer): boolean {
    if (this.failed !== undefined || this.big !== undefined) return false
    if (chunk.length > 0) this.pending = this.pending === undefined ? chunk : this.append(this.pending, chunk)
    return true
  }

  /** Decodes what is still buffered after a `push` that stopped early while unauthenticated. */
  resume(): DecodeOutcome {
    return this.push(EMPTY)
  }

  push(chunk: Buffer): DecodeOutcome {
    if (this.failed !== undefined) return { commands: [], error: this.failed }
    const commands: Buffer[][] = []
    let data = chunk
    if (this.big !== undefined) {
      const consumed = this.fillBig(data)
      if (this.big !== undefined) return { commands }
      data = data.subarray(consumed)
      if (this.remaining === 0) {
        commands.push(this.args)
        this.args = []
        if (this.unauthenticated) {
          if (data.length > 0) this.pending = data
          return { commands }
        }
      }
    } else if (this.pending !== undefined) {
      data = chunk.length === 0 ? this.pending : this.append(this.pending, chunk)
      this.pending = undefined
    }
    const error = this.decode(data, commands)
    if (error !== undefined) {
      this.failed = error
      this.pending = undefined
      return { commands, error }
    }
    return { commands }
  }

  /**
   * Copies out of `memory` what the decoder still holds of it: the unfinished command's bytes and
   * the arguments of that command already cut. Afterwards the caller may overwrite `memory` (the
   * socket-read buffer every connection shares). Commands already returned by push are the
   * caller's to copy.
   */
  detach(memory: ArrayBufferLike): void {
    const pending = this.pending
    if (pending !== undefined && pending.buffer === memory) {
      // A fresh room: bytes of an earlier one may have been handed out and still be read.
      const room = Buffer.allocUnsafeSlow(Math.max(16 * 1024, pending.length * 2))
      pending.copy(room, 0)
      this.room = room
      this.pending = room.subarray(0, pending.length)
    }
    // The arguments cut since the last detach of a multibulk still being read (none between commands).
    const args = this.args
    const cut = this.remaining === 0 ? 0 : this.argCount - this.remaining
    for (let i = this.detached; i < cut; i++) {
      const arg = args[i]!
      if (arg.buffer === memory) args[i] = Buffer.from(arg)
    }
    this.detached = cut
  }

  /**
   * A command's name: the previous command's when the bytes are the same (a pipeline mostly
   * repeats one command), else a copy of its own. A name is never written to, so one Buffer
   * serves every command of the run, and each saves the allocation of a view.
   */
  private commandName(data: Buffer, pos: number, size: number): Buffer {
    const last = this.lastName
    if (last.length === size) {
      let i = 0
      while (i < size && last[i] === data[pos + i]) i++
      if (i === size) return last
    }
    const name = Buffer.from(data.subarray(pos, pos + size))
    this.lastName = name
    return name
  }

  /** pending + chunk, appended in place when pending ends where room's free space begins. */
  private append(pending: Buffer, chunk: Buffer): Buffer {
    const room = this.room
    if (room !== undefined && pending.buffer === room.buffer) {
      const end = pending.byteOffset - room.byteOffset + pending.length
      if (end + chunk.length <= room.length) {
        chunk.copy(room, end)
        return room.subarray(end - pending.length, end + chunk.length)
      }
    }
    const total = pending.length + chunk.length
    const grown = Buffer.allocUnsafeSlow(Math.max(16 * 1024, total * 2))
    pending.copy(grown, 0)
    chunk.copy(grown, pending.length)
    this.room = grown
    return grown.subarray(0, total)
  }

  /** Copies the big bulk's payload (and its CRLF); returns the bytes of `data` consumed. */
  private fillBig(data: Buffer): number {
    const big = this.big!
    const n = Math.min(big.length - this.bigFilled, data.length)
    data.copy(big, this.bigFilled, 0, n)
    this.bigFilled += n
    if (this.bigFilled === big.length) {
      this.args[this.argCount - this.remaining] = big.subarray(0, big.length - 2)
      this.remaining--
      this.big = undefined
      this.bigFilled = 0
      this.bulkLength = -1
    }
    return n
  }

  /** Decodes as much of `data` as is complete; returns an error text if it is invalid. */
  private decode(data: Buffer, commands: Buffer[][]): string | undefined {
    const len = data.length
    const limits = this.limits
    // Arguments are views of `data` (see viewOf).
    const memory = data.buffer
    const base = data.byteOffset
    let pos = 0
    // Bytes of the first line already known to hold no LF (from earlier pushes).
    let skip = this.lineScanned
    this.lineScanned = 0
    for (;;) {
      if (this.remaining === 0) {
        if (pos >= len) return undefined
        if (data[pos] === STAR) {
          let count = fastLength(data, pos + 1, len)
          if (count >= 0) {
            pos = fastLengthEnd
            skip = 0
          } else {
            const eol = data.indexOf(LF, pos + skip)
            skip = 0
            if (eol === -1 || data[eol - 1] !== CR) {
              if (eol === -1 && len - pos > limits.maxInlineLength) return 'Protocol error: too big mbulk count string'
              if (eol !== -1) return 'Protocol error: invalid multibulk length'
              this.lineScanned = len - pos
              break
            }
            const parsed = parseLength(data, pos + 1, eol - 1)
            if (parsed === null) return 'Protocol error: invalid multibulk length'
            count = parsed
            pos = eol + 1
          }
          if (count > limits.maxMultibulkLength) return 'Protocol error: invalid multibulk length'
          if (count > 10 && this.unauthenticated) return 'Protocol error: unauthenticated multibulk length'
          if (count <= 0) continue
          this.remaining = count
          this.argCount = count
          this.detached = 0
          // Sized for the arguments announced (a pushed-to array starts with room for 17), but
          // not beyond 1024 before they arrive, as Redis: a header alone must not claim megabytes.
          this.args = new Array<Buffer>(Math.min(count, 1024))
        } else {
          const eol = data.indexOf(LF, pos + skip)
          skip = 0
          if (eol === -1) {
            if (len - pos > limits.maxInlineLength) return 'Protocol error: too big inline request'
            this.lineScanned = len - pos
            break
          }
          const lineEnd = eol > pos && data[eol - 1] === CR ? eol - 1 : eol
          const args = splitInline(data, pos, lineEnd)
          pos = eol + 1
          if (args === null) return 'Protocol error: unbalanced quotes in request'
          if (args.length > 0) {
            commands.push(args)
            if (this.unauthenticated) break
          }
        }
        continue
      }
      if (this.bulkLength < 0) {
        if (pos >= len) break
        const fast = data[pos] === DOLLAR ? fastLength(data, pos + 1, len) : -1
        if (fast >= 0 && fast <= limits.maxBulkLength && (fast <= 16384 || !this.unauthenticated)) {
          pos = fastLengthEnd
          skip = 0
          this.bulkLength = fast
        } else {
          // As in Redis, the header line must be complete before its first byte is judged.
          const eol = data.indexOf(LF, pos + skip)
          skip = 0
          if (eol === -1) {
            if (len - pos > limits.maxInlineLength) return 'Protocol error: too big bulk count string'
            this.lineScanned = len - pos
            break
          }
          if (data[pos] !== DOLLAR) {
            return `Protocol error: expected '$', got '${String.fromCharCode(data[pos]!)}'`
          }
          if (data[eol - 1] !== CR) return 'Protocol error: invalid bulk length'
          const size = parseLength(data, pos + 1, eol - 1)
          if (size === null || size < 0 || size > limits.maxBulkLength) return 'Protocol error: invalid bulk length'
          if (size > 16384 && this.unauthenticated) return 'Protocol error: unauthenticated bulk length'
          pos = eol + 1
          this.bulkLength = size
        }
      }
      const size = this.bulkLength
      if (len - pos >= size + 2) {
        const at = this.argCount - this.remaining
        this.args[at] = at === 0 && size <= MAX_NAME ? this.commandName(data, pos, size) : viewOf(memory, base + pos, size)
        pos += size + 2
        this.bulkLength = -1
        if (--this.remaining === 0) {
          commands.push(this.args)
          this.args = []
          if (this.unauthenticated) break
        }
        continue
      }
      if (size >= BIG_BULK) {
        this.big = Buffer.allocUnsafe(size + 2)
        this.bigFilled = 0
        this.fillBig(data.subarray(pos))
        return undefined
      }
      break
    }
    if (pos < len) this.pending = data.subarray(pos)
    return undefined
  }
}

/** Where the last successful fastLength's line ended (the byte after LF). */
let fastLengthEnd = 0

/**
 * The common case of a header line: plain digits, no leading zero, then CRLF, all within
 * `data`. Returns the value (and sets fastLengthEnd), or -1 when the line is anything else
 * (incomplete, signed, malformed), which the general path then judges.
 */
const fastLength = (data: Buffer, start: number, len: number): number => {
  let n = 0
  let i = start
  const limit = Math.min(len, start + 16)
  for (; i < limit; i++) {
    const c = data[i]!
    if (c < 48 || c > 57) break
    n = n * 10 + (c - 48)
  }
  if (i === start || i + 1 >= len || data[i] !== CR || data[i + 1] !== LF) return -1
  if (data[start] === 48 && i - start > 1) return -1
  fastLengthEnd = i + 2
  return n
}

/**
 * A decimal length in data[start, end) as Redis's string2ll reads it, or null. Lengths are
 * bounded far below 2^53, so plain arithmetic is exact; overlong inputs are rejected.
 */
const parseLength = (data: Buffer, start: number, end: number): number | null => {
  if (end <= start || end - start > 18) return null
  let i = start
  let negative = false
  if (data[i] === 45) {
    negative = true
    i++
    if (i === end) return null
  }
  // string2ll accepts "0" but no other leading zero, and no "-0".
  if (data[i] === 48) return i + 1 === end && !negative ? 0 : null
  let n = 0
  for (; i < end; i++) {
    const c = data[i]!
    if (c < 48 || c > 57) return null
    n = n * 10 + (c - 48)
  }
  return negative ? -n : n
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12

const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1

/**
 * Splits an inline command line as Redis's sdssplitargs does: whitespace-separated words,
 * "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' with \'.
 * A closing quote must be followed by whitespace or the end. Returns null for unbalanced quotes.
 */
export const splitInline = (data: Buffer, start: number, end: number): Buffer[] | null => {
  const args: Buffer[] = []
  let p = start
  for (;;) {
    while (p < end && isSpace(data[p]!)) p++
    if (p >= end) return args
    const bytes: number[] = []
    let inDouble = false
    let inSingle = false
    let done = false
    while (!done) {
      if (inDouble) {
        if (p >= end) return null
        const c = data[p]!
        if (c === 92 && p + 3 < end && data[p + 1] === 120 && hexValue(data[p + 2]!) >= 0 && hexValue(data[p + 3]!) >= 0) {
          bytes.push(hexValue(data[p + 2]!) * 16 + hexValue(data[p + 3]!))
          p += 3
        } else if (c === 92 && p + 1 < end) {
          p++
          const e = data[p]!
          bytes.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e)
        } else if (c === 34) {
          if (p + 1 < end && !isSpace(data[p + 1]!)) return null
          done = true
        } else {
          bytes.push(c)
        }
      } else if (inSingle) {
        if (p >= end) return null
        const c = data[p]!
        if (c === 92 && p + 1 < end && data[p + 1] === 39) {
          p++
          bytes.push(39)
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(data[p + 1]!)) return null
          done = true
        } else {
          bytes.push(c)
        }
      } else {
        if (p >= end) {
          done = true
          break
        }
        const c = data[p]!
        // Unlike the blanks skipped between words, \v and \f do not end an unquoted word.
        if (c === 32 || c === 10 || c === 13 || c === 9) done = true
        else if (c === 34) inDouble = true
        else if (c === 39) inSingle = true
        else bytes.push(c)
      }
      if (p < end) p++
    }
    args.push(Buffer.from(bytes))
  }
}
