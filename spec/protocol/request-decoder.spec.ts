import { expect } from 'chai'
import fc from 'fast-check'
import { DEFAULT_LIMITS, RequestDecoder, splitInline, type DecoderLimits } from '../../src/protocol/request-decoder.js'

// Every case runs three ways: as one chunk, byte by byte, and (property) cut at random points.
// Arguments are compared as latin1 strings, which map bytes 1:1, so binary payloads are exact.
// Error texts marked "Redis:" were checked byte for byte against redis-server 7.0.15.

interface Case {
  readonly name: string
  readonly input: Buffer
  readonly commands: readonly (readonly string[])[]
  readonly error?: string
  readonly limits?: DecoderLimits
  readonly unauthenticated?: boolean
  /** Skip the byte-by-byte run (inputs that are only interesting in bulk, and slow one byte at a time). */
  readonly noBytewise?: boolean
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const mb = (...args: (string | Buffer)[]): Buffer =>
  Buffer.concat([
    b(`*${args.length}\r\n`),
    ...args.flatMap((a) => {
      const buf = typeof a === 'string' ? b(a) : a
      return [b(`$${buf.length}\r\n`), buf, b('\r\n')]
    }),
  ])
const PING = mb('PING')
const K = 1024

interface Result {
  commands: string[][]
  error?: string
}

/** Feeds the chunks; an unauthenticated decoder is resumed until it has nothing more. */
const decode = (
  c: Case,
  chunks: Buffer[],
  feed: (chunk: Buffer, push: (chunk: Buffer) => void) => void = (chunk, push) => push(chunk),
  reused?: ArrayBufferLike,
): Result => {
  const decoder = new RequestDecoder(c.limits ?? DEFAULT_LIMITS)
  decoder.unauthenticated = c.unauthenticated ?? false
  const result: Result = { commands: [] }
  const take = (outcome: ReturnType<RequestDecoder['push']>): boolean => {
    if (result.error !== undefined) {
      // Once failed, the decoder repeats its error and returns nothing more.
      expect(outcome.commands).to.deep.equal([])
      expect(outcome.error).to.equal(result.error)
      return false
    }
    result.commands.push(...outcome.commands.map((cmd) => cmd.map((a) => a.toString('latin1'))))
    if (outcome.error !== undefined) result.error = outcome.error
    return outcome.commands.length > 0 && outcome.error === undefined
  }
  for (const chunk of chunks) {
    feed(chunk, (input) => {
      let more = take(decoder.push(input))
      while (more && decoder.unauthenticated) more = take(decoder.resume())
      if (reused !== undefined) decoder.detach(reused)
    })
  }
  if (result.error !== undefined) take(decoder.push(PING))
  return result
}

/**
 * As the server reads: each chunk lands in one buffer that is reused for every read, the commands
 * are consumed (here: turned into strings) within the push, then the decoder detaches and the
 * buffer is overwritten. Whatever the decoder kept of an earlier chunk must survive that.
 */
const decodeThroughOneBuffer = (c: Case, chunks: Buffer[]): Result => {
  const reads = Buffer.alloc(128 * K)
  return decode(c, chunks, (chunk, push) => {
    chunk.copy(reads)
    push(reads.subarray(0, chunk.length))
    reads.fill(0xdd)
  }, reads.buffer)
}

const bytewise = (input: Buffer): Buffer[] => Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1))
const cutAt = (input: Buffer, cuts: number[]): Buffer[] => {
  const points = [...new Set(cuts)].sort((x, y) => x - y)
  const chunks: Buffer[] = []
  let from = 0
  for (const p of points) {
    chunks.push(input.subarray(from, p))
    from = p
  }
  chunks.push(input.subarray(from))
  return chunks
}

const expected = (c: Case): Result => (c.error === undefined ? { commands: c.commands.map((x) => [...x]) } : { commands: c.commands.map((x) => [...x]), error: c.error })

const binary = Buffer.from([0, 1, 13, 10, 0xff, 36, 42, 13, 10, 13, 0x80])
const bigPayload = Buffer.alloc(100 * K, 0).map((_, i) => (i * 7 + 13) % 256) as Buffer
const bigText = bigPayload.toString('latin1')

