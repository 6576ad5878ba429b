// CLIENT TRACKING <ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
import { OK, Errors, error, type Reply } from '../../protocol/reply.js'
import { cText, is, parseInteger } from '../args.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const SINGLE_REDIRECT = error('ERR A client can only redirect to a single other client')
const NO_SUCH_CLIENT = error('ERR The client ID you want redirect to does not exist')
const PREFIX_NEEDS_BCAST = error('ERR PREFIX option requires BCAST mode to be enabled')
const BCAST_SWITCH = error(
  "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
)
const OPT_WITH_BCAST = error('ERR OPTIN and OPTOUT are not compatible with BCAST')
const OPTIN_AND_OPTOUT = error("ERR You can't specify both OPTIN mode and OPTOUT mode")
const OPT_SWITCH = error(
  "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
)

/** Whether one prefix is a prefix of the other: both would see the same keys (stringCheckPrefix). */
const overlap = (a: Buffer, b: Buffer): boolean => {
  const n = Math.min(a.length, b.length)
  return a.subarray(0, n).equals(b.subarray(0, n))
}

/**
 * Redis's checkPrefixCollisionsOrReply: no new prefix may overlap one the client has or another
 * new one. (Redis 7.0 goes on after an overlap among the new prefixes found past the first one,
 * answering twice; here the error is the only answer.)
 */
const prefixCollision = (ctx: CommandContext, prefixes: readonly Buffer[]): Reply | undefined => {
  const existing = [...(ctx.session.tracking?.prefixes ?? [])].sort().map((p) => Buffer.from(p, 'latin1'))
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!
    for (const old of existing) {
      if (overlap(old, p)) {
        return error(`ERR Prefix '${cText(p)}' overlaps with an existing prefix '${cText(old)}'. Prefixes for a single client must not overlap.`)
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlap(p, prefixes[j]!)) {
        return error(`ERR Prefix '${cText(p)}' overlaps with another provided prefix '${cText(prefixes[j]!)}'. Prefixes for a single client must not overlap.`)
      }
    }
  }
  return undefined
}

export const clientTracking: CommandSpec = {
  name: 'client|tracking',
  arity: -3,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Enable or disable server assisted client side caching support',
  since: '6.0.0',
  complexity: 'O(1). Some options may introduce additional complexity.',
  syntax: '<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]',
  /**
   * As Redis's clientCommand: the options are parsed first (REDIRECT's client must exist now, in
   * this tenant), then ON checks them against each other and against the client's current mode.
   */
  execute(ctx, argv): Reply {
    let redirect = 0
    let bcast = false
    let optin = false
    let optout = false
    let noloop = false
    const prefixes: Buffer[] = []
    for (let j = 3; j < argv.length; j++) {
      const option = argv[j]!
      const more = j < argv.length - 1
      if (more && is(option, 'redirect')) {
        j++
        if (redirect !== 0) return SINGLE_REDIRECT
        const id = parseInteger(argv[j]!)
        if (id === null) return Errors.notInteger
        const target = ctx.server.clients.byId(id)
        // Another tenant's connections do not exist for this one.
        if (target === undefined || target.session.tenant !== ctx.session.tenant) return NO_SUCH_CLIENT
        redirect = id
      } else if (is(option, 'bcast')) bcast = true
      else if (is(option, 'optin')) optin = true
      else if (is(option, 'optout')) optout = true
      else if (is(option, 'noloop')) noloop = true
      else if (more && is(option, 'prefix')) prefixes.push(Buffer.from(argv[++j]!))
      else return Errors.syntax
    }
    const mode = argv[2]!
    if (is(mode, 'off')) {
      ctx.server.tracking.disable(ctx.session)
      return OK
    }
    if (!is(mode, 'on')) return Errors.syntax
    const current = ctx.session.tracking
    if (!bcast && prefixes.length > 0) return PREFIX_NEEDS_BCAST
    if (current !== undefined && current.bcast !== bcast) return BCAST_SWITCH
    if (bcast && (optin || optout)) return OPT_WITH_BCAST
    if (optin && optout) return OPTIN_AND_OPTOUT
    if ((optin && current?.optout === true) || (optout && current?.optin === true)) return OPT_SWITCH
    if (bcast) {
      const collision = prefixCollision(ctx, prefixes)
      if (collision !== undefined) return collision
    }
    ctx.server.tracking.enable(ctx, redirect, { bcast, optin, optout, noloop }, prefixes)
    return OK
  },
}
