import { expect } from 'chai'
import { harness, notAString, plain, invalidExpire, START, SYNTAX, NOT_INTEGER, WRONGTYPE } from './harness.js'

describe('GETEX', () => {
  it('without options is a GET that leaves the TTL alone', () => {
    const h = harness()
    h.run('SET', 'k', 'v', 'EX', '50')
    expect(plain(h.run('GETEX', 'k'))).to.equal('v')
    expect(h.entry('k')!.expiresAt).to.equal(START + 50_000)
  })

  it('sets a relative or absolute expiry and replies with the value', () => {
    const h = harness()
    h.run('SET', 'k', 'v')
    expect(plain(h.run('GETEX', 'k', 'EX', '10'))).to.equal('v')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
    h.run('GETEX', 'k', 'px', '250')
    expect(h.entry('k')!.expiresAt).to.equal(START + 250)
    h.run('GETEX', 'k', 'EXAT', String(START / 1000 + 3))
    expect(h.entry('k')!.expiresAt).to.equal(START + 3000)
    h.run('GETEX', 'k', 'PXAT', String(START + 42))
    expect(h.entry('k')!.expiresAt).to.equal(START + 42)
  })

  it('PERSIST removes the TTL', () => {
    const h = harness()
    h.run('SET', 'k', 'v', 'EX', '10')
    expect(plain(h.run('GETEX', 'k', 'PERSIST'))).to.equal('v')
    expect(h.entry('k')!.expiresAt).to.equal(0)
    expect(plain(h.run('GETEX', 'k', 'persist', 'PERSIST'))).to.equal('v')
  })

  it('an absolute time in the past replies with the value and deletes the key', () => {
    const h = harness()
    h.run('SET', 'k', 'v')
    expect(plain(h.run('GETEX', 'k', 'EXAT', '1'))).to.equal('v')
    expect(h.entry('k')).to.equal(undefined)
    h.run('SET', 'k', 'v')
    expect(plain(h.run('GETEX', 'k', 'PXAT', String(START)))).to.equal('v')
    expect(h.entry('k')).to.equal(undefined)
  })

  it('the same expiry option twice is allowed and the last wins', () => {
    const h = harness()
    h.run('SET', 'k', 'v')
    expect(plain(h.run('GETEX', 'k', 'EX', '10', 'EX', '20'))).to.equal('v')
    expect(h.entry('k')!.expiresAt).to.equal(START + 20_000)
  })

  for (const args of [
    ['EX', '10', 'PX', '10'],
    ['PERSIST', 'EX', '10'],
    ['EX', '10', 'PERSIST'],
    ['KEEPTTL'],
    ['NX'],
    ['GET'],
    ['EX'],
    ['FOO'],
  ]) {
    it(`GETEX k ${args.join(' ')} is a syntax error, even for a missing key`, () => {
      const h = harness()
      expect(plain(h.run('GETEX', 'missing', ...args))).to.deep.equal(SYNTAX)
      h.run('SET', 'k', 'v', 'EX', '5')
      expect(plain(h.run('GETEX', 'k', ...args))).to.deep.equal(SYNTAX)
      expect(h.entry('k')!.expiresAt).to.equal(START + 5000)
    })
  }

  it('checks the key before the time value: missing → nil, wrong type → WRONGTYPE', () => {
    const h = harness()
    expect(plain(h.run('GETEX', 'missing', 'EX', 'abc'))).to.equal(null)
    h.db.set(Buffer.from('l'), notAString, 0)
    expect(plain(h.run('GETEX', 'l', 'EX', 'abc'))).to.deep.equal(WRONGTYPE)
    expect(plain(h.run('GETEX', 'l'))).to.deep.equal(WRONGTYPE)
  })

  it('rejects bad times on an existing key without touching its TTL', () => {
    const h = harness()
    h.run('SET', 'k', 'v', 'EX', '5')
    expect(plain(h.run('GETEX', 'k', 'EX', 'abc'))).to.deep.equal(NOT_INTEGER)
    expect(plain(h.run('GETEX', 'k', 'EX', '0'))).to.deep.equal(invalidExpire('getex'))
    expect(plain(h.run('GETEX', 'k', 'PXAT', '-1'))).to.deep.equal(invalidExpire('getex'))
    expect(plain(h.run('GETEX', 'k', 'EX', '9223372036854775'))).to.deep.equal(invalidExpire('getex'))
    expect(h.entry('k')!.expiresAt).to.equal(START + 5000)
  })
})
