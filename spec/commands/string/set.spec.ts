import { expect } from 'chai'
import { harness, notAString, plain, invalidExpire, START, OK, SYNTAX, NOT_INTEGER, WRONGTYPE } from './harness.js'
import { parseExpire } from '../../../src/commands/string/set.js'
import { MAX_EXPIRES_AT } from '../../../src/storage/keyspace.js'
import { dataOf } from '../../support/values.js'

describe('SET', () => {
  it('stores a binary value as given and replies OK', () => {
    const h = harness()
    const value = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80])
    expect(plain(h.run('SET', 'k', value))).to.deep.equal(OK)
    const stored = h.entry('k')!
    expect(dataOf(stored.value).equals(value)).to.equal(true)
    expect(stored.expiresAt).to.equal(0)
  })

  it('copies the value so a reused argv buffer cannot change it', () => {
    const h = harness()
    const value = Buffer.from('abc')
    h.run('SET', 'k', value)
    value.write('xyz')
    expect(plain(h.run('GET', 'k'))).to.equal('abc')
  })

  it('accepts binary keys', () => {
    const h = harness()
    const key = Buffer.from([0x00, 0xff, 0x20])
    h.run('SET', key, 'v')
    expect(plain(h.run('GET', key))).to.equal('v')
    expect(plain(h.run('GET', Buffer.from([0x00, 0xff])))).to.equal(null)
  })

  it('overwrites a key of another type and clears its TTL', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, START + 10_000)
    expect(plain(h.run('SET', 'k', 'v'))).to.deep.equal(OK)
    expect(h.entry('k')!.value.type).to.equal('string')
    expect(h.entry('k')!.expiresAt).to.equal(0)
  })

  describe('NX and XX', () => {
    it('NX sets only a missing key, replying nil otherwise', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'a', 'NX'))).to.deep.equal(OK)
      expect(plain(h.run('SET', 'k', 'b', 'nx'))).to.equal(null)
      expect(plain(h.run('GET', 'k'))).to.equal('a')
    })

    it('XX sets only an existing key', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'a', 'XX'))).to.equal(null)
      expect(h.entry('k')).to.equal(undefined)
      h.run('SET', 'k', 'a')
      expect(plain(h.run('SET', 'k', 'b', 'XX'))).to.deep.equal(OK)
      expect(plain(h.run('GET', 'k'))).to.equal('b')
    })

    it('NX treats a key of another type as existing', () => {
      const h = harness()
      h.db.set(Buffer.from('k'), notAString, 0)
      expect(plain(h.run('SET', 'k', 'a', 'NX'))).to.equal(null)
      expect(h.entry('k')!.value.type).to.equal('hash')
    })

    it('NX together with XX is a syntax error, in either order; repeating one is not', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'v', 'NX', 'XX'))).to.deep.equal(SYNTAX)
      expect(plain(h.run('SET', 'k', 'v', 'xx', 'nx'))).to.deep.equal(SYNTAX)
      expect(h.entry('k')).to.equal(undefined)
      expect(plain(h.run('SET', 'k', 'v', 'NX', 'NX'))).to.deep.equal(OK)
    })
  })

  describe('GET option', () => {
    it('replies with the old value, or nil when there was none', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'a', 'GET'))).to.equal(null)
      expect(plain(h.run('SET', 'k', 'b', 'get'))).to.equal('a')
      expect(plain(h.run('GET', 'k'))).to.equal('b')
    })

    it('refuses a key of another type with WRONGTYPE and leaves it alone', () => {
      const h = harness()
      h.db.set(Buffer.from('k'), notAString, 0)
      expect(plain(h.run('SET', 'k', 'v', 'GET'))).to.deep.equal(WRONGTYPE)
      expect(h.entry('k')!.value.type).to.equal('hash')
    })

    it('combines with NX (Redis 7): the old value comes back and nothing is set', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'a', 'NX', 'GET'))).to.equal(null)
      expect(plain(h.run('SET', 'k', 'b', 'NX', 'GET'))).to.equal('a')
      expect(plain(h.run('GET', 'k'))).to.equal('a')
    })

    it('combines with XX: a missing key replies nil and stays missing', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'a', 'XX', 'GET'))).to.equal(null)
      expect(h.entry('k')).to.equal(undefined)
      h.run('SET', 'k', 'a')
      expect(plain(h.run('SET', 'k', 'b', 'XX', 'GET'))).to.equal('a')
      expect(plain(h.run('GET', 'k'))).to.equal('b')
    })

    it('may be repeated', () => {
      const h = harness()
      h.run('SET', 'k', 'a')
      expect(plain(h.run('SET', 'k', 'b', 'GET', 'GET'))).to.equal('a')
    })
  })

  describe('expiry options', () => {
    it('EX and PX are relative to now, EXAT and PXAT absolute', () => {
      const h = harness()
      h.run('SET', 'a', 'v', 'EX', '10')
      h.run('SET', 'b', 'v', 'px', '1500')
      h.run('SET', 'c', 'v', 'EXAT', String(START / 1000 + 100))
      h.run('SET', 'd', 'v', 'PXAT', String(START + 7))
      expect(h.entry('a')!.expiresAt).to.equal(START + 10_000)
      expect(h.entry('b')!.expiresAt).to.equal(START + 1500)
      expect(h.entry('c')!.expiresAt).to.equal(START + 100_000)
      expect(h.entry('d')!.expiresAt).to.equal(START + 7)
    })

    it('the key disappears once the TTL passes', () => {
      const h = harness()
      h.run('SET', 'k', 'v', 'PX', '100')
      h.now += 100
      expect(plain(h.run('GET', 'k'))).to.equal('v')
      h.now += 1
      expect(plain(h.run('GET', 'k'))).to.equal(null)
    })

    it('a plain SET clears the TTL; KEEPTTL keeps it', () => {
      const h = harness()
      h.run('SET', 'k', 'v', 'EX', '100')
      h.run('SET', 'k', 'w', 'KEEPTTL')
      expect(h.entry('k')!.expiresAt).to.equal(START + 100_000)
      expect(plain(h.run('GET', 'k'))).to.equal('w')
      h.run('SET', 'k', 'x')
      expect(h.entry('k')!.expiresAt).to.equal(0)
    })

    it('KEEPTTL on a missing key or a persistent key stores it without TTL', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'v', 'KEEPTTL'))).to.deep.equal(OK)
      expect(h.entry('k')!.expiresAt).to.equal(0)
    })

    it('an absolute time in the past deletes the key, old value included', () => {
      const h = harness()
      h.run('SET', 'k', 'old')
      expect(plain(h.run('SET', 'k', 'v', 'PXAT', '1', 'GET'))).to.equal('old')
      expect(h.entry('k')).to.equal(undefined)
      expect(h.db.size).to.equal(0)
      expect(plain(h.run('SET', 'k', 'v', 'EXAT', String(START / 1000)))).to.deep.equal(OK)
      expect(h.entry('k')).to.equal(undefined)
    })

    it('the same expiry option twice is allowed and the last wins', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'v', 'EX', '10', 'EX', '20'))).to.deep.equal(OK)
      expect(h.entry('k')!.expiresAt).to.equal(START + 20_000)
    })

    for (const args of [
      ['EX', '10', 'PX', '100'],
      ['PX', '10', 'EX', '100'],
      ['EX', '10', 'EXAT', '100'],
      ['PXAT', '10', 'PX', '100'],
      ['KEEPTTL', 'EX', '10'],
      ['EX', '10', 'KEEPTTL'],
      ['PXAT', '10', 'KEEPTTL'],
      ['EX'],
      ['NX', 'PX'],
      ['PERSIST'],
      ['EX', '10', 'GET', 'KEEPTTL'],
      ['FOO'],
      ['EXX', '10'],
    ]) {
      it(`SET k v ${args.join(' ')} is a syntax error and changes nothing`, () => {
        const h = harness()
        h.run('SET', 'k', 'old')
        expect(plain(h.run('SET', 'k', 'v', ...args))).to.deep.equal(SYNTAX)
        expect(plain(h.run('GET', 'k'))).to.equal('old')
      })
    }

    it('a syntax error wins over a bad expire value', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'v', 'EX', 'abc', 'XX', 'NX'))).to.deep.equal(SYNTAX)
    })

    it('a non-integer expire is "not an integer"', () => {
      const h = harness()
      for (const bad of ['abc', '1.5', ' 1', '+1', '01', '', '9223372036854775808']) {
        expect(plain(h.run('SET', 'k', 'v', 'EX', bad)), bad).to.deep.equal(NOT_INTEGER)
      }
      expect(h.entry('k')).to.equal(undefined)
    })

    it('zero, negative and overflowing expiries are invalid expire times', () => {
      const h = harness()
      for (const args of [
        ['EX', '0'],
        ['PX', '-1'],
        ['EXAT', '0'],
        ['PXAT', '-9223372036854775808'],
        // seconds × 1000 overflows 64 bits
        ['EXAT', '9223372036854776'],
        ['EX', '9223372036854776'],
        // now + relative overflows 64 bits
        ['EX', '9223372036854775'],
        ['PX', '9223372036854775807'],
      ]) {
        expect(plain(h.run('SET', 'k', 'v', ...args)), args.join(' ')).to.deep.equal(invalidExpire('set'))
      }
      expect(h.entry('k')).to.equal(undefined)
    })

    it('the largest absolute times are valid, kept as the latest expiry storage holds', () => {
      const h = harness()
      expect(plain(h.run('SET', 'k', 'v', 'EXAT', '9223372036854775'))).to.deep.equal(OK)
      expect(h.entry('k')!.expiresAt).to.equal(MAX_EXPIRES_AT)
      expect(plain(h.run('SET', 'k', 'v', 'PXAT', '9223372036854775807'))).to.deep.equal(OK)
      expect(h.entry('k')!.expiresAt).to.equal(MAX_EXPIRES_AT)
    })

    it('an invalid expire is reported before GET sees a wrong type', () => {
      const h = harness()
      h.db.set(Buffer.from('k'), notAString, 0)
      expect(plain(h.run('SET', 'k', 'v', 'GET', 'EX', '0'))).to.deep.equal(invalidExpire('set'))
    })
  })
})

describe('parseExpire', () => {
  it('names the command in the error', () => {
    expect(parseExpire(Buffer.from('0'), 'ex', START, 'getex')).to.deep.equal({
      kind: 'error',
      value: "ERR invalid expire time in 'getex' command",
    })
  })

  it('is exact at the 64-bit boundary for long arguments', () => {
    // 9223372036854775 s fits (×1000 ≤ 2^63-1) only as an absolute time, and is kept as the
    // latest expiry storage holds.
    expect(parseExpire(Buffer.from('9223372036854775'), 'exat', START, 'set')).to.equal(MAX_EXPIRES_AT)
    expect(parseExpire(Buffer.from('9223372036854775'), 'ex', START, 'set')).to.have.property('kind', 'error')
    // The largest relative PX that still fits after adding now.
    const limit = (2n ** 63n - 1n - BigInt(START)).toString()
    expect(parseExpire(Buffer.from(limit), 'px', START, 'set')).to.be.a('number')
    expect(parseExpire(Buffer.from((BigInt(limit) + 1n).toString()), 'px', START, 'set')).to.have.property('kind', 'error')
  })
})
