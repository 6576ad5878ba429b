// HELLO [protover [AUTH username password] [SETNAME clientname]]
import { EMPTY_ARRAY, bulk, error, integer, map, type Reply } from '../../protocol/reply.js'
import { cText, is, parseInteger } from '../args.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { INVALID_NAME, authenticate, isPrintableWord, passwordRequired } from './session-info.js'

const NOT_AN_INTEGER = error('ERR Protocol version is not an integer or out of range')
const NOPROTO = error('NOPROTO unsupported protocol version')
// Redis 7.0's wording (7.2 inserts "<proto>" after HELLO).
const NOAUTH = error(
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
)

const K = {
  server: bulk('server'),
  version: bulk('version'),
  proto: bulk('proto'),
  id: bulk('id'),
  mode: bulk('mode'),
  role: bulk('role'),
  modules: bulk('modules'),
}
const REDIS = bulk('redis')
const STANDALONE = bulk('standalone')
const MASTER = bulk('master')

/** The handshake reply: who we are and the connection's (possibly new) protocol and id. */
const helloReply = (ctx: CommandContext): Reply =>
  map([
    [K.server, REDIS],
    [K.version, bulk(ctx.server.version)],
    [K.proto, integer(ctx.session.resp)],
    [K.id, integer(ctx.session.id)],
    [K.mode, STANDALONE],
    [K.role, MASTER],
    [K.modules, EMPTY_ARRAY],
  ])

export const hello: CommandSpec = {
  name: 'hello',
  arity: -1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Handshake with Redis',
  since: '6.0.0',
  complexity: 'O(1)',
  syntax: '[protover [AUTH username password] [SETNAME clientname]]',
  // AUTH's user name and password, wherever an AUTH option is read (as Redis's helloCommand).
  redact: (argv) => {
    const out: number[] = []
    for (let i = 2; i < argv.length; i++) {
      if (is(argv[i]!, 'auth') && argv.length - 1 - i >= 2) {
        out.push(i + 1, i + 2)
        i += 2
      } else if (is(argv[i]!, 'setname')) i++
    }
    return out
  },
  execute(ctx, argv): Reply {
    let protover: 2 | 3 | undefined
    if (argv.length >= 2) {
      const v = parseInteger(argv[1]!)
      if (v === null) return NOT_AN_INTEGER
      if (v !== 2 && v !== 3) return NOPROTO
      protover = v
    }
    let name: Buffer | undefined
    // Options act as they are read, as in Redis: AUTH authenticates there and then, and SETNAME's
    // name is checked there, so either one's error comes before a later option's syntax error.
    // The name is set only once the whole command succeeds (Redis 7.2; 7.0 set it at once).
    for (let i = 2; i < argv.length; i++) {
      const more = argv.length - 1 - i
      if (is(argv[i]!, 'auth') && more >= 2) {
        const failed = authenticate(ctx, argv[i + 1]!, argv[i + 2]!)
        if (failed !== undefined) return failed
        i += 2
      } else if (is(argv[i]!, 'setname') && more >= 1) {
        name = argv[++i]!
        if (!isPrintableWord(name)) return INVALID_NAME
      } else {
        return error(`ERR Syntax error in HELLO option '${cText(argv[i]!)}'`)
      }
    }
    if (!ctx.session.authenticated && passwordRequired(ctx)) return NOAUTH
    if (name !== undefined) ctx.session.name = name.toString('latin1')
    if (protover !== undefined) ctx.session.resp = protover
    return helloReply(ctx)
  },
}
