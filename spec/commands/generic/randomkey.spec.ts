import { expect } from 'chai'
import { harness, plain, str } from './harness.js'

describe('RANDOMKEY', () => {
  it('replies with a null bulk string on an empty database', () => {
    expect(harness().run('randomkey')).to.deep.equal({ kind: 'null' })
  })

  it('returns only live keys, and eventually each of them', () => {
    const h = harness()
    for (const k of ['a', 'b', 'c']) h.db.set(Buffer.from(k), str(k), 0)
    h.db.set(Buffer.from('gone'), str('x'), h.now + 1)
    h.now += 2
    const seen = new Set<unknown>()
    for (let i = 0; i < 300; i++) seen.add(plain(h.run('randomkey')))
    expect([...seen].sort()).to.deep.equal(['a', 'b', 'c'])
  })
})
