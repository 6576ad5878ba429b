import { expect } from 'chai'
import fc from 'fast-check'
import { ReplyReader, UNREAD_BULK } from '../../src/bench/replyReader.js'
import { ReplyDecoder, ReplyProtocolError } from '../../src/protocol/reply-decoder.js'
import { NULL, OK, bulk, error, integer, simple, type Reply } from '../../src/protocol/reply.js'
import { anyReply, chunked, decodedForm, encode } from '../protocol/support.js'

// The reader must give exactly the ReplyDecoder's replies, whatever the chunking; the only
// allowed difference is that a bulk payload may come as a latin1 string instead of a Buffer.

/** Bulk and verbatim payloads as Buffers, at any depth, so both forms compare equal. */
const normalized = (reply: Reply): Reply => {
  switch (reply.kind) {
    case 'bulk':
      return { kind: 'bulk', value: typeof reply.value === 'string' ? Buffer.from(reply.value, 'latin1') : reply.value }
    case 'array':
    case 'set':
    case 'push':
      return { kind: reply.kind, value: reply.value.map(normalized) }
    case 'map':
      return { kind: 'map', value: reply.value.map(([k, v]) => [normalized(k), normalized(v)] as const) }
    default:
      return reply
  }
}

/**
 * Feeds the chunks through one read buffer that is overwritten with garbage after every read, as
 * a socket's reused buffer is: a reply that kept pointing into it would change.
 */
const readAll = (chunks: readonly Buffer[], values = true): Reply[] => {
  const reader = new ReplyReader({ values })
  const out: Reply[] = []
  const readBuffer = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)))
  for (const chunk of chunks) {
    chunk.copy(readBuffer)
    reader.read(readBuffer, chunk.length, out)
    readBuffer.fill(0x23)
  }
  return out.map(normalized)
}

const decodeAll = (chunks: readonly Buffer[]): Reply[] => {
  const decoder = new ReplyDecoder()
  return chunks.flatMap((c) => decoder.push(Buffer.from(c))).map(normalized)
}

const bytewise = (data: Buffer): Buffer[] => Array.from(data, (_, i) => data.subarray(i, i + 1))

const latin1Line = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '.'))

/** Mostly what a load run gets back (the fast path), with an aggregate now and then. */
const loadReply: fc.Arbitrary<Reply> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(OK) },
  { weight: 2, arbitrary: latin1Line.map(simple) },
  { weight: 2, arbitrary: latin1Line.map(error) },
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(integer) },
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }).map((u) => bulk(Buffer.from(u))) },
  { weight: 1, arbitrary: fc.constant(NULL) },
  { weight: 1, arbitrary: anyReply },
)

