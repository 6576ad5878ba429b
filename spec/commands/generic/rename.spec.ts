import { expect } from 'chai'
import { countPeeks, harness, plain, str } from './harness.js'
import { dataOf } from '../../support/values.js'

const k = (s: string) => Buffer.from(s)

describe('RENAME', () => {
  it('moves the value and its TTL, replacing the target', () => {
    const h = harness()
    h.db.set(k('a'), str('va'), h.now + 5000)
    h.db.set(k('b'), str('vb'), 0)
    expect(plain(h.run('rename', 'a', 'b'))).to.deep.equal({ simple: 'OK' })
    expect(h.db.peek(k('a'))).to.equal(undefined)
    const moved = h.db.peek(k('b'))!
    expect(dataOf(moved.value).toString()).to.equal('va')
    expect(moved.expiresAt).to.equal(h.now + 5000)
  })

  it('removes the target TTL when the source has none', () => {
    const h = harness()
    h.db.set(k('a'), str('va'), 0)
    h.db.set(k('b'), str('vb'), h.now + 5000)
    h.run('rename', 'a', 'b')
    expect(h.db.peek(k('b'))!.expiresAt).to.equal(0)
  })

  it('fails with no such key for a missing or expired source', () => {
    const h = harness()
    expect(plain(h.run('rename', 'x', 'y'))).to.deep.equal({ error: 'ERR no such key' })
    expect(plain(h.run('rename', 'x', 'x'))).to.deep.equal({ error: 'ERR no such key' })
    h.db.set(k('x'), str('v'), h.now + 1)
    h.now += 2
    expect(plain(h.run('rename', 'x', 'y'))).to.deep.equal({ error: 'ERR no such key' })
  })

  it('renames a key to itself as a no-op', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), h.now + 100)
    expect(plain(h.run('rename', 'a', 'a'))).to.deep.equal({ simple: 'OK' })
    expect(h.db.peek(k('a'))!.expiresAt).to.equal(h.now + 100)
  })

  it('handles binary keys', () => {
    const h = harness()
    const from = Buffer.from([0xff, 0, 1])
    const to = Buffer.from([0xfe, 0, 1])
    h.db.set(from, str('v'), 0)
    h.run('rename', from, to)
    expect(h.db.peek(from)).to.equal(undefined)
    expect(dataOf(h.db.peek(to)!.value).toString()).to.equal('v')
  })
})

describe('RENAMENX', () => {
  it('renames only when the target is absent', () => {
    const h = harness()
    h.db.set(k('a'), str('va'), h.now + 100)
    h.db.set(k('b'), str('vb'), 0)
    expect(plain(h.run('renamenx', 'a', 'b'))).to.equal(0)
    expect(dataOf(h.db.peek(k('b'))!.value).toString()).to.equal('vb')
    expect(plain(h.run('renamenx', 'a', 'c'))).to.equal(1)
    expect(h.db.peek(k('a'))).to.equal(undefined)
    expect(h.db.peek(k('c'))!.expiresAt).to.equal(h.now + 100)
  })

  it('treats an expired target as absent', () => {
    const h = harness()
    h.db.set(k('a'), str('va'), 0)
    h.db.set(k('b'), str('vb'), h.now + 1)
    h.now += 2
    expect(plain(h.run('renamenx', 'a', 'b'))).to.equal(1)
  })

  it('replies 0 for a rename to itself and errors for a missing key', () => {
    const h = harness()
    h.db.set(k('a'), str('va'), 0)
    expect(plain(h.run('renamenx', 'a', 'a'))).to.equal(0)
    expect(plain(h.run('renamenx', 'x', 'y'))).to.deep.equal({ error: 'ERR no such key' })
  })

  it('with notifications off, looks up only the source: the target is looked up for the `new` event alone', () => {
    const h = harness()
    h.db.set(k('a'), str('va'), 0)
    h.db.set(k('b'), str('vb'), 0)
    const looked = countPeeks(h.db)
    expect(plain(h.run('rename', 'a', 'b'))).to.deep.equal({ simple: 'OK' })
    expect(looked).to.deep.equal(['a'])
  })
})

