import { expect } from 'chai'
import { harness, plain, str } from './harness.js'

describe('EXISTS', () => {
  it('counts a key named twice twice', () => {
    const h = harness()
    h.db.set(Buffer.from('a'), str('1'), 0)
    expect(plain(h.run('exists', 'a', 'a', 'b'))).to.equal(2)
    expect(plain(h.run('exists', 'b'))).to.equal(0)
  })

  it('ignores expired keys: live up to and including the expiry instant, as Redis', () => {
    const h = harness()
    h.db.set(Buffer.from('a'), str('1'), h.now + 10)
    h.now += 10
    expect(plain(h.run('exists', 'a'))).to.equal(1)
    h.now += 1
    expect(plain(h.run('exists', 'a'))).to.equal(0)
  })

  it('does not update the access time', () => {
    const h = harness()
    h.db.set(Buffer.from('a'), str('1'), 0)
    h.now += 5000
    h.run('exists', 'a')
    expect(h.db.peek(Buffer.from('a'))!.accessedAt).to.equal(h.now - 5000)
  })
})