const cases: Case[] = [
  // --- well-formed multibulk
  { name: 'a single multibulk command', input: mb('SET', 'key', 'value'), commands: [['SET', 'key', 'value']] },
  {
    name: 'pipelined multibulk commands',
    input: Buffer.concat([mb('SET', 'a', '1'), mb('GET', 'a'), PING, mb('ECHO', '')]),
    commands: [['SET', 'a', '1'], ['GET', 'a'], ['PING'], ['ECHO', '']],
  },
  {
    name: 'binary payloads with CR, LF, NUL and 0xff inside bulks',
    input: Buffer.concat([mb('SET', binary, binary), PING]),
    commands: [['SET', binary.toString('latin1'), binary.toString('latin1')], ['PING']],
  },
  {
    name: 'a bulk that looks like a header',
    input: mb('ECHO', '*1\r\n$4\r\nPING\r\n'),
    commands: [['ECHO', '*1\r\n$4\r\nPING\r\n']],
  },
  { name: '*0 and *-1 are ignored', input: Buffer.concat([b('*0\r\n*-1\r\n*-5\r\n'), PING]), commands: [['PING']] },
  { name: 'an incomplete command yields nothing', input: b('*2\r\n$3\r\nGET\r\n$3\r\nke'), commands: [] },
  { name: 'an incomplete header yields nothing', input: b('*2\r\n$3'), commands: [] },
  {
    name: 'a big bulk (> 32 KB) with a pipelined command behind it',
    input: Buffer.concat([mb('SET', 'k', bigPayload), mb('GET', 'k')]),
    commands: [['SET', 'k', bigText], ['GET', 'k']],
  },
  {
    name: 'two big bulks in one command',
    input: mb('MSET', 'a', bigPayload.subarray(0, 40 * K), 'b', bigPayload.subarray(50 * K)),
    commands: [['MSET', 'a', bigText.slice(0, 40 * K), 'b', bigText.slice(50 * K)]],
  },
  {
    name: 'a bulk of exactly 32 KB and one just below',
    input: Buffer.concat([mb('ECHO', bigPayload.subarray(0, 32 * K)), mb('ECHO', bigPayload.subarray(0, 32 * K - 1))]),
    commands: [['ECHO', bigText.slice(0, 32 * K)], ['ECHO', bigText.slice(0, 32 * K - 1)]],
  },

  // --- inline (telnet style); expectations from redis-server 7.0.15
  { name: 'inline commands with CRLF and bare LF', input: b('PING\r\nSET a 1\nGET a\r\n'), commands: [['PING'], ['SET', 'a', '1'], ['GET', 'a']] },
  { name: 'empty inline lines are ignored', input: b('\r\n\n   \r\n\t\nPING\n'), commands: [['PING']] },
  { name: 'runs of blanks between words', input: b('  SET \t a   1  \r\n'), commands: [['SET', 'a', '1']] },
  { name: 'double quotes keep spaces', input: b('SET "my key" "a b"\r\n'), commands: [['SET', 'my key', 'a b']] },
  { name: 'Redis: "\\x41\\n" escapes', input: b('ECHO "\\x41\\n"\r\n'), commands: [['ECHO', 'A\n']] },
  { name: 'Redis: \\t \\b \\a \\r and unknown escapes', input: b('ECHO "\\t\\b\\a\\r\\q"\r\n'), commands: [['ECHO', '\t\b\x07\rq']] },
  { name: 'Redis: \\xZZ and \\x4 are not hex escapes', input: b('ECHO "\\xZZ" "\\x4"\r\n'), commands: [['ECHO', 'xZZ', 'x4']] },
  { name: 'Redis: escaped double quote', input: b('ECHO "a\\"b"\r\n'), commands: [['ECHO', 'a"b']] },
  { name: "Redis: single quotes with \\'", input: b("ECHO 'it\\'s'\r\n"), commands: [['ECHO', "it's"]] },
  { name: 'Redis: no escapes in single quotes but \\\'', input: b("ECHO 'a\\nb'\r\n"), commands: [['ECHO', 'a\\nb']] },
  { name: 'Redis: empty quoted arguments', input: b(`ECHO "" ''\r\n`), commands: [['ECHO', '', '']] },
  { name: 'Redis: quotes inside a word join it', input: b('ECHO foo"bar"\r\n'), commands: [['ECHO', 'foobar']] },
  { name: 'Redis: a tab after a closing quote', input: b('ECHO "a"\tx\r\n'), commands: [['ECHO', 'a', 'x']] },
  { name: 'Redis: \\v after a closing quote', input: b('ECHO "a"\v\r\n'), commands: [['ECHO', 'a']] },
  { name: 'Redis: \\v and \\f do not end an unquoted word', input: b('\vECHO\fx a\vb\r\n'), commands: [['ECHO\fx', 'a\vb']] },
  { name: 'Redis: only one CR before LF is stripped; others separate', input: b('ECHO x\r\r\nECHO a\rb\n'), commands: [['ECHO', 'x'], ['ECHO', 'a', 'b']] },
  { name: 'Redis: a quoted line without LF waits', input: b('ECHO "a"\r'), commands: [] },
  {
    name: 'inline and multibulk mixed',
    input: Buffer.concat([b('PING\r\n'), mb('GET', 'a'), b('GET b\r\n'), PING]),
    commands: [['PING'], ['GET', 'a'], ['GET', 'b'], ['PING']],
  },
  {
    name: 'an inline line of exactly 64 KB is accepted',
    input: b('ECHO ' + 'a'.repeat(64 * K - 5) + '\n'),
    commands: [['ECHO', 'a'.repeat(64 * K - 5)]],
    noBytewise: true,
  },

  // --- protocol errors (Redis: the text of each was checked against redis-server)
  { name: 'Redis: unbalanced double quote', input: b('PING "a\r\n'), commands: [], error: 'Protocol error: unbalanced quotes in request' },
  { name: 'Redis: unbalanced single quote', input: b("PING 'a\r\n"), commands: [], error: 'Protocol error: unbalanced quotes in request' },
  { name: 'Redis: text right after a closing quote', input: b('ECHO "a"b\r\n'), commands: [], error: 'Protocol error: unbalanced quotes in request' },
  { name: "Redis: text right after a closing '", input: b("ECHO 'a'b\r\n"), commands: [], error: 'Protocol error: unbalanced quotes in request' },
  { name: 'Redis: a backslash before the end of a quote', input: b('ECHO "a\\\r\n'), commands: [], error: 'Protocol error: unbalanced quotes in request' },
  { name: 'Redis: non-numeric bulk length', input: b('*1\r\n$x\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'Redis: negative bulk length', input: b('*1\r\n$-1\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'Redis: bulk length with a leading zero', input: b('*1\r\n$01\r\nx\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'Redis: bulk length with a plus sign', input: b('*1\r\n$+4\r\nPING\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'Redis: bulk length with a space', input: b('*1\r\n$ 4\r\nPING\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'Redis: empty bulk length', input: b('*1\r\n$\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'a bulk header ended by a bare LF', input: b('*1\r\n$4\nPING\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  { name: 'Redis: bulk length above proto-max-bulk-len', input: b('*1\r\n$536870913\r\n'), commands: [], error: 'Protocol error: invalid bulk length' },
  {
    name: 'a bulk of exactly proto-max-bulk-len is accepted',
    input: mb('ECHO', 'abcd'),
    commands: [['ECHO', 'abcd']],
    limits: { ...DEFAULT_LIMITS, maxBulkLength: 4 },
  },
  {
    name: 'a configured proto-max-bulk-len',
    input: Buffer.concat([mb('ECHO', 'abcd'), mb('ECHO', 'abcde')]),
    commands: [['ECHO', 'abcd']],
    error: 'Protocol error: invalid bulk length',
    limits: { ...DEFAULT_LIMITS, maxBulkLength: 4 },
  },
  { name: 'Redis: non-numeric multibulk length', input: b('*x\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'Redis: empty multibulk length', input: b('*\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'Redis: multibulk length with a leading zero', input: b('*01\r\n$4\r\nPING\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'Redis: multibulk length -0', input: b('*-0\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'Redis: multibulk length with a plus sign', input: b('*+1\r\n$4\r\nPING\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'Redis: a multibulk header ended by a bare LF', input: b('*1\n$4\r\nPING\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'Redis: multibulk length above INT_MAX', input: b('*2147483648\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  // Redis 7.0 allows up to INT_MAX arguments; the limit here is the configured proto-max-multibulk-len.
  { name: 'multibulk length above proto-max-multibulk-len', input: b('*1048577\r\n'), commands: [], error: 'Protocol error: invalid multibulk length' },
  { name: 'multibulk length of exactly proto-max-multibulk-len waits', input: b('*1048576\r\n$1\r\na\r\n'), commands: [] },
  {
    name: 'a configured proto-max-multibulk-len',
    input: Buffer.concat([mb('A', 'B'), mb('A', 'B', 'C')]),
    commands: [['A', 'B']],
    error: 'Protocol error: invalid multibulk length',
    limits: { ...DEFAULT_LIMITS, maxMultibulkLength: 2 },
  },
  { name: "Redis: expected '$', got 'x'", input: b('*1\r\nx\r\n'), commands: [], error: "Protocol error: expected '$', got 'x'" },
  { name: "expected '$' inside a pipelined command", input: b('*2\r\n$3\r\nGET\r\n:1\r\n'), commands: [], error: "Protocol error: expected '$', got ':'" },
  { name: "a bulk header's first byte is judged once its line is complete", input: b('*1\r\nxyz'), commands: [] },
  {
    name: 'Redis: too big inline request (64 KB + 1 without a newline)',
    input: b('a'.repeat(64 * K + 1)),
    commands: [],
    error: 'Protocol error: too big inline request',
    noBytewise: true,
  },
  { name: 'Redis: an inline request of 64 KB without a newline waits', input: b('a'.repeat(64 * K)), commands: [], noBytewise: true },
  {
    name: 'Redis: too big mbulk count string',
    input: b('*' + '1'.repeat(64 * K)),
    commands: [],
    error: 'Protocol error: too big mbulk count string',
    noBytewise: true,
  },
  {
    name: 'Redis: too big bulk count string (digits)',
    input: b('*1\r\n$' + '1'.repeat(64 * K)),
    commands: [],
    error: 'Protocol error: too big bulk count string',
    noBytewise: true,
  },
  {
    name: 'Redis: too big bulk count string (garbage without a newline)',
    input: b('*1\r\n' + 'x'.repeat(64 * K + 1)),
    commands: [],
    error: 'Protocol error: too big bulk count string',
    noBytewise: true,
  },
  {
    name: 'Redis: commands before an error are returned, the rest is ignored',
    input: Buffer.concat([PING, b('*1\r\n$x\r\n'), PING]),
    commands: [['PING']],
    error: 'Protocol error: invalid bulk length',
  },
  {
    name: 'inline commands before unbalanced quotes are returned',
    input: b('PING\r\nECHO "a\r\nPING\r\n'),
    commands: [['PING']],
    error: 'Protocol error: unbalanced quotes in request',
  },

  // --- limits for clients that must still authenticate
  {
    name: 'Redis: unauthenticated multibulk length (more than 10 arguments)',
    input: Buffer.concat([mb(...'abcdefghij'.split('')), b('*11\r\n')]),
    commands: ['abcdefghij'.split('')],
    error: 'Protocol error: unauthenticated multibulk length',
    unauthenticated: true,
  },
  {
    name: 'Redis: unauthenticated bulk length (more than 16 KB)',
    input: Buffer.concat([mb('ECHO', 'x'.repeat(16384)), b('*1\r\n$16385\r\n')]),
    commands: [['ECHO', 'x'.repeat(16384)]],
    error: 'Protocol error: unauthenticated bulk length',
    unauthenticated: true,
  },
  {
    name: 'unauthenticated pipelined commands still decode (one per push)',
    input: Buffer.concat([PING, b('AUTH pw\r\n'), mb('GET', 'k'), PING]),
    commands: [['PING'], ['AUTH', 'pw'], ['GET', 'k'], ['PING']],
    unauthenticated: true,
  },
  {
    name: 'the authenticated limits allow what the unauthenticated ones refuse',
    input: Buffer.concat([mb(...'abcdefghijk'.split('')), mb('ECHO', bigPayload.subarray(0, 16385))]),
    commands: ['abcdefghijk'.split(''), ['ECHO', bigText.slice(0, 16385)]],
  },
]

describe('RequestDecoder', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('as one chunk', () => {
        expect(decode(c, [c.input])).to.deep.equal(expected(c))
      })
      if (!c.noBytewise) {
        it('byte by byte', () => {
          expect(decode(c, bytewise(c.input))).to.deep.equal(expected(c))
        })
      }
    })
  }

  it('decodes every case the same at random chunk boundaries, also when each is read into one reused buffer', () => {
    const arbitrary = fc.constantFrom(...cases).chain((c) =>
      fc.tuple(fc.constant(c), fc.array(fc.integer({ min: 1, max: Math.max(1, c.input.length - 1) }), { maxLength: 40 })),
    )
    fc.assert(
      fc.property(arbitrary, ([c, cuts]) => {
        expect(decode(c, cutAt(c.input, cuts))).to.deep.equal(expected(c))
        expect(decodeThroughOneBuffer(c, cutAt(c.input, cuts))).to.deep.equal(expected(c))
      }),
      { numRuns: 500 },
    )
  })

  it('decodes arbitrary pipelined multibulk commands at any chunking, also through one reused buffer', () => {
    const arg = fc.oneof(
      { weight: 20, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.integer({ min: 30 * K, max: 70 * K }).map((n) => bigPayload.subarray(0, n)) },
    )
    const command = fc.array(arg.map((u) => Buffer.from(u)), { minLength: 1, maxLength: 6 })
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (commands, cuts) => {
        const input = Buffer.concat(commands.map((cmd) => mb(...cmd)))
        const c: Case = { name: 'generated', input, commands: commands.map((cmd) => cmd.map((a) => a.toString('latin1'))) }
        // No read is larger than the buffer it lands in.
        const points = cuts.map((n) => n % (input.length + 1))
        for (let at = 100 * K; at < input.length; at += 100 * K) points.push(at)
        const chunks = cutAt(input, points)
        expect(decode(c, chunks)).to.deep.equal(expected(c))
        expect(decodeThroughOneBuffer(c, chunks)).to.deep.equal(expected(c))
      }),
      { numRuns: 300 },
    )
  })

  it('splits arbitrary inline words, quoted or not, at any chunking', () => {
    const plainWord = fc.stringMatching(/^[A-Za-z0-9_:.-]{1,12}$/)
    const quotable = fc.string({ unit: fc.constantFrom(...'ab \t\'"\\\n\r\x00\xff'.split('')), maxLength: 10 })
    const quote = (s: string): string =>
      '"' + [...s].map((ch) => (ch === '"' || ch === '\\' ? '\\' + ch : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch)).join('') + '"'
    const word = fc.oneof(plainWord.map((w) => [w, w] as const), quotable.map((w) => [w, quote(w)] as const))
    const line = fc.array(word, { minLength: 1, maxLength: 6 })
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (lines, cuts) => {
        const input = b(lines.map((l) => l.map(([, wire]) => wire).join(' ') + '\r\n').join(''))
        const c: Case = { name: 'generated', input, commands: lines.map((l) => l.map(([w]) => w)) }
        expect(decode(c, cutAt(input, cuts.map((n) => n % (input.length + 1))))).to.deep.equal(expected(c))
      }),
      { numRuns: 300 },
    )
  })

  it('never throws on arbitrary bytes, and fails for good once it reports an error', () => {
    const garbage = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 30 }).map((u) => Buffer.from(u)),
        fc.constantFrom('*', '$', '\r\n', '\n', '"', "'", '\\x', '*1\r\n', '$3\r\n', '-1', '0', ' ').map(b),
      ),
      { maxLength: 30 },
    )
    fc.assert(
      fc.property(garbage, fc.boolean(), (chunks, unauthenticated) => {
        const decoder = new RequestDecoder()
        decoder.unauthenticated = unauthenticated
        let failed: string | undefined
        for (const chunk of [...chunks, PING]) {
          const outcome = decoder.push(chunk)
          if (failed !== undefined) {
            expect(outcome).to.deep.equal({ commands: [], error: failed })
          } else if (outcome.error !== undefined) {
            expect(outcome.error).to.match(/^Protocol error: /)
            failed = outcome.error
          }
          for (const cmd of outcome.commands) expect(cmd.length).to.be.greaterThan(0)
        }
      }),
      { numRuns: 1000 },
    )
  })

  describe('unauthenticated clients', () => {
    it('returns one command per push and decodes the rest with the limits in force at resume', () => {
      const decoder = new RequestDecoder()
      decoder.unauthenticated = true
      const big = mb('SET', 'k', 'x'.repeat(20_000))
      const first = decoder.push(Buffer.concat([b('AUTH pw\r\n'), big, PING]))
      expect(first.commands.map((cmd) => cmd.map(String))).to.deep.equal([['AUTH', 'pw']])
      expect(first.error).to.equal(undefined)
      expect(decoder.midCommand).to.equal(true)
      // AUTH succeeded: the rest is decoded under the normal limits, all at once.
      decoder.unauthenticated = false
      const rest = decoder.resume()
      expect(rest.error).to.equal(undefined)
      expect(rest.commands.map((cmd) => cmd.length)).to.deep.equal([3, 1])
      expect(rest.commands[0]![2]!.length).to.equal(20_000)
      expect(decoder.resume()).to.deep.equal({ commands: [] })
    })

    it('still refuses the big command when AUTH did not lift the limits', () => {
      const decoder = new RequestDecoder()
      decoder.unauthenticated = true
      decoder.push(Buffer.concat([b('AUTH wrong\r\n'), mb('SET', 'k', 'x'.repeat(20_000))]))
      expect(decoder.resume()).to.deep.equal({ commands: [], error: 'Protocol error: unauthenticated bulk length' })
    })

    it('stops after a command that completes a big bulk, too', () => {
      const decoder = new RequestDecoder()
      const payload = bigPayload.subarray(0, 40 * K)
      const input = Buffer.concat([mb('AUTH', payload), PING])
      const head = decoder.push(input.subarray(0, 100))
      expect(head.commands).to.deep.equal([])
      decoder.unauthenticated = true
      const tail = decoder.push(input.subarray(100))
      expect(tail.commands.map((cmd) => cmd.map((a) => a.toString('latin1')))).to.deep.equal([['AUTH', payload.toString('latin1')]])
      expect(decoder.resume().commands.map((cmd) => cmd.map(String))).to.deep.equal([['PING']])
    })
  })

  describe('buffers', () => {
    it('returns zero-copy views of the chunk for complete bulks', () => {
      const chunk = mb('SET', 'key', 'value')
      const [[, key]] = new RequestDecoder().push(chunk).commands as [Buffer[]]
      expect(key!.buffer).to.equal(chunk.buffer)
    })

    it('gives repeated command names one Buffer of their own, and a changed name another', () => {
      const decoder = new RequestDecoder()
      const chunk = Buffer.concat([mb('GET', 'a'), mb('GET', 'b'), mb('SET', 'c', 'd'), mb('GET', 'e')])
      const { commands } = decoder.push(chunk)
      const names = commands.map((cmd) => cmd[0]!)
      expect(names[1]).to.equal(names[0])
      expect(names[2]).to.not.equal(names[1])
      // Copies, not views of the chunk: the chunk may be overwritten, the names are kept.
      chunk.fill(0)
      expect(names.map(String)).to.deep.equal(['GET', 'GET', 'SET', 'GET'])
    })

    it('reports a half-read command and the bytes it holds', () => {
      const decoder = new RequestDecoder()
      expect(decoder.midCommand).to.equal(false)
      decoder.push(b('*2\r\n$3\r\nGET\r\n$3\r\nk'))
      expect(decoder.midCommand).to.equal(true)
      // The `$3` header is consumed; the payload byte waits for the rest.
      expect(decoder.bufferedBytes).to.equal(1)
      decoder.push(b('ey\r\n'))
      expect(decoder.midCommand).to.equal(false)
      expect(decoder.bufferedBytes).to.equal(0)
    })

    it('counts a big bulk being assembled as buffered', () => {
      const decoder = new RequestDecoder()
      const input = mb('SET', 'k', bigPayload)
      decoder.push(input.subarray(0, 50 * K))
      expect(decoder.midCommand).to.equal(true)
      expect(decoder.bufferedBytes).to.be.within(50 * K - 30, 50 * K)
      const done = decoder.push(input.subarray(50 * K))
      expect(done.commands[0]![2]!.equals(bigPayload)).to.equal(true)
      expect(decoder.bufferedBytes).to.equal(0)
    })
  })

  describe('drip-fed input', () => {
    it('judges a header that follows a line split right before its LF', () => {
      const decoder = new RequestDecoder()
      expect(decoder.push(b('*1\r')).commands).to.deep.equal([])
      expect(decoder.push(b('\n$\r\n'))).to.deep.equal({ commands: [], error: 'Protocol error: invalid bulk length' })
    })

    it('decodes a 60 KB inline command fed one byte at a time, appending in place', () => {
      const decoder = new RequestDecoder()
      const line = b('ECHO ' + 'x'.repeat(60 * K) + '\r\n')
      const commands: Buffer[][] = []
      for (let i = 0; i < line.length; i++) commands.push(...decoder.push(line.subarray(i, i + 1)).commands)
      expect(commands.length).to.equal(1)
      expect(commands[0]![1]!.length).to.equal(60 * K)
    })
  })

  describe('splitInline', () => {
    it('splits a sub-range of a buffer', () => {
      const data = b('xxSET a "b c"yy')
      expect(splitInline(data, 2, 13)!.map(String)).to.deep.equal(['SET', 'a', 'b c'])
    })

    it('returns no words for a blank line and null for an open quote', () => {
      expect(splitInline(b(' \t '), 0, 3)).to.deep.equal([])
      expect(splitInline(b('"abc'), 0, 4)).to.equal(null)
    })
  })
})
