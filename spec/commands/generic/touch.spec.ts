import { expect } from 'chai'
import { harness, plain, str } from './harness.js'

describe('TOUCH', () => {
  it('counts existing keys, duplicates included, and resets their idle time', () => {
    const h = harness()
    h.db.set(Buffer.from('a'), str('1'), 0)
    h.now += 10_000
    expect(plain(h.run('object', 'idletime', 'a'))).to.equal(10)
    expect(plain(h.run('touch', 'a', 'a', 'nope'))).to.equal(2)
    expect(plain(h.run('object', 'idletime', 'a'))).to.equal(0)
  })
})
