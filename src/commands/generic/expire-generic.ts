// The shared body of EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (Redis's expireGenericCommand):
// `key time [NX | XX | GT | LT]`, where time is relative to `basetime` (ms) in `unit`.

import { Errors, error, integer, type Reply } from '../../protocol/reply.js'
import { cText, I64_MAX, I64_MIN, is, parseI64, parseInteger } from '../args.js'
import type { CommandContext } from '../spec.js'
import { MAX_EXPIRES_AT } from '../../storage/keyspace.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

const NX = 1
const XX = 2
const GT = 4
const LT = 8

const NX_CONFLICT = error('ERR NX and XX, GT or LT options at the same time are not compatible')
const GT_LT_CONFLICT = error('ERR GT and LT options at the same time are not compatible')

/** Redis reads the option as a C string; the encoder turns line breaks into spaces. */
const unsupportedOption = (arg: Buffer): Reply => error(`ERR Unsupported option ${cText(arg)}`)

/**
 * The absolute expiry in ms, or an error reply. Fifteen characters of seconds cannot overflow 64 bits
 * even after scaling and adding a wall-clock base, so only longer arguments take the exact
 * BigInt path that Redis's overflow checks need. A time beyond MAX_EXPIRES_AT comes back as that
 * one, the latest storage keeps.
 */
const absoluteTime = (arg: Buffer, basetime: number, seconds: boolean, command: string): number | Reply => {
  if (arg.length <= 15) {
    const n = parseInteger(arg)
    if (n === null) return Errors.notInteger
    return Math.min((seconds ? n * 1000 : n) + basetime, MAX_EXPIRES_AT)
  }
  let when = parseI64(arg)
  if (when === null) return Errors.notInteger
  if (seconds) {
    if (when > I64_MAX / 1000n || when < I64_MIN / 1000n) return Errors.invalidExpire(command)
    when *= 1000n
  }
  const base = BigInt(basetime)
  if (when > I64_MAX - base) return Errors.invalidExpire(command)
  return Math.min(Number(when + base), MAX_EXPIRES_AT)
}

export const expireGeneric = (
  ctx: CommandContext,
  argv: Buffer[],
  command: string,
  basetime: number,
  seconds: boolean,
): Reply => {
  // Options are validated before the time argument, as Redis does.
  let flags = 0
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!
    if (is(arg, 'nx')) flags |= NX
    else if (is(arg, 'xx')) flags |= XX
    else if (is(arg, 'gt')) flags |= GT
    else if (is(arg, 'lt')) flags |= LT
    else return unsupportedOption(arg)
  }
  if (flags & NX && flags & (XX | GT | LT)) return NX_CONFLICT
  if (flags & GT && flags & LT) return GT_LT_CONFLICT

  const when = absoluteTime(argv[2]!, basetime, seconds, command)
  if (typeof when !== 'number') return when

  const db = ctx.session.db
  const key = argv[1]!
  const entry = db.peek(key)
  if (entry === undefined) return integer(0)

  if (flags !== 0) {
    // 0 is "no expiry"; GT and LT treat it as an infinite TTL.
    const current = entry.expiresAt
    if (flags & NX && current !== 0) return integer(0)
    if (flags & XX && current === 0) return integer(0)
    if (flags & GT && (current === 0 || when <= current)) return integer(0)
    if (flags & LT && current !== 0 && when >= current) return integer(0)
  }

  // A time already past deletes the key and still counts as an expiry set.
  if (when <= ctx.server.now()) {
    db.delete(key)
    db.notify(NOTIFY_GENERIC, 'del', key)
  } else {
    db.setExpiry(key, when)
    db.notify(NOTIFY_GENERIC, 'expire', key)
  }
  return integer(1)
}