describe('ReplyReader', () => {
  for (const resp of [2, 3] as const) {
    it(`gives the full decoder's replies for any replies in any chunking (RESP${resp})`, () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(loadReply, anyReply), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (replies, cuts) => {
          const data = encode(replies, resp)
          const chunks = chunked(data, cuts)
          const expected = replies.map((r) => normalized(decodedForm(r, resp)))
          expect(decodeAll(chunks)).to.deep.equal(expected)
          expect(readAll(chunks)).to.deep.equal(expected)
        }),
        { numRuns: 300 },
      )
    })
  }

  it('without values, gives the same replies with each top-level bulk payload unread, in any chunking', () => {
    const kindOfBulks = (replies: Reply[]): Reply[] => replies.map((r) => (r.kind === 'bulk' ? UNREAD_BULK : r))
    fc.assert(
      fc.property(
        fc.array(fc.oneof(loadReply, fc.uint8Array({ minLength: 100, maxLength: 3000 }).map((u) => bulk(Buffer.from(u)))), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (replies, cuts) => {
          const chunks = chunked(encode(replies, 2), cuts)
          const expected = kindOfBulks(decodeAll(chunks))
          expect(kindOfBulks(readAll(chunks, false))).to.deep.equal(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('without values, skips a payload spread over many reads without holding it, and checks its CRLF', () => {
    const reader = new ReplyReader({ values: false })
    const out: Reply[] = []
    const feed = (text: string): void => reader.read(Buffer.from(text, 'latin1'), text.length, out)
    for (const read of ['$10\r\n0', '123456', '789\r\n:5\r\n']) feed(read)
    expect(out).to.deep.equal([UNREAD_BULK, { kind: 'integer', value: 5 }])
    expect(out[0]).to.equal(UNREAD_BULK)
    expect(reader.partial).to.equal(false)
    feed('$3\r\nab')
    expect(reader.partial).to.equal(true)
    expect(() => feed('c\r!')).to.throw(ReplyProtocolError)
  })

  it('agrees byte by byte and in one chunk on the replies a load run sees', () => {
    fc.assert(
      fc.property(fc.array(loadReply, { minLength: 1, maxLength: 30 }), (replies) => {
        const data = encode(replies, 2)
        const expected = decodeAll([data])
        expect(readAll([data])).to.deep.equal(expected)
        expect(readAll(bytewise(data))).to.deep.equal(expected)
      }),
      { numRuns: 200 },
    )
  })

  const raw: [string, string][] = [
    ['a simple string with a lone CR', '+a\rb\r\n+OK\r\n'],
    ['integers of 15, 16 and 19 digits', ':999999999999999\r\n:9007199254740993\r\n:-9223372036854775808\r\n'],
    ['a negative zero', ':-0\r\n:0\r\n'],
    ['a bulk holding CRLFs', '$4\r\n\r\n\r\n\r\n$0\r\n\r\n'],
    ['a null bulk and a null array', '$-1\r\n*-1\r\n$-1\r\n'],
    ['an error with spaces', '-WRONGTYPE Operation against a key\r\n:1\r\n'],
    ['RESP3 after simple replies', '+OK\r\n%1\r\n+a\r\n:1\r\n_\r\n#t\r\n+PONG\r\n'],
  ]
  for (const [name, text] of raw) {
    it(`agrees on ${name}, in one chunk and byte by byte`, () => {
      const data = Buffer.from(text, 'latin1')
      const expected = decodeAll([data])
      expect(readAll([data])).to.deep.equal(expected)
      expect(readAll(bytewise(data))).to.deep.equal(expected)
    })
  }

  const invalid = ['@x\r\n', '$x\r\n', '$-2\r\n', '$1\r\nab\r\n', ':1.5\r\n', ':\r\n', '$\r\n']
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)} as the full decoder does`, () => {
      const data = Buffer.from('+OK\r\n' + text, 'latin1')
      expect(() => new ReplyDecoder().push(data)).to.throw(ReplyProtocolError)
      expect(() => readAll([data])).to.throw(ReplyProtocolError)
    })
  }

  it('hands back the shared OK reply, and says when a reply is cut by the end of a read', () => {
    const reader = new ReplyReader()
    const out: Reply[] = []
    const data = Buffer.from('+OK\r\n$5\r\nab', 'latin1')
    reader.read(data, data.length, out)
    expect(out).to.have.length(1)
    expect(out[0]).to.equal(OK)
    expect(reader.partial).to.equal(true)
    const rest = Buffer.from('cde\r\n:7\r\n', 'latin1')
    reader.read(rest, rest.length, out)
    expect(out.map(normalized)).to.deep.equal([OK, { kind: 'bulk', value: Buffer.from('abcde') }, { kind: 'integer', value: 7 }])
    expect(reader.partial).to.equal(false)
  })

  it('reads only up to the given end of the buffer', () => {
    const reader = new ReplyReader()
    const out: Reply[] = []
    reader.read(Buffer.from(':1\r\n:2\r\n', 'latin1'), 4, out)
    expect(out).to.deep.equal([{ kind: 'integer', value: 1 }])
    expect(reader.partial).to.equal(false)
  })
})
