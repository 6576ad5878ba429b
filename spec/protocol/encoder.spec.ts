import { expect } from 'chai'
import fc from 'fast-check'
import { ReplyWriter, encodeReply } from '../../src/protocol/encoder.js'
import { POISON, READ_BUFFER } from '../../src/protocol/read-buffer.js'
import { ReplyDecoder, ReplyProtocolError } from '../../src/protocol/reply-decoder.js'
import {
  EMPTY_ARRAY,
  NULL,
  NULL_ARRAY,
  NO_REPLY,
  OK,
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
  record,
  set,
  simple,
  verbatim,
  type Reply,
} from '../../src/protocol/reply.js'
import { anyReply, chunked, decodedForm, encode } from './support.js'

const text = (buf: Buffer): string => buf.toString('latin1')

// [name, reply, RESP2 bytes, RESP3 bytes]. Rows marked "Redis:" are byte for byte what
// redis-server 7.0.15 sends for the same reply (DEBUG PROTOCOL, HELLO, error replies).
const table: [string, Reply, string, string][] = [
  ['Redis: status', OK, '+OK\r\n', '+OK\r\n'],
  ['Redis: error', error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['Redis: CR and LF in an error become spaces', error('ERR a\r\nb'), '-ERR a  b\r\n', '-ERR a  b\r\n'],
  ['CR and LF in a status become spaces', simple('a\nb\rc'), '+a b c\r\n', '+a b c\r\n'],
  ['Redis: integer', integer(12345), ':12345\r\n', ':12345\r\n'],
  ['negative integer', integer(-1), ':-1\r\n', ':-1\r\n'],
  ['64-bit integer as bigint', integer(-(2n ** 63n)), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['Redis: bulk', bulk(Buffer.from('Hello World')), '$11\r\nHello World\r\n', '$11\r\nHello World\r\n'],
  ['empty bulk', bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
  ['latin1 string bulk keeps bytes', bulk('\xff\x00\r\n'), '$4\r\n\xff\x00\r\n\r\n', '$4\r\n\xff\x00\r\n\r\n'],
  ['Redis: null', NULL, '$-1\r\n', '_\r\n'],
  ['null array', NULL_ARRAY, '*-1\r\n', '_\r\n'],
  ['empty array', EMPTY_ARRAY, '*0\r\n', '*0\r\n'],
  ['Redis: array', array([integer(0), integer(1), integer(2)]), '*3\r\n:0\r\n:1\r\n:2\r\n', '*3\r\n:0\r\n:1\r\n:2\r\n'],
  [
    'nested arrays with nulls',
    array([integer(1), array([bulk('a'), NULL, NULL_ARRAY]), EMPTY_ARRAY]),
    '*3\r\n:1\r\n*3\r\n$1\r\na\r\n$-1\r\n*-1\r\n*0\r\n',
    '*3\r\n:1\r\n*3\r\n$1\r\na\r\n_\r\n_\r\n*0\r\n',
  ],
  ['Redis: set', set([integer(0), integer(1), integer(2)]), '*3\r\n:0\r\n:1\r\n:2\r\n', '~3\r\n:0\r\n:1\r\n:2\r\n'],
  [
    'Redis: map',
    map([
      [integer(0), boolean(false)],
      [integer(1), boolean(true)],
      [integer(2), boolean(false)],
    ]),
    '*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n',
    '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n',
  ],
  ['empty map', map([]), '*0\r\n', '%0\r\n'],
  [
    'Redis: the HELLO record',
    record({
      server: bulk('redis'),
      version: bulk('7.0.15'),
      proto: integer(2),
      id: integer(29),
      mode: bulk('standalone'),
      role: bulk('master'),
      modules: EMPTY_ARRAY,
    }),
    '*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:29\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n',
    '%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:29\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n',
  ],
  ['Redis: double', double(3.141), '$5\r\n3.141\r\n', ',3.141\r\n'],
  ['integral double', double(3), '$1\r\n3\r\n', ',3\r\n'],
  ['Redis: inf', double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
  ['Redis: -inf', double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['nan', double(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
  ['Redis: 1e17 switches to exponent form', double(1e17), '$5\r\n1e+17\r\n', ',1e+17\r\n'],
  ['Redis: true', boolean(true), ':1\r\n', '#t\r\n'],
  ['Redis: false', boolean(false), ':0\r\n', '#f\r\n'],
  [
    'Redis: big number',
    bignum(1234567999999999999999999999999999999n),
    '$37\r\n1234567999999999999999999999999999999\r\n',
    '(1234567999999999999999999999999999999\r\n',
  ],
  ['negative big number', bignum(-12n), '$3\r\n-12\r\n', '(-12\r\n'],
  [
    'Redis: verbatim',
    verbatim('This is a verbatim\nstring'),
    '$25\r\nThis is a verbatim\nstring\r\n',
    '=29\r\ntxt:This is a verbatim\nstring\r\n',
  ],
  ['verbatim from a Buffer, markdown', verbatim(Buffer.from('# hi'), 'mkd'), '$4\r\n# hi\r\n', '=8\r\nmkd:# hi\r\n'],
  [
    // Redis refuses to push in RESP2 (DEBUG PROTOCOL push); the encoder degrades to an array.
    'Redis: push (RESP3)',
    push([bulk('server-cpu-usage'), integer(42)]),
    '*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n',
    '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n',
  ],
  [
    // DEBUG PROTOCOL attrib: RESP2 gets only the reply the attribute describes.
    'Redis: attribute',
    attribute([[bulk('key-popularity'), array([bulk('key:123'), integer(90)])]], bulk('Some real reply following the attribute')),
    '$39\r\nSome real reply following the attribute\r\n',
    '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n',
  ],
  [
    'an attribute nested in an array',
    array([attribute([[simple('a'), boolean(true)]], integer(1))]),
    '*1\r\n:1\r\n',
    '*1\r\n|1\r\n+a\r\n#t\r\n:1\r\n',
  ],
  [
    'RESP3 types nested in RESP2 aggregates are downgraded too',
    array([map([[bulk('k'), set([double(1.5)])]]), push([boolean(true), verbatim('v')])]),
    '*2\r\n*2\r\n$1\r\nk\r\n*1\r\n$3\r\n1.5\r\n*2\r\n:1\r\n$1\r\nv\r\n',
    '*2\r\n%1\r\n$1\r\nk\r\n~1\r\n,1.5\r\n>2\r\n#t\r\n=5\r\ntxt:v\r\n',
  ],
]

describe('encodeReply', () => {
  it('writes nothing at all for NO_REPLY, in either protocol, between other replies', () => {
    for (const resp of [2, 3] as const) {
      const writer = new ReplyWriter()
      encodeReply(writer, OK, resp)
      encodeReply(writer, NO_REPLY, resp)
      encodeReply(writer, OK, resp)
      expect(Buffer.concat(writer.take()).toString()).to.equal('+OK\r\n+OK\r\n')
    }
  })

  for (const [name, reply, resp2, resp3] of table) {
    it(`${name}: RESP2`, () => expect(text(encode(reply, 2))).to.equal(resp2))
    it(`${name}: RESP3`, () => expect(text(encode(reply, 3))).to.equal(resp3))
  }

  it("writes an array's elements each in its own protocol when it carries them (EXEC after a HELLO among its commands)", () => {
    const reply: Reply = { kind: 'array', value: [NULL, map([[bulk('k'), NULL]]), NULL], resps: [3, 3, 2] }
    for (const resp of [2, 3] as const) {
      expect(text(encode(reply, resp))).to.equal('*3\r\n_\r\n%1\r\n$1\r\nk\r\n_\r\n$-1\r\n')
    }
  })

  describe('large payloads', () => {
    for (const resp of [2, 3] as const) {
      it(`hands a bulk of 16 KB or more to the socket as it is (RESP${resp})`, () => {
        const payload = Buffer.alloc(16 * 1024, 'p')
        const writer = new ReplyWriter()
        encodeReply(writer, bulk(payload), resp)
        const pieces = writer.take()
        expect(pieces).to.have.length(3)
        expect(pieces[1]).to.equal(payload)
        expect(text(pieces[0]!)).to.equal('$16384\r\n')
        expect(text(pieces[2]!)).to.equal('\r\n')
      })

      it(`hands a large verbatim payload through as well (RESP${resp})`, () => {
        const payload = Buffer.alloc(20_000, 'v')
        const writer = new ReplyWriter()
        encodeReply(writer, verbatim(payload), resp)
        const pieces = writer.take()
        expect(pieces).to.include(payload)
        expect(Buffer.concat(pieces).equals(Buffer.concat([Buffer.from(resp === 3 ? '=20004\r\ntxt:' : '$20000\r\n'), payload, Buffer.from('\r\n')]))).to.equal(true)
      })
    }

    it('copies a payload just below 16 KB into the slab', () => {
      const payload = Buffer.alloc(16 * 1024 - 1, 'p')
      const writer = new ReplyWriter()
      encodeReply(writer, bulk(payload), 2)
      const pieces = writer.take()
      expect(pieces).to.have.length(1)
      expect(pieces[0]!.buffer).not.to.equal(payload.buffer)
      expect(Buffer.concat(pieces).equals(Buffer.concat([Buffer.from('$16383\r\n'), payload, Buffer.from('\r\n')]))).to.equal(true)
    })

    it('copies a large payload that is a view of the socket-read buffer, which the next read overwrites', () => {
      const payload = READ_BUFFER.subarray(0, 20_000).fill('e')
      const writer = new ReplyWriter()
      encodeReply(writer, bulk(payload), 2)
      const pieces = writer.take()
      READ_BUFFER.fill(POISON, 0, 20_000)
      for (const piece of pieces) expect(piece.buffer).not.to.equal(READ_BUFFER.buffer)
      expect(text(Buffer.concat(pieces))).to.equal(`$20000\r\n${'e'.repeat(20_000)}\r\n`)
    })

    it('writes a latin1 string bulk larger than a slab', () => {
      const value = 'ab\xff'.repeat(30_000)
      expect(text(encode(bulk(value), 3))).to.equal(`$90000\r\n${value}\r\n`)
    })
  })

  describe('ReplyWriter', () => {
    it('packs many replies across 64 KB slab boundaries, in order', () => {
      const writer = new ReplyWriter()
      let expected = ''
      for (let i = 0; i < 20_000; i++) {
        const v = `value-${i}`
        encodeReply(writer, i % 3 === 0 ? integer(i) : bulk(v), 2)
        expected += i % 3 === 0 ? `:${i}\r\n` : `$${v.length}\r\n${v}\r\n`
      }
      expect(writer.length).to.equal(expected.length)
      expect(expected.length).to.be.greaterThan(4 * 64 * 1024)
      const pieces = writer.take()
      expect(pieces.length).to.be.greaterThan(1)
      for (const piece of pieces) expect(piece.length).to.be.at.most(64 * 1024)
      expect(text(Buffer.concat(pieces))).to.equal(expected)
      expect(writer.length).to.equal(0)
      expect(writer.take()).to.deep.equal([])
    })

    it('never writes again into bytes it has handed out', () => {
      const writer = new ReplyWriter()
      encodeReply(writer, bulk('first'), 2)
      const first = writer.take()
      const snapshot = Buffer.concat(first)
      // Fill well past the slab so a reused region would show.
      for (let i = 0; i < 10_000; i++) encodeReply(writer, simple('x'.repeat(i % 50)), 3)
      encodeReply(writer, bulk(Buffer.alloc(20_000, 'y')), 3)
      writer.take()
      expect(Buffer.concat(first).equals(snapshot)).to.equal(true)
      expect(text(snapshot)).to.equal('$5\r\nfirst\r\n')
    })

    it('writes the same slab again after recycle, and only then', () => {
      const writer = new ReplyWriter()
      encodeReply(writer, bulk('first'), 2)
      const [first] = writer.take()
      writer.recycle()
      encodeReply(writer, bulk('again'), 2)
      const [second] = writer.take()
      expect(second!.buffer).to.equal(first!.buffer)
      expect(second!.byteOffset).to.equal(first!.byteOffset)
      expect(text(second!)).to.equal('$5\r\nagain\r\n')
      // Bytes written but not yet taken are never recycled.
      encodeReply(writer, bulk('held'), 2)
      writer.recycle()
      encodeReply(writer, integer(1), 2)
      expect(text(Buffer.concat(writer.take()))).to.equal('$4\r\nheld\r\n:1\r\n')
    })

    it('reports the bytes written since the last take, large payloads included', () => {
      const writer = new ReplyWriter()
      encodeReply(writer, OK, 2)
      encodeReply(writer, bulk(Buffer.alloc(32_000)), 2)
      encodeReply(writer, integer(7), 2)
      const length = writer.length
      const pieces = writer.take()
      expect(length).to.equal(pieces.reduce((n, p) => n + p.length, 0))
      expect(length).to.equal(5 + 8 + 32_000 + 2 + 4)
    })
  })

  describe('round trip through ReplyDecoder (properties)', () => {
    it('decodes encode(reply, 3) back to the same reply', () => {
      fc.assert(
        fc.property(anyReply, (reply) => {
          expect(new ReplyDecoder().push(encode(reply, 3))).to.deep.equal([decodedForm(reply, 3)])
        }),
        { numRuns: 1000 },
      )
    })

    it('decodes encode(reply, 2) to the RESP2 downgrade', () => {
      fc.assert(
        fc.property(anyReply, (reply) => {
          const decoded = new ReplyDecoder().push(encode(reply, 2))
          expect(decoded).to.deep.equal([decodedForm(reply, 2)])
          expect(JSON.stringify(decoded, (_, v) => (typeof v === 'bigint' ? String(v) : v))).not.to.match(
            /"kind":"(map|set|push|double|boolean|bignum|verbatim)"/,
          )
        }),
        { numRuns: 1000 },
      )
    })

    it('decodes any chunking of a stream of replies to the same replies', () => {
      fc.assert(
        fc.property(
          fc.array(anyReply, { minLength: 1, maxLength: 8 }),
          fc.constantFrom(2 as const, 3 as const),
          fc.array(fc.nat(), { maxLength: 30 }),
          (replies, resp, cuts) => {
            const decoder = new ReplyDecoder()
            const decoded = chunked(encode(replies, resp), cuts).flatMap((chunk) => decoder.push(chunk))
            expect(decoded).to.deep.equal(replies.map((r) => decodedForm(r, resp)))
            expect(decoder.bufferedBytes).to.equal(0)
          },
        ),
        { numRuns: 500 },
      )
    })

    it('decodes a stream byte by byte', () => {
      const replies = table.map(([, reply]) => reply)
      for (const resp of [2, 3] as const) {
        const decoder = new ReplyDecoder()
        const data = encode(replies, resp)
        const decoded: Reply[] = []
        for (let i = 0; i < data.length; i++) decoded.push(...decoder.push(data.subarray(i, i + 1)))
        expect(decoded).to.deep.equal(replies.map((r) => decodedForm(r, resp)))
      }
    })

    it('throws nothing but ReplyProtocolError on garbage', () => {
      const piece = fc.oneof(
        fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)),
        fc.constantFrom(
          ...'+-:$*_#,(=!%~>|'.split(''),
          '\r\n', '-1', '-7', '-2', '0', '3', '99999999999', 'inf', 't', 'txt:', 'x',
        ).map((s) => Buffer.from(s, 'latin1')),
        anyReply.chain((r) => fc.constantFrom(2 as const, 3 as const).map((resp) => encode(r, resp))),
      )
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 10 }), (pieces, cuts) => {
          const decoder = new ReplyDecoder()
          for (const chunk of chunked(Buffer.concat(pieces), cuts)) {
            try {
              decoder.push(chunk)
            } catch (e) {
              expect(e).to.be.instanceOf(ReplyProtocolError)
              return
            }
          }
        }),
        { numRuns: 2000 },
      )
    })
  })
})
