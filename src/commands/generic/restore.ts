// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
import { Errors, OK, error, type Reply } from '../../protocol/reply.js'
import { MAX_EXPIRES_AT } from '../../storage/keyspace.js'
import { is, parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { declaredLength, loadPayload, verifyPayload } from './dump-payload.js'
import { settleEncoding } from '../../storage/hash-value.js'
import { hashLimits } from '../hash/hash-lookup.js'
import { NOTIFY_GENERIC, NOTIFY_NEW } from '../../storage/keyspace-events.js'

const BUSY_KEY = error('BUSYKEY Target key name already exists.')
const BAD_TTL = error('ERR Invalid TTL value, must be >= 0')
const BAD_IDLETIME = error('ERR Invalid IDLETIME value, must be >= 0')
const BAD_FREQ = error('ERR Invalid FREQ value, must be >= 0 and <= 255')
const BAD_PAYLOAD = error('ERR DUMP payload version or checksum are wrong')
const BAD_DATA = error('ERR Bad data format')

export const restore: CommandSpec = {
  name: 'restore',
  arity: -4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Create a key using the provided serialized value, previously obtained using DUMP.',
  since: '2.6.0',
  complexity:
    'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).',
  syntax: 'key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]',
  // A compressed payload stores more than it sends: LZF expands up to about 90 times.
  grows: (_ctx, argv) => declaredLength(argv[3]!) - argv[3]!.length,
  execute(ctx, argv): Reply {
    let replace = false
    let absttl = false
    // IDLETIME and FREQ exclude each other (the second falls to the syntax error, as in Redis).
    // They are checked and accepted; the access time a restored key starts with is now, as the
    // keyspace keeps no settable LRU or LFU state.
    let idle = false
    let freq = false
    for (let j = 4; j < argv.length; j++) {
      const arg = argv[j]!
      const more = j + 1 < argv.length
      if (is(arg, 'replace')) replace = true
      else if (is(arg, 'absttl')) absttl = true
      else if (is(arg, 'idletime') && more && !freq) {
        const n = parseI64(argv[++j]!)
        if (n === null) return Errors.notInteger
        if (n < 0n) return BAD_IDLETIME
        idle = true
      } else if (is(arg, 'freq') && more && !idle) {
        const n = parseI64(argv[++j]!)
        if (n === null) return Errors.notInteger
        if (n < 0n || n > 255n) return BAD_FREQ
        freq = true
      } else return Errors.syntax
    }
    const db = ctx.session.db
    const key = argv[1]!
    // Redis's order: the existing key, then the TTL, then the payload.
    if (!replace && db.peek(key) !== undefined) return BUSY_KEY
    const ttl = parseI64(argv[2]!)
    if (ttl === null) return Errors.notInteger
    if (ttl < 0n) return BAD_TTL
    const payload = argv[3]!
    if (!verifyPayload(payload)) return BAD_PAYLOAD
    const value = loadPayload(payload)
    if (value === null) return BAD_DATA
    // Redis picks a loaded hash's encoding by the limits, whatever the payload's type.
    if (value.type === 'hash') settleEncoding(value, hashLimits(ctx))
    const now = ctx.server.now()
    const when = ttl === 0n ? 0 : Math.min(Number(absttl ? ttl : ttl + BigInt(now)), MAX_EXPIRES_AT)
    // Already past (Redis's checkAlreadyExpired: when <= now): nothing is created, and REPLACE
    // has deleted the old key.
    if (when !== 0 && when <= now) {
      if (replace && db.delete(key)) db.notify(NOTIFY_GENERIC, 'del', key)
      return OK
    }
    // REPLACE deletes the old key and the payload is added anew (Redis's dbAdd): `new` either way
    // (set() emits it for a key it creates; a replaced one is looked up only when it is delivered).
    const replaced = replace && db.notifies(NOTIFY_NEW) && db.peek(key) !== undefined
    db.set(key, value, when)
    if (replaced) db.notify(NOTIFY_NEW, 'new', key)
    db.notify(NOTIFY_GENERIC, 'restore', key)
    return OK
  },
}
