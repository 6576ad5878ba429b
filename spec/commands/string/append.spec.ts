import { expect } from 'chai'
import { harness, notAString, plain, START, WRONGTYPE } from './harness.js'

const TOO_LONG = { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' }

describe('APPEND', () => {
  it('creates a missing key and replies with the new length', () => {
    const h = harness()
    expect(plain(h.run('APPEND', 'k', 'hello'))).to.equal(5)
    expect(plain(h.run('APPEND', 'k', ' world'))).to.equal(11)
    expect(plain(h.run('GET', 'k'))).to.equal('hello world')
    expect(h.entry('k')!.expiresAt).to.equal(0)
  })

  it('is binary-safe and keeps the TTL', () => {
    const h = harness()
    h.run('SET', 'k', Buffer.from([0, 0xff]), 'EX', '10')
    expect(plain(h.run('APPEND', 'k', Buffer.from([0, 0x80])))).to.equal(4)
    expect(plain(h.run('GET', 'k'))).to.equal('\x00\xff\x00\x80')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
  })

  it('does not change a value already handed out in a reply', () => {
    const h = harness()
    h.run('SET', 'k', 'abc')
    const before = h.run('GET', 'k')
    h.run('APPEND', 'k', 'def')
    expect(plain(before)).to.equal('abc')
  })

  it('copies a new key so a reused argv buffer cannot change it', () => {
    const h = harness()
    const arg = Buffer.from('abc')
    h.run('APPEND', 'k', arg)
    arg.write('xyz')
    expect(plain(h.run('GET', 'k'))).to.equal('abc')
  })

  it('refuses another type', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('APPEND', 'k', 'x'))).to.deep.equal(WRONGTYPE)
  })

  it('refuses to grow past proto-max-bulk-len', () => {
    const h = harness()
    h.config.set('proto-max-bulk-len', '8')
    h.run('SET', 'k', 'abcde')
    expect(plain(h.run('APPEND', 'k', 'fgh'))).to.equal(8)
    expect(plain(h.run('APPEND', 'k', 'i'))).to.deep.equal(TOO_LONG)
    expect(plain(h.run('GET', 'k'))).to.equal('abcdefgh')
  })
})

describe('STRLEN', () => {
  it('counts bytes, 0 for a missing key, and refuses another type', () => {
    const h = harness()
    expect(plain(h.run('STRLEN', 'k'))).to.equal(0)
    h.run('SET', 'k', Buffer.from('h\u00e9\0', 'utf8'))
    expect(plain(h.run('STRLEN', 'k'))).to.equal(4)
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('STRLEN', 'l'))).to.deep.equal(WRONGTYPE)
  })
})
