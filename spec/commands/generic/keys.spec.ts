import { expect } from 'chai'
import { harness, plain, str, type Harness } from './harness.js'

const latin1 = (s: string) => Buffer.from(s, 'latin1')

const KEYS = [
  'hello', 'hallo', 'hxllo', 'hllo', 'heeello', 'h*llo', 'h?llo', 'h[a]llo', 'h\\llo', 'a-b', 'a]b', 'a^b',
  'foo', 'foo:1', 'foo:2', 'foo:10', 'foobar', 'foo*', 'bar', '', '\x00\xff\x01', '\xff\xfe',
]

// [pattern, matching keys], recorded from redis-server 7.0.15 with the keys above (latin1).
const CASES: [string, string[]][] = [
  ['h?llo', ['h*llo', 'h?llo', 'h\\llo', 'hallo', 'hello', 'hxllo']],
  ['h*llo', ['h*llo', 'h?llo', 'h[a]llo', 'h\\llo', 'hallo', 'heeello', 'hello', 'hllo', 'hxllo']],
  ['h[ae]llo', ['hallo', 'hello']],
  ['h[^e]llo', ['h*llo', 'h?llo', 'h\\llo', 'hallo', 'hxllo']],
  ['h[a-b]llo', ['hallo']],
  ['h[b-a]llo', ['hallo']],
  ['h\\*llo', ['h*llo']],
  ['h\\?llo', ['h?llo']],
  ['h[\\]]llo', []],
  ['a[]]b', []],
  ['a[\\^]b', ['a^b']],
  ['a[-]b', ['a-b']],
  ['foo*', ['foo', 'foo*', 'foo:1', 'foo:10', 'foo:2', 'foobar']],
  ['foo:?', ['foo:1', 'foo:2']],
  ['foo:*', ['foo:1', 'foo:10', 'foo:2']],
  ['foo\\*', ['foo*']],
  ['foo', ['foo']],
  ['*o', ['foo', 'h*llo', 'h?llo', 'h[a]llo', 'h\\llo', 'hallo', 'heeello', 'hello', 'hllo', 'hxllo']],
  // Only the bare `*` shortcut returns the empty key; `**` runs the matcher, which needs a byte.
  ['**', KEYS.filter((k) => k !== '').sort()],
  ['?', []],
  ['', ['']],
  ['\x00*', ['\x00\xff\x01']],
  ['\xff*', ['\xff\xfe']],
  ['h[a', []],
  ['h[', []],
  ['*\\', []],
  ['foo:[1-2]*', ['foo:1', 'foo:10', 'foo:2']],
  ['h\\llo', ['hllo']],
  ['h\\\\llo', ['h\\llo']],
  ['*[*]*', ['foo*', 'h*llo']],
  ['f*o*o*', ['foo', 'foo*', 'foo:1', 'foo:10', 'foo:2', 'foobar']],
  ['[^h]*', ['\x00\xff\x01', 'a-b', 'a]b', 'a^b', 'bar', 'foo', 'foo*', 'foo:1', 'foo:10', 'foo:2', 'foobar', '\xff\xfe']],
]

const populate = (h: Harness) => {
  for (const k of KEYS) h.db.set(latin1(k), str('v'), 0)
}

const keysOf = (h: Harness, pattern: string): string[] =>
  (plain(h.run('keys', latin1(pattern))) as string[]).slice().sort()

describe('KEYS', () => {
  it('`*` returns every key, the empty key included', () => {
    const h = harness()
    populate(h)
    expect(keysOf(h, '*')).to.deep.equal(KEYS.slice().sort())
  })

  for (const [pattern, expected] of CASES) {
    it(`${JSON.stringify(pattern)} matches as in Redis`, () => {
      const h = harness()
      populate(h)
      expect(keysOf(h, pattern)).to.deep.equal(expected.slice().sort())
    })
  }

  it('returns binary keys byte-exactly as bulk strings', () => {
    const h = harness()
    const key = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80])
    h.db.set(key, str('v'), 0)
    const reply = h.run('keys', '*')
    expect(reply.kind).to.equal('array')
    const [only] = (reply as unknown as { value: { kind: string; value: Buffer }[] }).value
    expect(only!.kind).to.equal('bulk')
    expect(Buffer.compare(Buffer.from(only!.value), key)).to.equal(0)
  })

  it('omits expired keys', () => {
    const h = harness()
    h.db.set(latin1('live'), str('v'), 0)
    h.db.set(latin1('lapsed'), str('v'), h.now + 1)
    h.now += 2
    expect(keysOf(h, '*')).to.deep.equal(['live'])
    expect(keysOf(h, 'l*')).to.deep.equal(['live'])
  })

  it('visits only the literal prefix range when the pattern has one', () => {
    const h = harness()
    populate(h)
    const db = h.db
    db.keys = () => {
      throw new Error('full keyspace walk')
    }
    expect(keysOf(h, 'foo:*')).to.deep.equal(['foo:1', 'foo:10', 'foo:2'])
    expect(keysOf(h, 'h\\*l*')).to.deep.equal(['h*llo'])
    expect(() => keysOf(h, '*o')).to.throw('full keyspace walk')
  })
})
