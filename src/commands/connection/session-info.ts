// What several connection commands share: Redis's rule for client names and library attributes,
// the CLIENT LIST/INFO line, and authentication of the default user against `requirepass`.

import { timingSafeEqual } from 'node:crypto'
import { Errors, error, type Reply } from '../../protocol/reply.js'
import type { ClientHandle, CommandContext, Session } from '../spec.js'

/** Names and library attributes must keep CLIENT LIST splittable on spaces: '!'..'~' only. */
export const isPrintableWord = (value: Buffer): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    if (c < 33 || c > 126) return false
  }
  return true
}

export const INVALID_NAME = error('ERR Client names cannot contain spaces, newlines or special characters.')

/** Node sockets expose no file descriptor; Redis's first client descriptor is a plausible stand-in. */
const FD = 8

/** One CLIENT LIST line (without the trailing newline), in Redis 7.2's field order. */
export const clientLine = (session: Session, now: number, handle?: ClientHandle): string => {
  const omem = handle?.pendingOutputBytes ?? 0
  const qbuf = handle?.queryBufferBytes ?? 0
  return (
    `id=${session.id} addr=${session.addr} laddr=${session.laddr} fd=${FD} name=${session.name}` +
    ` age=${Math.max(0, Math.floor((now - session.createdAt) / 1000))}` +
    ` idle=${Math.max(0, Math.floor((now - session.lastInteraction) / 1000))}` +
    ` flags=N db=${session.dbIndex} sub=0 psub=0 ssub=0 multi=-1 qbuf=${qbuf} qbuf-free=0 argv-mem=0 multi-mem=0` +
    ` rbs=0 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${omem + qbuf} events=r cmd=${session.lastCommand || 'NULL'}` +
    ` user=${session.user} redir=-1 resp=${session.resp} lib-name=${session.libName} lib-ver=${session.libVer}`
  )
}

/** The only user until ACLs exist: `default`, whose password is `requirepass` (none when empty). */
const DEFAULT_USER = 'default'

const NO_PASSWORD_CONFIGURED = error(
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
)

/** Whether a new or reset connection must authenticate before most commands. */
export const passwordRequired = (ctx: CommandContext): boolean => ctx.server.config.string('requirepass') !== ''

/**
 * AUTH's check, shared with HELLO … AUTH. `username` is undefined for the one-argument form.
 * On success marks the session authenticated and returns undefined; a failure leaves the session
 * as it was (Redis does not log a client out on a wrong password).
 */
export const authenticate = (ctx: CommandContext, username: Buffer | undefined, password: Buffer): Reply | undefined => {
  const requirepass = ctx.server.config.string('requirepass')
  if (username !== undefined && username.toString('latin1') !== DEFAULT_USER) return Errors.wrongPass
  if (requirepass === '') {
    // The default user is `nopass`: any password works, but the legacy form is a likely mistake.
    if (username === undefined) return NO_PASSWORD_CONFIGURED
  } else {
    // Config strings hold bytes as latin1 (CONFIG SET converts that way), so compare as bytes.
    const expected = Buffer.from(requirepass, 'latin1')
    if (expected.length !== password.length || !timingSafeEqual(expected, password)) return Errors.wrongPass
  }
  ctx.session.authenticated = true
  ctx.session.user = DEFAULT_USER
  return undefined
}
