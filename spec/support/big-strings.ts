// Seeded scripts of string commands on large values, for the differential and durability specs:
// APPEND and SETRANGE at the end, past it with gaps and inside, across the 16 KB size from
// which a string grows in place and the 1 MB from which its room stops doubling, with reads
// (GETRANGE, SUBSTR, STRLEN, a few GETs), overwrites, copies, renames, deletes and expiry
// between them. A model of each key's length picks offsets and keeps replies small; Redis's
// replies, not the model, are what the specs compare against.

import { connect } from 'node:net'

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const KB = 1024
const MB = 1024 * KB

/** Keys of database 0 the scripts write; `c0` and `c1` are also written in database 1. */
export const BIG_KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']
export const COPY_KEYS = ['c0', 'c1']
/** Expiry times far ahead, so that EXPIRETIME and PEXPIRETIME replies are exact. */
const FAR_SECONDS = [4102444800, 4133980800, 4165516800]

/** A RESP command's arguments: text (ASCII) or bytes. */
export type Argv = (string | Buffer)[]

/**
 * A script of about `length` commands. Every value is ASCII letters and digits.
 */
export const bigStringScript = (seed: number, length = 300): Argv[] => {
  const random = seeded(seed)
  const below = (n: number) => Math.floor(random() * n)
  const between = (lo: number, hi: number) => lo + below(hi - lo + 1)
  const pick = <T>(items: readonly T[]): T => items[below(items.length)]!
  // Values are slices of one random text, so that a misplaced byte shows.
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  const text = Buffer.alloc(256 * KB)
  for (let i = 0; i < text.length; i++) text[i] = alphabet.charCodeAt(below(alphabet.length))
  const bytes = (n: number): Buffer => {
    if (n <= text.length) {
      const at = below(text.length - n + 1)
      return text.subarray(at, at + n)
    }
    const out = Buffer.alloc(n)
    for (let at = 0; at < n; at += text.length) text.copy(out, at, below(KB), Math.min(text.length, below(KB) + n - at))
    return out
  }

  const lengths = [new Map<string, number>(), new Map<string, number>()]
  let db = 0
  const len = (k: string) => lengths[db]!.get(k)
  const out: Argv[] = []
  let bigReads = 0
  /** Whether a reply of `n` bytes is fine to compare: a few large ones per script. */
  const readable = (n: number) => n <= 40 * KB || (bigReads < 3 && ++bigReads > 0)

  const startSizes = [15 * KB, 16 * KB - 1, 16 * KB, 16 * KB + 1, 16 * KB - 3000, 40 * KB, MB - 10, 100]
  // Two keys start below or at 16 KB, one just under 1 MB, the others at random sizes.
  const initial: [string, number][] = [
    ['k0', 16 * KB - 1],
    ['k1', pick([15 * KB, 16 * KB])],
    ['k2', MB - 10],
  ]
  for (const k of BIG_KEYS.slice(3)) initial.push([k, pick(startSizes)])
  for (const [k, n] of initial) {
    out.push(['SET', k, bytes(n)])
    lengths[0]!.set(k, n)
  }

  const getrange = (cmd: string, k: string) => {
    const n = len(k) ?? 0
    const span = between(0, 3000)
    switch (below(7)) {
      case 0: {
        const start = below(n + 10)
        return [cmd, k, String(start), String(start + span)]
      }
      case 1:
        return [cmd, k, String(-between(1, span + 1)), '-1']
      case 2: // The last bytes, where in-place growth writes.
        return [cmd, k, String(Math.max(0, n - between(1, 6000))), String(n + between(-5, 5))]
      case 3:
        return [cmd, k, String(-between(1, 2000)), String(between(0, 2000))]
      case 4:
        return [cmd, k, String(n + between(0, 100)), String(n + between(100, 200))]
      case 5:
        return [cmd, k, String(-n - between(0, 10)), String(-n + between(0, span))]
      default:
        return [cmd, k, String(between(1, 100)), String(-between(n - 3000, n + 3000))]
    }
  }

  const step = (): Argv[] => {
    const keys = db === 0 ? BIG_KEYS : COPY_KEYS
    const k = pick(keys)
    const n = len(k)
    const r = below(100)
    if (r < 22) {
      const add = bytes(below(8) === 0 ? between(1, 20) : between(1, 5000))
      lengths[db]!.set(k, (n ?? 0) + add.length)
      return [['APPEND', k, add]]
    }
    if (r < 30) {
      const add = bytes(between(1, 5000))
      lengths[db]!.set(k, (n ?? 0) + add.length)
      return [['SETRANGE', k, String(n ?? 0), add]]
    }
    if (r < 36) {
      // Past the end: a gap of zero bytes, now and then past the room left by the last growth.
      const gap = below(5) === 0 ? between(20 * KB, 1200 * KB) : between(1, 20 * KB)
      const add = bytes(between(1, 3000))
      const offset = (n ?? 0) + gap
      lengths[db]!.set(k, offset + add.length)
      return [['SETRANGE', k, String(offset), add]]
    }
    if (r < 42) {
      const offset = below((n ?? 0) + 1)
      const add = bytes(between(1, 3000))
      lengths[db]!.set(k, Math.max(n ?? 0, offset + add.length))
      return [['SETRANGE', k, String(offset), add]]
    }
    if (r < 44) return [['SETRANGE', k, String(below((n ?? 0) + 50)), '']]
    if (r < 55) return [getrange('GETRANGE', k)]
    if (r < 58) return [getrange('SUBSTR', k)]
    if (r < 64) return [['STRLEN', k]]
    if (r < 66) return [['EXISTS', k]]
    if (r < 69) return [['OBJECT', 'ENCODING', k]]
    if (r < 71) return n === undefined || readable(n) ? [['GET', k]] : [['STRLEN', k]]
    if (r < 74) {
      const size = pick([...startSizes, between(1, 64 * KB)])
      lengths[db]!.set(k, size)
      return [below(4) === 0 ? ['SET', k, bytes(size), 'KEEPTTL'] : ['SET', k, bytes(size)]]
    }
    if (r < 76) {
      if (n !== undefined && !readable(n)) return [['STRLEN', k]]
      const size = pick([16 * KB - 1, 16 * KB, 20, between(1, 40 * KB)])
      lengths[db]!.set(k, size)
      return [['GETSET', k, bytes(size)]]
    }
    if (r < 77) {
      if (n !== undefined && !readable(n)) return [['DEL', k]]
      lengths[db]!.delete(k)
      return [['GETDEL', k]]
    }
    if (r < 79) {
      lengths[db]!.delete(k)
      return [['DEL', k]]
    }
    if (r < 85) {
      const to = pick(keys)
      const replace = below(2) === 0
      if (n !== undefined && (replace || len(to) === undefined)) lengths[db]!.set(to, n)
      return [replace ? ['COPY', k, to, 'REPLACE'] : ['COPY', k, to]]
    }
    if (r < 87 && db === 0) {
      const to = pick(COPY_KEYS)
      if (n !== undefined) lengths[1]!.set(to, n)
      return [['COPY', k, to, 'DB', '1', 'REPLACE']]
    }
    if (r < 89) {
      const to = pick(keys)
      if (n !== undefined) {
        lengths[db]!.delete(k)
        lengths[db]!.set(to, n)
      }
      return [['RENAME', k, to]]
    }
    if (r < 91) return [below(2) === 0 ? ['EXPIREAT', k, String(pick(FAR_SECONDS))] : ['PEXPIREAT', k, String(pick(FAR_SECONDS) * 1000 + below(1000))]]
    if (r < 93) return [[pick(['EXPIRETIME', 'PEXPIRETIME']), k]]
    if (r < 94) return [['PERSIST', k]]
    if (r < 95) {
      if (n === undefined || n < 21) return [['STRLEN', k]]
      return [pick<Argv>([['INCR', k], ['DECR', k], ['INCRBY', k, '1'], ['INCRBYFLOAT', k, '1.5']])]
    }
    if (r < 97) {
      // (The server has no MULTI: a run of APPENDs, each followed by a read.)
      const block: Argv[] = []
      for (let i = between(1, 3); i > 0; i--) {
        const key = pick(keys)
        const add = bytes(between(1, 4000))
        lengths[db]!.set(key, (len(key) ?? 0) + add.length)
        block.push(['APPEND', key, add], ['STRLEN', key])
      }
      return block
    }
    db = 1 - db
    return [['SELECT', String(db)]]
  }

  while (out.length < length) out.push(...step())
  if (db !== 0) out.push(['SELECT', '0'])
  // Where the in-place growth happened, for every key: lengths and the last bytes.
  for (const [d, keys] of [[0, BIG_KEYS], [1, COPY_KEYS]] as const) {
    out.push(['SELECT', String(d)])
    for (const k of keys) out.push(['STRLEN', k], ['GETRANGE', k, '-5000', '-1'], ['OBJECT', 'ENCODING', k], ['PEXPIRETIME', k])
  }
  out.push(['SELECT', '0'])
  return out
}

