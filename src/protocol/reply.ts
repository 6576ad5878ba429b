// Semantic replies. Commands return these; only the encoder decides how each looks on the wire
// in RESP2 or RESP3 (a map is a flat array in RESP2, a double a bulk string, and so on).

import { inReadBuffer } from './read-buffer.js'

export type Reply =
  | SimpleReply
  | ErrorReply
  | IntegerReply
  | BulkReply
  | NullReply
  | NullArrayReply
  | ArrayReply
  | MapReply
  | SetReply
  | DoubleReply
  | BooleanReply
  | BigNumberReply
  | VerbatimReply
  | PushReply
  | AttributeReply
  | SequenceReply
  | NoReply

export interface SimpleReply { readonly kind: 'simple'; readonly value: string }
/** `value` is the whole error line without the leading '-', e.g. `ERR syntax error`. */
export interface ErrorReply { readonly kind: 'error'; readonly value: string }
export interface IntegerReply { readonly kind: 'integer'; readonly value: number | bigint }
/**
 * Strings are written as latin1 so that binary keys kept as latin1 strings round-trip. A
 * `transient` value is a view of storage that holds only for the current synchronous pass of the
 * event loop (Keyspace.getForReply): the reply must be encoded within it, or detached first.
 */
export interface BulkReply { readonly kind: 'bulk'; readonly value: Buffer | string; readonly transient?: true }
/** RESP2 `$-1`, RESP3 `_`. */
export interface NullReply { readonly kind: 'null' }
/** RESP2 `*-1`, RESP3 `_`. */
export interface NullArrayReply { readonly kind: 'nullArray' }
/**
 * `resps`, when set, is the protocol each element is written in, whatever the connection's is
 * when the array is: EXEC's, when a HELLO among its commands switched the protocol (Redis
 * writes each queued command's reply as it runs).
 */
export interface ArrayReply { readonly kind: 'array'; readonly value: readonly Reply[]; readonly resps?: readonly (2 | 3)[] }
/**
 * RESP2 writes a map as a flat array of alternating keys and values. With `pairs`, RESP3 writes
 * it as an array of two-element arrays rather than a map (HRANDFIELD WITHVALUES: the same field
 * may come twice).
 */
export interface MapReply { readonly kind: 'map'; readonly value: readonly (readonly [Reply, Reply])[]; readonly pairs?: true }
export interface SetReply { readonly kind: 'set'; readonly value: readonly Reply[] }
/** RESP2 writes a double as a bulk string. */
export interface DoubleReply { readonly kind: 'double'; readonly value: number }
/** RESP2 writes a boolean as the integer 1 or 0. */
export interface BooleanReply { readonly kind: 'boolean'; readonly value: boolean }
export interface BigNumberReply { readonly kind: 'bignum'; readonly value: bigint }
/** `format` is three characters (`txt`, `mkd`); RESP2 writes only the text, as a bulk string. */
export interface VerbatimReply { readonly kind: 'verbatim'; readonly format: string; readonly value: Buffer | string }
/** Out-of-band data (RESP3 `>`); RESP2 writes it as an array. */
export interface PushReply { readonly kind: 'push'; readonly value: readonly Reply[] }
/**
 * Out-of-band metadata (RESP3 `|`) about `reply`, which follows it on the wire: a client reads
 * the attributes and then the real reply. RESP2 has no attributes: only `reply` is written.
 */
export interface AttributeReply {
  readonly kind: 'attribute'
  readonly value: readonly (readonly [Reply, Reply])[]
  readonly reply: Reply
}
/**
 * Several replies written one after another for one command: SUBSCRIBE answers once per channel,
 * as Redis does, so a client reads as many replies as the command named channels.
 */
export interface SequenceReply { readonly kind: 'sequence'; readonly value: readonly Reply[] }
/** Nothing on the wire: a successful SHUTDOWN closes the connection without answering, as Redis. */
export interface NoReply { readonly kind: 'none' }

// Constructors. Shared immutable instances for the replies that recur on the hot path.

export const OK: SimpleReply = { kind: 'simple', value: 'OK' }
export const PONG: SimpleReply = { kind: 'simple', value: 'PONG' }
export const QUEUED: SimpleReply = { kind: 'simple', value: 'QUEUED' }
export const NULL: NullReply = { kind: 'null' }
export const NULL_ARRAY: NullArrayReply = { kind: 'nullArray' }
export const NO_REPLY: NoReply = { kind: 'none' }
export const EMPTY_ARRAY: ArrayReply = { kind: 'array', value: [] }

const SMALL_INTS: IntegerReply[] = Array.from({ length: 10_001 }, (_, i) => ({ kind: 'integer', value: i - 1 }))

export const simple = (value: string): SimpleReply => ({ kind: 'simple', value })
export const error = (value: string): ErrorReply => ({ kind: 'error', value })
export const integer = (value: number | bigint): IntegerReply =>
  typeof value === 'number' && value >= -1 && value < 10_000 && Number.isInteger(value)
    ? SMALL_INTS[value + 1]!
    : { kind: 'integer', value }
