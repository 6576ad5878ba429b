// DEBUG PROTOCOL string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false
import {
  array, attribute, bignum, boolean, bulk, double, error, integer, map, NULL, push, sequence, set, verbatim, type Reply,
} from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

const THREE = [integer(0), integer(1), integer(2)]

/**
 * Redis's test value of each type. The encoder writes each in the connection's protocol (RESP2
 * fallbacks: a bulk string for double, bignum and verbatim, 1 and 0 for booleans, flat arrays).
 */
const VALUES: Record<string, Reply> = {
  string: bulk('Hello World'),
  integer: integer(12345),
  double: double(3.141),
  bignum: bignum(1234567999999999999999999999999999999n),
  null: NULL,
  array: array(THREE),
  set: set(THREE),
  map: map(THREE.map((n, j) => [n, boolean(j === 1)] as const)),
  // Attributes are no reply of their own: a real one follows (RESP2 gets only that).
  attrib: attribute([[bulk('key-popularity'), array([bulk('key:123'), integer(90)])]], bulk('Some real reply following the attribute')),
  true: boolean(true),
  false: boolean(false),
  verbatim: verbatim('This is a verbatim\nstring'),
}

/** A push is out of band: a normal reply follows it, so that a client waiting for one goes on. */
const PUSH = sequence([push([bulk('server-cpu-usage'), integer(42)]), bulk('Some real reply following the push reply')])
const NO_PUSH_IN_RESP2 = error('ERR RESP2 is not supported by this command')
const WRONG_TYPE = error(
  'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
)

export const debugProtocol: CommandSpec = {
  name: 'debug|protocol',
  arity: 3,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Reply with a test value of the given RESP type',
  since: '6.0.0',
  complexity: 'O(1)',
  syntax: 'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
  execute(ctx, argv): Reply {
    const name = argv[2]!.toString('latin1').toLowerCase()
    // Redis refuses a push to a RESP2 client rather than send one it cannot tell from a reply.
    if (name === 'push') return ctx.session.resp === 2 ? NO_PUSH_IN_RESP2 : PUSH
    return Object.hasOwn(VALUES, name) ? VALUES[name]! : WRONG_TYPE
  },
}
