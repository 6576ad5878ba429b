// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
//
// Also home of the expiry-argument rules SETEX, PSETEX and GETEX share (Redis's
// getExpireMillisecondsOrReply).
import { NULL, OK, bulk, Errors, type ErrorReply, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { I64_MAX, is, parseI64, parseInteger } from '../args.js'
import { MAX_EXPIRES_AT, type Keyspace } from '../../storage/keyspace.js'
import { NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_NEW, NOTIFY_STRING } from '../../storage/keyspace-events.js'


/** The events of Redis's setGenericCommand: `set`, then `expire` when an expiry was given. */
export const notifySet = (db: Keyspace, key: Buffer, expire: boolean): void => {
  db.notify(NOTIFY_STRING, 'set', key)
  if (expire) db.notify(NOTIFY_GENERIC, 'expire', key)
}

/** How an expiry argument counts: relative or absolute, in seconds or milliseconds. */
export type ExpireUnit = 'ex' | 'px' | 'exat' | 'pxat'

/**
 * The absolute expiry in ms for an EX/PX/EXAT/PXAT argument, or the error Redis replies:
 * not an integer; zero or negative; or an overflow of signed 64-bit milliseconds (seconds × 1000,
 * or now + relative). `command` names the command in the error text. A valid time beyond
 * MAX_EXPIRES_AT comes back as that one, the latest storage keeps.
 */
export const parseExpire = (arg: Buffer, unit: ExpireUnit, now: number, command: string): number | ErrorReply => {
  if (arg.length <= 15) {
    // Below 10^15 neither the ×1000 nor the addition of now can pass 2^63.
    const n = parseInteger(arg)
    if (n === null) return Errors.notInteger
    if (n <= 0) return Errors.invalidExpire(command)
    const ms = unit === 'ex' || unit === 'exat' ? n * 1000 : n
    return Math.min(unit === 'ex' || unit === 'px' ? ms + now : ms, MAX_EXPIRES_AT)
  }
  const n = parseI64(arg)
  if (n === null) return Errors.notInteger
  if (n <= 0n) return Errors.invalidExpire(command)
  const seconds = unit === 'ex' || unit === 'exat'
  if (seconds && n > I64_MAX / 1000n) return Errors.invalidExpire(command)
  let ms = seconds ? n * 1000n : n
  if (unit === 'ex' || unit === 'px') {
    ms += BigInt(now)
    if (ms > I64_MAX) return Errors.invalidExpire(command)
  }
  return Math.min(Number(ms), MAX_EXPIRES_AT)
}

// Option flags, as Redis's OBJ_SET_* bits; the parser rejects the combinations Redis rejects.
const NX = 1
const XX = 2
const GET = 4
const KEEPTTL = 8
const EXPIRE = 16

const EXPIRE_UNITS: readonly ExpireUnit[] = ['ex', 'px', 'exat', 'pxat']

export const set: CommandSpec = {
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Set the string value of a key',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]',
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[1]!
    // The keyspace copies the bytes: argv may be views into the connection's read buffer.
    const data = argv[2]!
    if (argv.length === 3) {
      db.set(key, { type: 'string', data }, 0)
      db.notify(NOTIFY_STRING, 'set', key)
      return OK
    }

    let flags = 0
    let expireArg: Buffer | undefined
    let unit: ExpireUnit = 'ex'
    for (let i = 3; i < argv.length; i++) {
      const opt = argv[i]!
      if (is(opt, 'nx') && !(flags & XX)) flags |= NX
      else if (is(opt, 'xx') && !(flags & NX)) flags |= XX
      else if (is(opt, 'get')) flags |= GET
      else if (is(opt, 'keepttl') && !(flags & EXPIRE)) flags |= KEEPTTL
      else {
        // Repeating the same expiry option is allowed (the last one wins); mixing two is not.
        const found = EXPIRE_UNITS.find((u) => is(opt, u))
        if (
          found === undefined ||
          i + 1 === argv.length ||
          flags & KEEPTTL ||
          (flags & EXPIRE && unit !== found)
        ) {
          return Errors.syntax
        }
        flags |= EXPIRE
        unit = found
        expireArg = argv[++i]!
      }
    }

    const now = ctx.server.now()
    let expiresAt = 0
    if (expireArg !== undefined) {
      const parsed = parseExpire(expireArg, unit, now, 'set')
      if (typeof parsed !== 'number') return parsed
      expiresAt = parsed
    }

    let reply: Reply = OK
    // GET reads like GET (a keyspace hit or miss); NX/XX/KEEPTTL only look, as lookupKeyWrite.
    const existing = flags & GET ? db.get(key) : flags & (NX | XX | KEEPTTL) ? db.peek(key) : undefined
    if (flags & GET) {
      if (existing === undefined) reply = NULL
      else if (existing.value.type !== 'string') return Errors.wrongType
      else reply = bulk(existing.value.data)
    }
    if ((flags & NX && existing !== undefined) || (flags & XX && existing === undefined)) {
      return flags & GET ? reply : NULL
    }
    if (flags & KEEPTTL) expiresAt = existing?.expiresAt ?? 0

    // An absolute expiry already in the past leaves no key behind (not even the old one). Redis
    // stores the key and reclaims it at its next lookup: the events are what it emits by then,
    // `new` when no live key was replaced, set, expire, expired.
    if (expiresAt !== 0 && expiresAt <= now) {
      if (!db.delete(key)) db.notify(NOTIFY_NEW, 'new', key)
      notifySet(db, key, true)
      db.notify(NOTIFY_EXPIRED, 'expired', key)
    } else {
      db.set(key, { type: 'string', data }, expiresAt)
      notifySet(db, key, expireArg !== undefined)
    }
    return reply
  },
}
