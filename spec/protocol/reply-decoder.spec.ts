import { expect } from 'chai'
import { ReplyDecoder, ReplyProtocolError } from '../../src/protocol/reply-decoder.js'
import type { ArrayReply, Reply } from '../../src/protocol/reply.js'

// Cases for what only the reply decoder sees (the round trip with the encoder is a property in
// encoder.spec.ts). Each runs as one chunk and byte by byte.

const decodeWhole = (s: string): Reply[] => new ReplyDecoder().push(Buffer.from(s, 'latin1'))
const decodeBytewise = (s: string): Reply[] => {
  const decoder = new ReplyDecoder()
  const data = Buffer.from(s, 'latin1')
  const out: Reply[] = []
  for (let i = 0; i < data.length; i++) out.push(...decoder.push(data.subarray(i, i + 1)))
  return out
}
const ways = { 'as one chunk': decodeWhole, 'byte by byte': decodeBytewise }
const buf = (s: string): Buffer => Buffer.from(s, 'latin1')

const valid: [string, string, Reply[]][] = [
  [
    'Redis: skips an attribute (DEBUG PROTOCOL attrib)',
    '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n',
    [{ kind: 'bulk', value: buf('Some real reply following the attribute') }],
  ],
  [
    'Redis: push then reply (DEBUG PROTOCOL push)',
    '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n',
    [
      { kind: 'push', value: [{ kind: 'bulk', value: buf('server-cpu-usage') }, { kind: 'integer', value: 42 }] },
      { kind: 'bulk', value: buf('Some real reply following the push reply') },
    ],
  ],
  ['blob error', '!22\r\nSYNTAX invalid\r\nsyntax\r\n', [{ kind: 'error', value: 'SYNTAX invalid\r\nsyntax' }]],
  ['integers beyond 2^53 as bigint', ':9007199254740993\r\n:-5\r\n', [{ kind: 'integer', value: 9007199254740993n }, { kind: 'integer', value: -5 }]],
  ['RESP2 nulls', '$-1\r\n*-1\r\n', [{ kind: 'null' }, { kind: 'nullArray' }]],
  ['a bulk with CRLF inside', '$4\r\n\r\n\r\n\r\n', [{ kind: 'bulk', value: buf('\r\n\r\n') }]],
  ['doubles in any case', ',INF\r\n,-Inf\r\n,NaN\r\n,1.5e-7\r\n', [1 / 0, -1 / 0, NaN, 1.5e-7].map((value) => ({ kind: 'double', value }) as Reply)],
  ['an empty verbatim text', '=4\r\ntxt:\r\n', [{ kind: 'verbatim', format: 'txt', value: buf('') }]],
]

const invalid: [string, string][] = [
  ['an unknown type byte', '@x\r\n'],
  ['a non-numeric bulk length', '$x\r\n'],
  ['a negative bulk length other than -1', '$-2\r\n'],
  ['a bulk without its CRLF', '$1\r\nab\r\n'],
  ['a non-numeric integer', ':1.5\r\n'],
  ['a bad boolean', '#x\r\n'],
  ['a bad null', '_x\r\n'],
  ['a bad double', ',abc\r\n'],
  ['a bad big number', '(12a\r\n'],
  ['a verbatim string shorter than its format', '=3\r\ntxt\r\n'],
  ['a verbatim string without a colon', '=5\r\ntxt-x\r\n'],
  // With a negative length the cursor went back onto the header: this input used to hang.
  ['a negative blob error length', '+a\r\n!-7\r\n'],
  ['a blob error of length -2', '!-2\r\n'],
]

describe('ReplyDecoder', () => {
  for (const [way, decode] of Object.entries(ways)) {
    describe(way, () => {
      for (const [name, input, replies] of valid) {
        it(name, () => expect(decode(input)).to.deep.equal(replies))
      }
      for (const [name, input] of invalid) {
        it(`rejects ${name} with ReplyProtocolError`, () => {
          expect(() => decode(input)).to.throw(ReplyProtocolError)
        })
      }
    })
  }

  it('reports nesting too deep for its recursion as ReplyProtocolError', () => {
    expect(() => decodeWhole('*1\r\n'.repeat(100_000) + ':1\r\n')).to.throw(ReplyProtocolError, 'nested too deeply')
  })

  it('decodes nesting of a thousand levels', () => {
    const [top] = decodeWhole('*1\r\n'.repeat(1000) + ':1\r\n')
    let node = top!
    for (let i = 0; i < 1000; i++) {
      expect(node.kind).to.equal('array')
      node = (node as ArrayReply).value[0]!
    }
    expect(node).to.deep.equal({ kind: 'integer', value: 1 })
  })

  it('waits on incomplete input and keeps it buffered', () => {
    const decoder = new ReplyDecoder()
    expect(decoder.push(buf('*2\r\n:1\r\n$3\r\nab'))).to.deep.equal([])
    expect(decoder.bufferedBytes).to.equal(14)
    expect(decoder.push(buf('c\r\n+OK'))).to.deep.equal([
      { kind: 'array', value: [{ kind: 'integer', value: 1 }, { kind: 'bulk', value: buf('abc') }] },
    ])
    expect(decoder.bufferedBytes).to.equal(3)
    expect(decoder.push(buf('\r\n'))).to.deep.equal([{ kind: 'simple', value: 'OK' }])
  })

  it('drops its buffer on invalid input and starts afresh', () => {
    const decoder = new ReplyDecoder()
    expect(() => decoder.push(buf('+OK\r\n@\r\n'))).to.throw(ReplyProtocolError)
    expect(decoder.bufferedBytes).to.equal(0)
    expect(decoder.push(buf(':1\r\n'))).to.deep.equal([{ kind: 'integer', value: 1 }])
  })
})
