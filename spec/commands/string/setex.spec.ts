import { expect } from 'chai'
import { harness, notAString, plain, invalidExpire, START, OK, NOT_INTEGER } from './harness.js'

describe('SETNX', () => {
  it('sets a missing key and replies 1, else replies 0 and changes nothing', () => {
    const h = harness()
    expect(plain(h.run('SETNX', 'k', 'a'))).to.equal(1)
    expect(plain(h.run('SETNX', 'k', 'b'))).to.equal(0)
    expect(plain(h.run('GET', 'k'))).to.equal('a')
  })

  it('counts a key of another type as existing', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('SETNX', 'k', 'a'))).to.equal(0)
  })

  it('treats an expired key as missing', () => {
    const h = harness()
    h.run('SET', 'k', 'a', 'PX', '10')
    h.now += 11
    expect(plain(h.run('SETNX', 'k', 'b'))).to.equal(1)
    expect(h.entry('k')!.expiresAt).to.equal(0)
  })
})

describe('SETEX and PSETEX', () => {
  it('SETEX sets the value with a TTL in seconds', () => {
    const h = harness()
    expect(plain(h.run('SETEX', 'k', '10', 'v'))).to.deep.equal(OK)
    expect(plain(h.run('GET', 'k'))).to.equal('v')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
  })

  it('PSETEX sets the value with a TTL in milliseconds, replacing any type', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('PSETEX', 'k', '1500', 'v'))).to.deep.equal(OK)
    expect(plain(h.run('GET', 'k'))).to.equal('v')
    expect(h.entry('k')!.expiresAt).to.equal(START + 1500)
  })

  it('reject zero, negative and overflowing times with their own command name', () => {
    const h = harness()
    expect(plain(h.run('SETEX', 'k', '0', 'v'))).to.deep.equal(invalidExpire('setex'))
    expect(plain(h.run('SETEX', 'k', '-1', 'v'))).to.deep.equal(invalidExpire('setex'))
    expect(plain(h.run('SETEX', 'k', '9223372036854775', 'v'))).to.deep.equal(invalidExpire('setex'))
    expect(plain(h.run('PSETEX', 'k', '0', 'v'))).to.deep.equal(invalidExpire('psetex'))
    expect(plain(h.run('PSETEX', 'k', '9223372036854775807', 'v'))).to.deep.equal(invalidExpire('psetex'))
    expect(plain(h.run('SETEX', 'k', 'abc', 'v'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('PSETEX', 'k', '1.5', 'v'))).to.deep.equal(NOT_INTEGER)
    expect(h.entry('k')).to.equal(undefined)
  })
})