/** The RESP encoding of a command. */
export const encodeCommand = (argv: Argv): Buffer => {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)]
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a) : a
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

/** Where the RESP2 or RESP3 reply at `pos` ends, or -1 when `data` holds only part of it. */
export const replyEnd = (data: Buffer, pos: number): number => {
  if (pos >= data.length) return -1
  const eol = data.indexOf('\r\n', pos, 'latin1')
  if (eol === -1) return -1
  const type = String.fromCharCode(data[pos]!)
  const n = Number(data.toString('latin1', pos + 1, eol))
  switch (type) {
    case '$':
    case '!':
    case '=':
      if (n < 0) return eol + 2
      return data.length >= eol + 2 + n + 2 ? eol + 2 + n + 2 : -1
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let at = eol + 2
      const count = n < 0 ? 0 : type === '%' || type === '|' ? 2 * n : n
      for (let i = 0; i < count; i++) {
        at = replyEnd(data, at)
        if (at === -1) return -1
      }
      // An attribute precedes the reply it describes.
      return type === '|' ? replyEnd(data, at) : at
    }
    default:
      return eol + 2
  }
}

/**
 * Sends the commands on a fresh connection after `HELLO resp` (and `SELECT db`) and returns each
 * command's raw reply bytes. Reads incrementally: replies may total megabytes.
 */
