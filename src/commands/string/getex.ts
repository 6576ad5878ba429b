// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
import { NULL, bulk, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { is } from '../args.js'
import { parseExpire, type ExpireUnit } from './set.js'
import { NOTIFY_GENERIC } from '../../storage/keyspace-events.js'

const EXPIRE_UNITS: readonly ExpireUnit[] = ['ex', 'px', 'exat', 'pxat']

export const getex: CommandSpec = {
  name: 'getex',
  arity: -2,
  flags: ['write', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Get the value of a key and optionally set its expiration',
  since: '6.2.0',
  complexity: 'O(1)',
  syntax: 'key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]',
  execute(ctx, argv): Reply {
    // Redis's order: option syntax, then the key (missing → nil, wrong type), then the time value.
    let persist = false
    let unit: ExpireUnit | undefined
    let expireArg: Buffer | undefined
    for (let i = 2; i < argv.length; i++) {
      const opt = argv[i]!
      if (is(opt, 'persist') && unit === undefined) {
        persist = true
        continue
      }
      // Repeating the same expiry option is allowed (the last one wins); mixing two is not.
      const found = EXPIRE_UNITS.find((u) => is(opt, u))
      if (found === undefined || i + 1 === argv.length || persist || (unit !== undefined && unit !== found)) {
        return Errors.syntax
      }
      unit = found
      expireArg = argv[++i]!
    }

    const db = ctx.session.db
    const key = argv[1]!
    const entry = db.get(key)
    if (entry === undefined) return NULL
    if (entry.value.type !== 'string') return Errors.wrongType
    const reply = bulk(entry.value.data)

    if (expireArg !== undefined) {
      const now = ctx.server.now()
      const expiresAt = parseExpire(expireArg, unit!, now, 'getex')
      if (typeof expiresAt !== 'number') return expiresAt
      if (expiresAt <= now) {
        db.delete(key)
        db.notify(NOTIFY_GENERIC, 'del', key)
      } else {
        db.setExpiry(key, expiresAt)
        db.notify(NOTIFY_GENERIC, 'expire', key)
      }
    } else if (persist && entry.expiresAt !== 0) {
      db.setExpiry(key, 0)
      db.notify(NOTIFY_GENERIC, 'persist', key)
    }
    return reply
  },
}
