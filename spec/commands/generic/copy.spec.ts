import { expect } from 'chai'
import { harness, plain, str } from './harness.js'
import { dataOf } from '../../support/values.js'

const k = (s: string) => Buffer.from(s)

describe('COPY', () => {
  it('copies the value and TTL, leaving the source intact', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), h.now + 777)
    expect(plain(h.run('copy', 'a', 'b'))).to.equal(1)
    expect(dataOf(h.db.peek(k('a'))!.value).toString()).to.equal('v')
    expect(dataOf(h.db.peek(k('b'))!.value).toString()).to.equal('v')
    expect(h.db.peek(k('b'))!.expiresAt).to.equal(h.now + 777)
  })

  it('gives the copy its own bytes', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), 0)
    h.run('copy', 'a', 'b')
    dataOf(h.db.peek(k('a'))!.value)[0] = 0x77
    expect(dataOf(h.db.peek(k('b'))!.value).toString()).to.equal('v')
  })

  it('refuses to overwrite without REPLACE and overwrites with it', () => {
    const h = harness()
    h.db.set(k('a'), str('new'), 0)
    h.db.set(k('b'), str('old'), h.now + 50)
    expect(plain(h.run('copy', 'a', 'b'))).to.equal(0)
    expect(dataOf(h.db.peek(k('b'))!.value).toString()).to.equal('old')
    expect(plain(h.run('copy', 'a', 'b', 'REPLACE', 'replace'))).to.equal(1)
    expect(dataOf(h.db.peek(k('b'))!.value).toString()).to.equal('new')
    expect(h.db.peek(k('b'))!.expiresAt).to.equal(0)
  })

  it('replies 0 for a missing source', () => {
    expect(plain(harness().run('copy', 'x', 'y'))).to.equal(0)
  })

  it('copies into another database, even under the same name', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), 0)
    expect(plain(h.run('copy', 'a', 'a', 'db', '5'))).to.equal(1)
    expect(dataOf(h.dbs[5]!.peek(k('a'))!.value).toString()).to.equal('v')
    expect(plain(h.run('copy', 'a', 'a', 'DB', '5'))).to.equal(0)
    expect(plain(h.run('copy', 'a', 'a', 'db', '0'))).to.deep.equal({
      error: 'ERR source and destination objects are the same',
    })
  })

  it('validates its options as Redis does', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), 0)
    expect(plain(h.run('copy', 'a', 'a'))).to.deep.equal({ error: 'ERR source and destination objects are the same' })
    expect(plain(h.run('copy', 'a', 'b', 'db', '16'))).to.deep.equal({ error: 'ERR DB index is out of range' })
    expect(plain(h.run('copy', 'a', 'b', 'db', '-1'))).to.deep.equal({ error: 'ERR DB index is out of range' })
    expect(plain(h.run('copy', 'a', 'b', 'db', '2147483648'))).to.deep.equal({
      error: 'ERR value is out of range, value must between -2147483648 and 2147483647',
    })
    expect(plain(h.run('copy', 'a', 'b', 'db', '99999999999999999999'))).to.deep.equal({
      error: 'ERR value is not an integer or out of range',
    })
    expect(plain(h.run('copy', 'a', 'b', 'db', 'x'))).to.deep.equal({
      error: 'ERR value is not an integer or out of range',
    })
    expect(plain(h.run('copy', 'a', 'b', 'db'))).to.deep.equal({ error: 'ERR syntax error' })
    expect(plain(h.run('copy', 'a', 'b', 'foo'))).to.deep.equal({ error: 'ERR syntax error' })
    // Options are checked before the keys: a bad DB wins over a missing source.
    expect(plain(h.run('copy', 'missing', 'b', 'db', '99'))).to.deep.equal({ error: 'ERR DB index is out of range' })
    expect(h.db.peek(k('b'))).to.equal(undefined)
  })
})
