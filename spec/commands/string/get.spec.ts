import { expect } from 'chai'
import { harness, notAString, plain, START, WRONGTYPE } from './harness.js'

describe('GET', () => {
  it('replies nil for a missing key and the bytes for a string', () => {
    const h = harness()
    expect(plain(h.run('GET', 'k'))).to.equal(null)
    h.run('SET', 'k', Buffer.from([0, 255, 1]))
    const reply = h.run('GET', 'k')
    expect(reply.kind).to.equal('bulk')
    expect(Buffer.compare(reply.kind === 'bulk' ? (reply.value as Buffer) : Buffer.alloc(0), Buffer.from([0, 255, 1]))).to.equal(0)
  })

  it('refuses another type', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('GET', 'k'))).to.deep.equal(WRONGTYPE)
  })

  it('does not see a key once its expiry time has passed (alive at that very ms, as in Redis)', () => {
    const h = harness()
    h.run('SET', 'k', 'v', 'PXAT', String(START + 5))
    h.now = START + 5
    expect(plain(h.run('GET', 'k'))).to.equal('v')
    h.now = START + 6
    expect(plain(h.run('GET', 'k'))).to.equal(null)
  })
})

describe('GETSET', () => {
  it('replies with the old value (nil when missing) and stores the new one', () => {
    const h = harness()
    expect(plain(h.run('GETSET', 'k', 'a'))).to.equal(null)
    expect(plain(h.run('GETSET', 'k', 'b'))).to.equal('a')
    expect(plain(h.run('GET', 'k'))).to.equal('b')
  })

  it('clears the TTL, as SET does', () => {
    const h = harness()
    h.run('SET', 'k', 'a', 'EX', '100')
    h.run('GETSET', 'k', 'b')
    expect(h.entry('k')!.expiresAt).to.equal(0)
  })

  it('refuses another type and leaves it alone', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('GETSET', 'k', 'v'))).to.deep.equal(WRONGTYPE)
    expect(h.entry('k')!.value.type).to.equal('hash')
  })
})

describe('GETDEL', () => {
  it('replies with the value and deletes the key', () => {
    const h = harness()
    h.run('SET', 'k', 'v')
    expect(plain(h.run('GETDEL', 'k'))).to.equal('v')
    expect(h.entry('k')).to.equal(undefined)
    expect(plain(h.run('GETDEL', 'k'))).to.equal(null)
  })

  it('refuses another type and does not delete it', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('GETDEL', 'k'))).to.deep.equal(WRONGTYPE)
    expect(h.entry('k')).to.not.equal(undefined)
  })
})
