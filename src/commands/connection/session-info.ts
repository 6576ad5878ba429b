// What several connection commands share: Redis's rule for client names and library attributes,
// the CLIENT LIST/INFO line, and authentication of the default user against `requirepass`.

import { Errors, error, type Reply } from '../../protocol/reply.js'
import { DEFAULT_USER, type ClientHandle, type CommandContext, type Session } from '../spec.js'

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

/**
 * Redis's flags letters, in its order: O while monitoring, P while subscribed, x inside MULTI, t
 * while tracking keys, R once its redirection was found gone, B in BCAST mode, d once a watched
 * key changed, N for none.
 */
const clientFlags = (session: Session): string => {
  const tracking = session.tracking
  const flags =
    (session.monitoring ? 'O' : '') + (session.pubsub === undefined ? '' : 'P') + (session.multi === undefined ? '' : 'x') +
    (tracking === undefined ? '' : 't' + (tracking.brokenRedirect ? 'R' : '') + (tracking.bcast ? 'B' : '')) +
    (session.watching?.broken === true ? 'd' : '')
  return flags === '' ? 'N' : flags
}

/** One CLIENT LIST line (without the trailing newline), in Redis 7.2's field order. */
export const clientLine = (session: Session, now: number, handle?: ClientHandle): string => {
  const subs = session.pubsub
  const omem = handle?.pendingOutputBytes ?? 0
  const qbuf = handle?.queryBufferBytes ?? 0
  return (
    `id=${session.id} addr=${session.addr} laddr=${session.laddr} fd=${FD} name=${session.name}` +
    ` age=${Math.max(0, Math.floor((now - session.createdAt) / 1000))}` +
    ` idle=${Math.max(0, Math.floor((now - session.lastInteraction) / 1000))}` +
    ` flags=${clientFlags(session)} db=${session.dbIndex} sub=${subs?.channels.size ?? 0} psub=${subs?.patterns.size ?? 0} ssub=${subs?.shardChannels.size ?? 0} multi=${session.multi?.commands.length ?? -1} qbuf=${qbuf} qbuf-free=0 argv-mem=0 multi-mem=0` +
    ` rbs=0 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${omem + qbuf} events=r cmd=${session.lastCommand || 'NULL'}` +
    ` user=${session.user} redir=${session.tracking?.redirect ?? -1} resp=${session.resp} lib-name=${session.libName} lib-ver=${session.libVer}`
  )
}

/** The connections a client may see and kill: all for the admin, its tenant's own for a tenant. */
export const visibleClients = (ctx: CommandContext): ClientHandle[] => {
  const all = [...ctx.server.clients.all()]
  const session = ctx.session
  return session.admin ? all : all.filter((handle) => handle.session.tenant === session.tenant)
}

const NO_PASSWORD_CONFIGURED = error(
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
)

/** Whether a new or reset connection must authenticate before most commands. */
export const passwordRequired = (ctx: CommandContext): boolean => ctx.server.config.string('requirepass') !== ''

/**
 * AUTH's check, shared with HELLO … AUTH. `username` is undefined for the one-argument form,
 * which (like `default`) is the admin, whose password is `requirepass`; any other user name is a
 * tenant id. On success the connection works in that tenant (the admin's: the default one) and
 * returns undefined; a failure leaves the session as it was (Redis does not log a client out on
 * a wrong password).
 */
export const authenticate = (ctx: CommandContext, username: Buffer | undefined, password: Buffer): Reply | undefined => {
  const session = ctx.session
  const tenants = ctx.server.tenants
  // The default user is `nopass` without requirepass, but the legacy form is a likely mistake.
  if (username === undefined && !passwordRequired(ctx)) return NO_PASSWORD_CONFIGURED
  const user = username === undefined ? DEFAULT_USER : username.toString('latin1')
  if (!tenants.checkPassword(session, user, password)) return Errors.wrongPass
  const tenant = user === DEFAULT_USER ? tenants.default : tenants.get(user)!
  // Subscriptions belong to the tenant they were made in: another tenant's channels start afresh.
  // So do tracking's redirections and remembered keys (its table is the tenant's).
  if (tenant !== session.tenant) {
    ctx.server.pubsub.unsubscribeAll(session)
    ctx.server.tracking.disable(session)
  }
  session.authenticated = true
  session.user = user
  session.admin = user === DEFAULT_USER
  session.tenant = tenant
  session.db = tenant.databases[session.dbIndex]!
  return undefined
}
