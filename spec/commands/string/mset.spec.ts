import { expect } from 'chai'
import { harness, notAString, plain, START, OK } from './harness.js'

const WRONG_ARITY = (name: string) => ({ error: `ERR wrong number of arguments for '${name}' command` })

describe('MGET', () => {
  it('replies one entry per key, nil for missing keys and for other types', () => {
    const h = harness()
    h.run('SET', 'a', '1')
    h.run('SET', 'c', Buffer.from([0, 0xff]))
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('MGET', 'a', 'b', 'l', 'c', 'a'))).to.deep.equal(['1', null, null, '\x00\xff', '1'])
  })
})

describe('MSET', () => {
  it('sets every pair, replacing any type and TTL; a repeated key keeps the last value', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    h.run('SET', 't', 'old', 'EX', '10')
    expect(plain(h.run('MSET', 'a', '1', 'l', '2', 't', '3', 'a', '4'))).to.deep.equal(OK)
    expect(plain(h.run('MGET', 'a', 'l', 't'))).to.deep.equal(['4', '2', '3'])
    expect(h.entry('t')!.expiresAt).to.equal(0)
  })

  it('rejects a key without value as a wrong number of arguments, setting nothing', () => {
    const h = harness()
    expect(plain(h.run('MSET', 'a', '1', 'b'))).to.deep.equal(WRONG_ARITY('mset'))
    expect(h.entry('a')).to.equal(undefined)
  })
})

describe('MSETNX', () => {
  it('sets all keys when none exists and replies 1', () => {
    const h = harness()
    expect(plain(h.run('MSETNX', 'a', '1', 'b', '2'))).to.equal(1)
    expect(plain(h.run('MGET', 'a', 'b'))).to.deep.equal(['1', '2'])
  })

  it('is all or nothing: one existing key (of any type) sets none', () => {
    const h = harness()
    h.run('SET', 'b', 'old')
    expect(plain(h.run('MSETNX', 'a', '1', 'b', '2', 'c', '3'))).to.equal(0)
    expect(plain(h.run('MGET', 'a', 'b', 'c'))).to.deep.equal([null, 'old', null])
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('MSETNX', 'x', '1', 'l', '2'))).to.equal(0)
    expect(h.entry('x')).to.equal(undefined)
  })

  it('counts an expired key as missing', () => {
    const h = harness()
    h.run('SET', 'a', 'old', 'PX', '1')
    h.now = START + 2
    expect(plain(h.run('MSETNX', 'a', '1'))).to.equal(1)
  })

  it('accepts the same key twice, keeping the last value', () => {
    const h = harness()
    expect(plain(h.run('MSETNX', 'x', '1', 'x', '2'))).to.equal(1)
    expect(plain(h.run('GET', 'x'))).to.equal('2')
  })

  it('rejects an odd argument count', () => {
    const h = harness()
    expect(plain(h.run('MSETNX', 'a', '1', 'b'))).to.deep.equal(WRONG_ARITY('msetnx'))
  })
})
