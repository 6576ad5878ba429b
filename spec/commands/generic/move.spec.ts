import { expect } from 'chai'
import { harness, plain, str } from './harness.js'
import { dataOf } from '../../support/values.js'

const k = (s: string) => Buffer.from(s)

describe('MOVE', () => {
  it('moves the value and its TTL to another database of the tenant', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), h.now + 777)
    expect(plain(h.run('MOVE', 'a', '3'))).to.equal(1)
    expect(h.dbs[0]!.peek(k('a'))).to.equal(undefined)
    expect(dataOf(h.dbs[3]!.peek(k('a'))!.value).toString()).to.equal('v')
    expect(h.dbs[3]!.peek(k('a'))!.expiresAt).to.equal(h.now + 777)
  })

  it('answers 0 when the key is missing or the target holds it, changing nothing', () => {
    const h = harness()
    expect(plain(h.run('MOVE', 'none', '1'))).to.equal(0)
    h.db.set(k('a'), str('here'), 0)
    h.dbs[1]!.set(k('a'), str('there'), 0)
    expect(plain(h.run('MOVE', 'a', '1'))).to.equal(0)
    expect(dataOf(h.dbs[0]!.peek(k('a'))!.value).toString()).to.equal('here')
    expect(dataOf(h.dbs[1]!.peek(k('a'))!.value).toString()).to.equal('there')
  })

  it('errors: the index first (integer, 32 bits, within the tenant), then the same database', () => {
    const h = harness()
    h.select(2)
    expect(plain(h.run('MOVE', 'a', 'x'))).to.deep.equal({ error: 'ERR value is not an integer or out of range' })
    expect(plain(h.run('MOVE', 'a', '2147483648'))).to.deep.equal({ error: 'ERR value is out of range, value must between -2147483648 and 2147483647' })
    expect(plain(h.run('MOVE', 'a', '16'))).to.deep.equal({ error: 'ERR DB index is out of range' })
    expect(plain(h.run('MOVE', 'a', '-1'))).to.deep.equal({ error: 'ERR DB index is out of range' })
    expect(plain(h.run('MOVE', 'none', '2'))).to.deep.equal({ error: 'ERR source and destination objects are the same' })
  })
})
