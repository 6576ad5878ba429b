import { expect } from 'chai'
import { harness, notAString, plain, START, NOT_INTEGER, WRONGTYPE } from './harness.js'

const TOO_LONG = { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' }
const OUT_OF_RANGE = { error: 'ERR offset is out of range' }

describe('SETRANGE', () => {
  it('overwrites in place and replies with the length', () => {
    const h = harness()
    h.run('SET', 'k', 'Hello World')
    expect(plain(h.run('SETRANGE', 'k', '6', 'Redis'))).to.equal(11)
    expect(plain(h.run('GET', 'k'))).to.equal('Hello Redis')
    expect(plain(h.run('SETRANGE', 'k', '10', 'XYZ'))).to.equal(13)
    expect(plain(h.run('GET', 'k'))).to.equal('Hello RediXYZ')
  })

  it('pads a missing key or a short value with zero bytes', () => {
    const h = harness()
    expect(plain(h.run('SETRANGE', 'k', '3', 'ab'))).to.equal(5)
    expect(plain(h.run('GET', 'k'))).to.equal('\0\0\0ab')
    h.run('SET', 'j', 'x')
    expect(plain(h.run('SETRANGE', 'j', '4', Buffer.from([0xff])))).to.equal(5)
    expect(plain(h.run('GET', 'j'))).to.equal('x\0\0\0\xff')
  })

  it('keeps the TTL and does not change a value already handed out', () => {
    const h = harness()
    h.run('SET', 'k', 'abc', 'EX', '10')
    const before = h.run('GET', 'k')
    h.run('SETRANGE', 'k', '0', 'X')
    expect(plain(before)).to.equal('abc')
    expect(plain(h.run('GET', 'k'))).to.equal('Xbc')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
  })

  it('with an empty value changes nothing and creates no key', () => {
    const h = harness()
    expect(plain(h.run('SETRANGE', 'k', '5', ''))).to.equal(0)
    expect(h.entry('k')).to.equal(undefined)
    // Even past the size limit, as Redis checks the limit only when writing.
    expect(plain(h.run('SETRANGE', 'k', '536870912', ''))).to.equal(0)
    h.run('SET', 'k', 'abc')
    expect(plain(h.run('SETRANGE', 'k', '536870912', ''))).to.equal(3)
  })

  it('checks the offset first: not an integer, negative', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('SETRANGE', 'l', 'a', 'x'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('SETRANGE', 'l', '-1', 'x'))).to.deep.equal(OUT_OF_RANGE)
    expect(plain(h.run('SETRANGE', 'l', '0', 'x'))).to.deep.equal(WRONGTYPE)
  })

  it('refuses to grow past proto-max-bulk-len (512 MB by default)', () => {
    const h = harness()
    expect(plain(h.run('SETRANGE', 'k', '536870912', 'x'))).to.deep.equal(TOO_LONG)
    expect(plain(h.run('SETRANGE', 'k', '536870911', 'xy'))).to.deep.equal(TOO_LONG)
    expect(plain(h.run('SETRANGE', 'k', '9223372036854775807', 'x'))).to.deep.equal(TOO_LONG)
    expect(h.entry('k')).to.equal(undefined)
    h.config.set('proto-max-bulk-len', '10')
    expect(plain(h.run('SETRANGE', 'k', '9', 'x'))).to.equal(10)
    expect(plain(h.run('SETRANGE', 'k', '9', 'xy'))).to.deep.equal(TOO_LONG)
    expect(plain(h.run('SETRANGE', 'k', '0', 'abc'))).to.equal(10)
  })
})
