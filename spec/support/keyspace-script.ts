// Seeded scripts of ordinary string and keyspace commands over a few hundred keys in databases
// 0..2, with values from a few bytes to tens of KB: under a maxmemory of a few MB the records
// are flushed, evicted and read back between almost every pair of commands. For the
// differential fuzzer (bench/differential-fuzz.mjs) and its bounded spec.
//
// Replies are deterministic except where noted: expiry times are absolute and far ahead (or in
// the past, which deletes at once); relative ones (EX, PX, EXPIRE) are also far ahead, and
// `comparable` allows a few seconds between the two servers' EXPIRETIME/PEXPIRETIME/TTL/PTTL
// replies. KEYS replies are compared as sorted sets.

import { seeded, type Argv } from './big-strings.js'

export interface KeyspaceScriptOptions {
  /** Commands to generate (about). */
  readonly length?: number
  /** Keys per database. */
  readonly keys?: number
  /** Key names start with this (disjoint prefixes for concurrent connections). */
  readonly prefix?: string
  /** Whether the script may use commands that see other connections' keys (FLUSHDB, DBSIZE, KEYS). */
  readonly global?: boolean
  /** Largest value size. */
  readonly maxValue?: number
  /** Whether FLUSHDB and FLUSHALL appear (when global). */
  readonly flushdb?: boolean
}

const FAR_SECONDS = [4102444800, 4133980800, 4165516800, 4197052800]

export const keyspaceScript = (seed: number, options: KeyspaceScriptOptions = {}): Argv[] => {
  const length = options.length ?? 1000
  const keyCount = options.keys ?? 300
  const prefix = options.prefix ?? 'k'
  const global = options.global ?? true
  const maxValue = options.maxValue ?? 48 * 1024
  const flushdb = options.flushdb ?? true
  const random = seeded(seed)
  const below = (n: number) => Math.floor(random() * n)
  const between = (lo: number, hi: number) => lo + below(hi - lo + 1)
  const pick = <T>(items: readonly T[]): T => items[below(items.length)]!
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  const text = Buffer.alloc(128 * 1024)
  for (let i = 0; i < text.length; i++) text[i] = alphabet.charCodeAt(below(alphabet.length))
  const bytes = (n: number): Buffer => {
    const at = below(text.length - n + 1)
    return text.subarray(at, at + n)
  }
  const size = (): number => {
    const r = below(100)
    if (r < 35) return between(1, 100)
    if (r < 65) return between(100, 4096)
    if (r < 93) return between(4096, 20 * 1024)
    return between(20 * 1024, maxValue)
  }
  // A few keys hold numbers, so that INCR and friends succeed now and then.
  const value = (): Buffer | string => (below(10) === 0 ? String(between(-1000, 1000)) : bytes(size()))
  // Keys are drawn from a skewed distribution: a hot few and a long tail.
  const key = (): string => {
    const r = random()
    const i = r < 0.3 ? below(Math.min(10, keyCount)) : below(keyCount)
    return `${prefix}${i}`
  }
  const far = () => pick(FAR_SECONDS) + below(1000)
  const expiryOption = (): string[] => {
    switch (below(6)) {
      case 0:
        return ['EX', String(between(100000, 900000))]
      case 1:
        return ['PX', String(between(100000000, 900000000))]
      case 2:
        return ['EXAT', String(far())]
      case 3:
        return ['PXAT', String(far() * 1000 + below(1000))]
      case 4:
        return ['KEEPTTL']
      default:
        return []
    }
  }

  const out: Argv[] = []
  const step = (): Argv[] => {
    const k = key()
    const r = below(1000)
    if (r < 150) {
      const args: Argv = ['SET', k, value()]
      const c = below(10)
      if (c === 0) args.push('NX')
      else if (c === 1) args.push('XX')
      if (below(5) === 0) args.push('GET')
      args.push(...expiryOption())
      return [args]
    }
    if (r < 290) return [['GET', k]]
    if (r < 310) return [['GETDEL', k]]
    if (r < 340) {
      const opts = pick<string[]>([[], ['PERSIST'], ['EXAT', String(far())], ['PXAT', String(far() * 1000)], ['EX', String(between(100000, 900000))]])
      return [['GETEX', k, ...opts]]
    }
    if (r < 355) return [['GETSET', k, value()]]
    if (r < 385) {
      const args: Argv = ['MSET']
      for (let i = between(1, 5); i > 0; i--) args.push(key(), value())
      return [args]
    }
    if (r < 395) {
      const args: Argv = ['MSETNX']
      for (let i = between(1, 3); i > 0; i--) args.push(key(), value())
      return [args]
    }
    if (r < 435) {
      const args: Argv = ['MGET']
      for (let i = between(1, 6); i > 0; i--) args.push(key())
      return [args]
    }
    if (r < 475) {
      const args: Argv = [pick(['DEL', 'UNLINK'])]
      for (let i = between(1, 3); i > 0; i--) args.push(key())
      return [args]
    }
    if (r < 500) {
      const args: Argv = ['EXISTS']
      for (let i = between(1, 4); i > 0; i--) args.push(key())
      return [args]
    }
    if (r < 530) return [pick<Argv>([['INCR', k], ['DECR', k], ['INCRBY', k, String(between(-100, 100))], ['DECRBY', k, String(between(-5, 5))]])]
    if (r < 575) return [['APPEND', k, bytes(between(1, 6000))]]
    if (r < 605) return [['SETRANGE', k, String(below(25000)), bytes(between(1, 4000))]]
    if (r < 630) return [['GETRANGE', k, String(below(20000)), String(between(-100, 30000))]]
    if (r < 655) return [['STRLEN', k]]
    if (r < 680) return [[pick(['RENAME', 'RENAMENX']), k, key()]]
    if (r < 720) {
      const args: Argv = ['COPY', k, key()]
      if (below(2) === 0) args.push('DB', String(below(3)))
      if (below(2) === 0) args.push('REPLACE')
      return [args]
    }
    if (r < 760) {
      switch (below(7)) {
        case 0:
          return [['EXPIRE', k, String(between(100000, 900000)), ...pick<string[]>([[], [], ['NX'], ['XX'], ['GT'], ['LT']])]]
        case 1:
          return [['PEXPIRE', k, String(between(100000000, 900000000))]]
        case 2:
          return [['EXPIREAT', k, String(far()), ...pick<string[]>([[], ['NX'], ['XX'], ['GT'], ['LT']])]]
        case 3:
          return [['PEXPIREAT', k, String(far() * 1000 + below(1000))]]
        case 4:
          // In the past: the key is deleted at once.
          return [[pick(['EXPIREAT', 'PEXPIREAT']), k, String(between(1, 1000))]]
        default:
          return [['PERSIST', k]]
      }
    }
    if (r < 810) return [[pick(['EXPIRETIME', 'PEXPIRETIME', 'TTL', 'PTTL']), k]]
    if (r < 830) return [['TYPE', k]]
    if (r < 880) return [['SELECT', String(below(3))]]
    if (global) {
      if (r < 900) return [['DBSIZE']]
      if (r < 905) return [['KEYS', '*']]
      if (r < 908 && flushdb) return [['FLUSHDB']]
      if (r < 909 && flushdb) return [['FLUSHALL']]
    }
    return [['GET', k]]
  }
  while (out.length < length) out.push(...step())
  return out
}

