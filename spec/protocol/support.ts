// Shared by the protocol and pipeline specs: arbitrary Reply trees, the shape a ReplyDecoder gives
// back for each (per protocol), and small encode helpers.

import fc from 'fast-check'
import { ReplyWriter, encodeReply } from '../../src/protocol/encoder.js'
import { formatDouble } from '../../src/protocol/format.js'
import {
  NULL,
  NULL_ARRAY,
  array,
  attribute,
  bignum,
  boolean,
  bulk,
  double,
  error,
  integer,
  map,
  push,
  set,
  simple,
  verbatim,
  type Reply,
} from '../../src/protocol/reply.js'

export const encode = (replies: Reply | readonly Reply[], resp: 2 | 3): Buffer => {
  const writer = new ReplyWriter()
  for (const r of Array.isArray(replies) ? replies : [replies as Reply]) encodeReply(writer, r, resp)
  return Buffer.concat(writer.take())
}

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 })
const bytes = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u))

export const leafReply: fc.Arbitrary<Reply> = fc.oneof(
  latin1.map(simple),
  latin1.map(error),
  fc.integer().map(integer),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(integer),
  bytes.map(bulk),
  latin1.map(bulk),
  fc.constant(NULL),
  fc.constant(NULL_ARRAY),
  fc.double().map(double),
  fc.boolean().map(boolean),
  fc.bigInt().map(bignum),
  fc.tuple(fc.oneof(latin1, bytes), fc.constantFrom('txt', 'mkd')).map(([v, f]) => verbatim(v, f)),
)

export const anyReply: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafReply,
    fc.array(tie('reply'), { maxLength: 5 }).map(array),
    fc.array(fc.tuple(tie('reply'), tie('reply')), { maxLength: 4 }).map(map),
    fc.array(tie('reply'), { maxLength: 5 }).map(set),
    fc.array(tie('reply'), { maxLength: 5 }).map(push),
    fc.tuple(fc.array(fc.tuple(tie('reply'), tie('reply')), { maxLength: 3 }), tie('reply')).map(([pairs, r]) => attribute(pairs, r)),
  ),
})).reply

const lineSafe = (s: string): string => s.replace(/[\r\n]/g, ' ')
const asBuffer = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v, 'latin1') : v)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** What a ReplyDecoder yields for `encode(reply, resp)`. */
export const decodedForm = (reply: Reply, resp: 2 | 3): Reply => {
  const r = (x: Reply): Reply => decodedForm(x, resp)
  switch (reply.kind) {
    case 'none':
      throw new Error('a NoReply has no wire form, so nothing decodes to it')
    case 'sequence':
      throw new Error('a SequenceReply is several replies on the wire, not one')
    case 'simple':
      return { kind: 'simple', value: lineSafe(reply.value) }
    case 'error':
      return { kind: 'error', value: lineSafe(reply.value) }
    case 'integer': {
      const v = reply.value
      if (typeof v === 'bigint') return { kind: 'integer', value: v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v }
      return { kind: 'integer', value: Number.isSafeInteger(v) ? v : BigInt(v) }
    }
    case 'bulk':
      return { kind: 'bulk', value: asBuffer(reply.value) }
    case 'null':
      return { kind: 'null' }
    case 'nullArray':
      return resp === 3 ? { kind: 'null' } : { kind: 'nullArray' }
    case 'array':
      return { kind: 'array', value: reply.value.map(r) }
    case 'map':
      return resp === 3
        ? { kind: 'map', value: reply.value.map(([k, v]) => [r(k), r(v)] as const) }
        : { kind: 'array', value: reply.value.flatMap(([k, v]) => [r(k), r(v)]) }
    case 'set':
      return { kind: resp === 3 ? 'set' : 'array', value: reply.value.map(r) }
    case 'push':
      return { kind: resp === 3 ? 'push' : 'array', value: reply.value.map(r) }
    case 'double':
      return resp === 3 ? { kind: 'double', value: reply.value } : { kind: 'bulk', value: Buffer.from(formatDouble(reply.value)) }
    case 'boolean':
      return resp === 3 ? reply : { kind: 'integer', value: reply.value ? 1 : 0 }
    case 'bignum':
      return resp === 3 ? reply : { kind: 'bulk', value: Buffer.from(reply.value.toString()) }
    case 'verbatim':
      return resp === 3
        ? { kind: 'verbatim', format: reply.format, value: asBuffer(reply.value) }
        : { kind: 'bulk', value: asBuffer(reply.value) }
    case 'attribute':
      // The decoder reads attributes and yields the reply they describe.
      return r(reply.reply)
  }
}

/** Splits `data` at the given offsets (taken modulo its length + 1). */
export const chunked = (data: Buffer, cuts: readonly number[]): Buffer[] => {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((x, y) => x - y)
  const chunks: Buffer[] = []
  let from = 0
  for (const p of points) {
    chunks.push(data.subarray(from, p))
    from = p
  }
  chunks.push(data.subarray(from))
  return chunks
}
