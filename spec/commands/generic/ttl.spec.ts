import { expect } from 'chai'
import { START, harness, plain, str } from './harness.js'

const K = Buffer.from('k')

describe('TTL, PTTL, EXPIRETIME, PEXPIRETIME', () => {
  const all = ['ttl', 'pttl', 'expiretime', 'pexpiretime']

  it('reply -2 for a missing key and -1 for a key without expiry', () => {
    const h = harness()
    for (const cmd of all) expect(plain(h.run(cmd, 'k')), cmd).to.equal(-2)
    h.db.set(K, str('v'), 0)
    for (const cmd of all) expect(plain(h.run(cmd, 'k')), cmd).to.equal(-1)
  })

  it('report the remaining and the absolute time, seconds rounded to nearest', () => {
    const h = harness()
    h.db.set(K, str('v'), START + 1500)
    expect(plain(h.run('pttl', 'k'))).to.equal(1500)
    expect(plain(h.run('ttl', 'k'))).to.equal(2)
    expect(plain(h.run('pexpiretime', 'k'))).to.equal(START + 1500)
    expect(plain(h.run('expiretime', 'k'))).to.equal((START + 2000) / 1000)
    h.now += 1
    expect(plain(h.run('ttl', 'k'))).to.equal(1)
    expect(plain(h.run('pttl', 'k'))).to.equal(1499)
    h.now += 1000
    expect(plain(h.run('ttl', 'k'))).to.equal(0)
    expect(plain(h.run('pttl', 'k'))).to.equal(499)
    expect(plain(h.run('pexpiretime', 'k'))).to.equal(START + 1500)
    h.now = START + 1500
    expect(plain(h.run('pttl', 'k'))).to.equal(0)
    expect(plain(h.run('ttl', 'k'))).to.equal(0)
    h.now += 1
    for (const cmd of all) expect(plain(h.run(cmd, 'k')), cmd).to.equal(-2)
  })

  it('do not count as an access', () => {
    const h = harness()
    h.db.set(K, str('v'), START + 100_000)
    h.now += 3000
    for (const cmd of all) h.run(cmd, 'k')
    expect(plain(h.run('object', 'idletime', 'k'))).to.equal(3)
  })
})
