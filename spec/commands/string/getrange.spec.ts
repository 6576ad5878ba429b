import { expect } from 'chai'
import { harness, notAString, plain, NOT_INTEGER, WRONGTYPE } from './harness.js'

describe('GETRANGE and SUBSTR', () => {
  // Expected values come from redis-server 7.0.15 with k = "hello world".
  const cases: [string, string, string][] = [
    ['0', '-1', 'hello world'],
    ['-5', '-1', 'world'],
    ['-100', '2', 'hel'],
    ['5', '2', ''],
    ['100', '200', ''],
    ['0', '100', 'hello world'],
    ['-1', '-5', ''],
    ['0', '-100', 'h'],
    ['3', '3', 'l'],
    ['9223372036854775807', '9223372036854775807', ''],
    ['-9223372036854775808', '-9223372036854775808', 'h'],
    ['-9223372036854775807', '-9223372036854775808', ''],
    ['-9223372036854775808', '9223372036854775807', 'hello world'],
  ]
  for (const [start, end, want] of cases) {
    it(`GETRANGE k ${start} ${end} → ${JSON.stringify(want)}`, () => {
      const h = harness()
      h.run('SET', 'k', 'hello world')
      expect(plain(h.run('GETRANGE', 'k', start, end))).to.equal(want)
      expect(plain(h.run('SUBSTR', 'k', start, end))).to.equal(want)
    })
  }

  it('replies an empty string for a missing key and for an empty value', () => {
    const h = harness()
    expect(plain(h.run('GETRANGE', 'k', '0', '-1'))).to.equal('')
    h.run('SET', 'k', '')
    expect(plain(h.run('GETRANGE', 'k', '0', '-1'))).to.equal('')
    expect(plain(h.run('GETRANGE', 'k', '-1', '0'))).to.equal('')
  })

  it('is binary-safe', () => {
    const h = harness()
    h.run('SET', 'k', Buffer.from([0, 1, 0xff, 0]))
    expect(plain(h.run('GETRANGE', 'k', '1', '-2'))).to.equal('\x01\xff')
  })

  it('validates the indexes before the key: not integers, then the type', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('GETRANGE', 'missing', 'a', '1'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('GETRANGE', 'l', '0', '1.5'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('GETRANGE', 'l', '0', '1'))).to.deep.equal(WRONGTYPE)
    expect(plain(h.run('SUBSTR', 'l', '0', '1'))).to.deep.equal(WRONGTYPE)
  })
})