export const bulk = (value: Buffer | string): BulkReply => ({ kind: 'bulk', value })
/** A bulk reply of bytes from Keyspace.getForReply (see BulkReply). */
export const transientBulk = (value: Buffer): BulkReply => ({ kind: 'bulk', value, transient: true })
export const array = (value: readonly Reply[]): ArrayReply => ({ kind: 'array', value })
export const map = (value: readonly (readonly [Reply, Reply])[]): MapReply => ({ kind: 'map', value })
export const set = (value: readonly Reply[]): SetReply => ({ kind: 'set', value })
/** Key-value pairs: a flat array in RESP2, an array of pairs in RESP3 (see MapReply). */
export const pairs = (value: readonly (readonly [Reply, Reply])[]): MapReply => ({ kind: 'map', value, pairs: true })
export const double = (value: number): DoubleReply => ({ kind: 'double', value })
export const boolean = (value: boolean): BooleanReply => ({ kind: 'boolean', value })
export const bignum = (value: bigint): BigNumberReply => ({ kind: 'bignum', value })
export const verbatim = (value: Buffer | string, format = 'txt'): VerbatimReply => ({ kind: 'verbatim', format, value })
export const push = (value: readonly Reply[]): PushReply => ({ kind: 'push', value })
export const attribute = (value: readonly (readonly [Reply, Reply])[], reply: Reply): AttributeReply => ({ kind: 'attribute', value, reply })
export const sequence = (value: readonly Reply[]): SequenceReply => ({ kind: 'sequence', value })

/** A map whose keys are simple strings, as Redis uses for HELLO, CLIENT INFO-like records. */
export const record = (fields: Record<string, Reply>): MapReply =>
  map(Object.entries(fields).map(([k, v]) => [bulk(k), v] as const))

/** Redis's standard error texts, so every command words them the same way. */
export const Errors = {
  syntax: error('ERR syntax error'),
  notInteger: error('ERR value is not an integer or out of range'),
  /** Redis's getIntFromObjectOrReply for a 64-bit integer outside the C int range. */
  notInt32: error('ERR value is out of range, value must between -2147483648 and 2147483647'),
  notFloat: error('ERR value is not a valid float'),
  wrongType: error('WRONGTYPE Operation against a key holding the wrong kind of value'),
  noSuchKey: error('ERR no such key'),
  /** Redis's shared.sameobjecterr (MOVE and COPY onto their source). */
  sameObject: error('ERR source and destination objects are the same'),
  overflow: error('ERR increment or decrement would overflow'),
  noAuth: error('NOAUTH Authentication required.'),
  wrongPass: error('WRONGPASS invalid username-password pair or user is disabled.'),
  invalidExpire: (command: string) => error(`ERR invalid expire time in '${command}' command`),
  wrongArity: (command: string) => error(`ERR wrong number of arguments for '${command}' command`),
  unknownSubcommand: (sub: string, container: string) =>
    error(`ERR unknown subcommand '${sub}'. Try ${container.toUpperCase()} HELP.`),
  /** addReplySubcommandSyntaxError: a command that parses its subcommands itself (DEBUG). */
  subcommandSyntax: (sub: string, container: string) =>
    error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${container.toUpperCase()} HELP.`),
} as const

/**
 * Whether a value holds only for the current pass: a view of storage (transient), or of the
 * socket-read buffer (an argument given back, as ECHO does).
 */
const passing = (r: BulkReply | VerbatimReply): boolean =>
  (r.kind === 'bulk' && r.transient === true) || (typeof r.value !== 'string' && inReadBuffer(r.value))

/** The reply with every transient bulk value copied, so it may be held past the current pass. */
export const detach = (r: Reply): Reply => {
  switch (r.kind) {
    case 'bulk':
      return passing(r) ? bulk(Buffer.from(r.value as Buffer)) : r
    case 'verbatim':
      return passing(r) ? verbatim(Buffer.from(r.value as Buffer), r.format) : r
    case 'array':
    case 'set':
    case 'push':
    case 'sequence': {
      let copy: Reply[] | undefined
      for (let i = 0; i < r.value.length; i++) {
        const d = detach(r.value[i]!)
        if (d !== r.value[i]) (copy ??= [...r.value])[i] = d
      }
      if (copy === undefined) return r
      return r.kind === 'array' && r.resps !== undefined ? { kind: 'array', value: copy, resps: r.resps } : { kind: r.kind, value: copy }
    }
    case 'attribute': {
      const inner = detach(r.reply)
      const pairs = detach(map(r.value)) as MapReply
      return inner === r.reply && pairs.value === r.value ? r : attribute(pairs.value, inner)
    }
    case 'map': {
      let copy: (readonly [Reply, Reply])[] | undefined
      for (let i = 0; i < r.value.length; i++) {
        const [k, v] = r.value[i]!
        const dk = detach(k)
        const dv = detach(v)
        if (dk !== k || dv !== v) (copy ??= [...r.value])[i] = [dk, dv]
      }
      return copy === undefined ? r : r.pairs === true ? pairs(copy) : map(copy)
    }
    default:
      return r
  }
}

/**
 * Copies the transient values among `replies` in place: whoever keeps replies beyond the pass
 * that produced them (a batch held for the WAL, or paused for staging) calls it first.
 */
export const detachReplies = (replies: Reply[]): void => {
  for (let i = 0; i < replies.length; i++) replies[i] = detach(replies[i]!)
}
