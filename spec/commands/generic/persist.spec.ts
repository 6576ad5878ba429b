import { expect } from 'chai'
import { harness, plain, str } from './harness.js'

describe('PERSIST', () => {
  it('removes a TTL and replies 1; 0 when there is none or no key', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), str('v'), h.now + 1000)
    expect(plain(h.run('persist', 'k'))).to.equal(1)
    expect(h.db.peek(Buffer.from('k'))!.expiresAt).to.equal(0)
    expect(plain(h.run('persist', 'k'))).to.equal(0)
    expect(plain(h.run('persist', 'missing'))).to.equal(0)
    h.now += 5000
    expect(plain(h.run('exists', 'k'))).to.equal(1)
  })
})