/**
 * Commands that give keys of the script's keyspace short expiries (1 to 150 ms), for the end of
 * a phase: the next phase starts after a pause longer than that, so on both servers the keys
 * have expired by then, whether they are resident, evicted or being flushed.
 */
export const shortExpiries = (seed: number, options: { keys?: number; prefix?: string; count?: number } = {}): Argv[] => {
  const random = seeded(seed)
  const below = (n: number) => Math.floor(random() * n)
  const keyCount = options.keys ?? 300
  const prefix = options.prefix ?? 'k'
  const out: Argv[] = []
  // Each key once: a second command on a key given 1 ms would race its expiry.
  const used = new Set<string>()
  for (let i = options.count ?? 20; i > 0; i--) {
    const k = `${prefix}${random() < 0.3 ? below(Math.min(10, keyCount)) : below(keyCount)}`
    if (used.has(k)) continue
    used.add(k)
    const ms = String(1 + below(150))
    switch (below(5)) {
      case 0:
        out.push(['SET', k, 'x'.repeat(1 + below(8000)), 'PX', ms])
        break
      case 1:
        out.push(['GETEX', k, 'PX', ms])
        break
      case 2:
        out.push(['SELECT', String(below(3))])
        break
      default:
        out.push(['PEXPIRE', k, ms])
    }
  }
  out.push(['SELECT', '0'])
  return out
}

/** Commands that read back every key of databases 0..2 (after KEYS replies have been sorted). */
export const dumpCommands = (keysByDb: readonly string[][]): Argv[] => {
  const out: Argv[] = []
  keysByDb.forEach((keys, db) => {
    out.push(['SELECT', String(db)], ['DBSIZE'])
    for (const k of keys) out.push(['GET', k], ['PEXPIRETIME', k])
  })
  out.push(['SELECT', '0'])
  return out
}

/** The elements of a RESP2 or RESP3 array or set reply of bulk strings. */
export const bulkElements = (reply: Buffer): string[] => {
  const s = reply.toString('latin1')
  const lines = s.split('\r\n')
  const out: string[] = []
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1]!)
  return out
}

const integerReply = (reply: Buffer): number | undefined => {
  const m = /^:(-?\d+)\r\n$/.exec(reply.toString('latin1'))
  return m ? Number(m[1]) : undefined
}

/**
 * Whether two replies to `command` agree: equal bytes; KEYS equal as sets; expiry times within a
 * few seconds of each other when set relative to each server's clock.
 */
export const comparable = (command: Argv, theirs: Buffer, mine: Buffer, options: { lenientDbsize?: boolean } = {}): boolean => {
  if (theirs.equals(mine)) return true
  const name = String(command[0]).toUpperCase()
  // Expired keys count until reclaimed, whenever each server's expire cycle gets to them.
  if (name === 'DBSIZE' && options.lenientDbsize === true) return integerReply(theirs) !== undefined && integerReply(mine) !== undefined
  if (name === 'KEYS') {
    const a = bulkElements(theirs).sort()
    const b = bulkElements(mine).sort()
    return a.length === b.length && a.every((x, i) => x === b[i])
  }
  if (['EXPIRETIME', 'PEXPIRETIME', 'TTL', 'PTTL'].includes(name)) {
    const a = integerReply(theirs)
    const b = integerReply(mine)
    if (a === undefined || b === undefined || a < 0 || b < 0) return false
    // Relative expiries are set by each server's clock as it gets to the command (a loaded
    // server runs seconds behind); absolute ones (from 2100 on) must match exactly.
    const ms = name.startsWith('P') ? 1 : 1000
    const absolute = 4_000_000_000_000 / ms
    if (name.endsWith('EXPIRETIME') && (a >= absolute || b >= absolute)) return false
    return Math.abs(a - b) <= 15_000 / ms
  }
  return false
}
