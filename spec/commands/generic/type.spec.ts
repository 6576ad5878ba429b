import { expect } from 'chai'
import { harness, plain, str } from './harness.js'

describe('TYPE', () => {
  it('replies with the type name as a simple string, or none', () => {
    const h = harness()
    h.db.set(Buffer.from('s'), str('x'), 0)
    expect(plain(h.run('type', 's'))).to.deep.equal({ simple: 'string' })
    expect(plain(h.run('type', 'nothing'))).to.deep.equal({ simple: 'none' })
  })

  it('reports none once the key expired', () => {
    const h = harness()
    h.db.set(Buffer.from('s'), str('x'), h.now + 1)
    h.now += 2
    expect(plain(h.run('type', 's'))).to.deep.equal({ simple: 'none' })
  })
})