export const runScript = (port: number, resp: string, commands: readonly Argv[], timeoutMs = 30_000): Promise<Buffer[]> =>
  new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    const expected = commands.length + 1
    const replies: Buffer[] = []
    let data = Buffer.alloc(1 << 16)
    let filled = 0
    let pos = 0
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`timed out after ${replies.length - 1} of ${commands.length} replies`))
    }, timeoutMs)
    socket.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      if (replies.length < expected) reject(new Error(`closed after ${replies.length - 1} of ${commands.length} replies`))
    })
    socket.on('data', (chunk: Buffer) => {
      if (filled + chunk.length > data.length) {
        const grown = Buffer.alloc(Math.max(2 * data.length, filled + chunk.length))
        data.copy(grown, 0, 0, filled)
        data = grown
      }
      chunk.copy(data, filled)
      filled += chunk.length
      const view = data.subarray(0, filled)
      for (;;) {
        const end = replyEnd(view, pos)
        if (end === -1) break
        replies.push(Buffer.from(view.subarray(pos, end)))
        pos = end
      }
      if (replies.length >= expected) {
        clearTimeout(timer)
        socket.destroy()
        resolve(replies.slice(1))
      }
    })
    socket.once('connect', () => {
      socket.write(encodeCommand(['HELLO', resp]))
      for (const c of commands) socket.write(encodeCommand(c))
    })
  })

/** A command or reply shortened for a failure message. */
export const shown = (what: Argv | Buffer): string => {
  const short = (b: Buffer | string) => {
    const s = typeof b === 'string' ? b : b.toString('latin1')
    return s.length > 80 ? `${s.slice(0, 60)}...(${s.length} bytes)` : s
  }
  return Buffer.isBuffer(what) ? JSON.stringify(short(what)) : what.map(short).join(' ')
}

/** Where two replies first differ, with the bytes there, for a failure message. */
export const difference = (expected: Buffer, actual: Buffer): string => {
  let at = 0
  while (at < expected.length && at < actual.length && expected[at] === actual[at]) at++
  const near = (b: Buffer) => JSON.stringify(b.toString('latin1', Math.max(0, at - 10), at + 30))
  return `first difference at byte ${at} of ${expected.length} (redis) and ${actual.length} (ours): redis ${near(expected)}, ours ${near(actual)}`
}
