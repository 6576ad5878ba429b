import { expect } from 'chai'
import fc from 'fast-check'
import { harness, notAString, plain, START, NOT_INTEGER, WRONGTYPE, OVERFLOW } from './harness.js'

const MAX = 2n ** 63n - 1n
const MIN = -(2n ** 63n)
/** Full-range values, values near the bounds, and small counters (the fast path). */
const int64 = fc.oneof(fc.bigInt(MIN, MAX), fc.bigInt(MAX - 1000n, MAX), fc.bigInt(MIN, MIN + 1000n), fc.bigInt(-100000n, 100000n))

describe('INCR, DECR, INCRBY, DECRBY', () => {
  it('start a missing key from 0 and store the decimal result', () => {
    const h = harness()
    expect(plain(h.run('INCR', 'a'))).to.equal(1)
    expect(plain(h.run('DECR', 'b'))).to.equal(-1)
    expect(plain(h.run('INCRBY', 'c', '-5'))).to.equal(-5)
    expect(plain(h.run('DECRBY', 'd', '10'))).to.equal(-10)
    expect(plain(h.run('MGET', 'a', 'b', 'c', 'd'))).to.deep.equal(['1', '-1', '-5', '-10'])
  })

  it('keep the key TTL', () => {
    const h = harness()
    h.run('SET', 'k', '5', 'EX', '10')
    h.run('INCR', 'k')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
  })

  it('reach exactly ±2^63 bounds and refuse to pass them', () => {
    const h = harness()
    h.run('SET', 'k', (MAX - 1n).toString())
    expect(plain(h.run('INCR', 'k'))).to.equal(MAX)
    expect(plain(h.run('INCR', 'k'))).to.deep.equal(OVERFLOW)
    expect(plain(h.run('INCRBY', 'k', '1'))).to.deep.equal(OVERFLOW)
    expect(plain(h.run('GET', 'k'))).to.equal(MAX.toString())
    h.run('SET', 'k', (MIN + 1n).toString())
    expect(plain(h.run('DECR', 'k'))).to.equal(MIN)
    expect(plain(h.run('DECR', 'k'))).to.deep.equal(OVERFLOW)
    expect(plain(h.run('INCRBY', 'k', MAX.toString()))).to.equal(-1)
    expect(plain(h.run('INCRBY', 'k', MIN.toString()))).to.deep.equal(OVERFLOW)
  })

  it('DECRBY -2^63 is refused before the key is read', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    const refused = { error: 'ERR decrement would overflow' }
    expect(plain(h.run('DECRBY', 'k', MIN.toString()))).to.deep.equal(refused)
    expect(plain(h.run('DECRBY', 'l', MIN.toString()))).to.deep.equal(refused)
    expect(h.entry('k')).to.equal(undefined)
    expect(plain(h.run('DECRBY', 'k', MAX.toString()))).to.equal(-MAX)
  })

  it('reject a stored value that is not a canonical 64-bit integer', () => {
    const h = harness()
    for (const stored of [' 1', '1 ', '01', '-0', '+1', '1.0', '', 'abc', '9223372036854775808', '1e3', '0x10']) {
      h.run('SET', 'k', stored)
      expect(plain(h.run('INCR', 'k')), JSON.stringify(stored)).to.deep.equal(NOT_INTEGER)
      expect(plain(h.run('GET', 'k'))).to.equal(stored)
    }
  })

  it('reject a non-integer increment before looking at the key', () => {
    const h = harness()
    h.db.set(Buffer.from('l'), notAString, 0)
    for (const bad of ['abc', '1.5', '-0', '9223372036854775808', '-9223372036854775809', '']) {
      expect(plain(h.run('INCRBY', 'l', bad)), bad).to.deep.equal(NOT_INTEGER)
      expect(plain(h.run('DECRBY', 'l', bad)), bad).to.deep.equal(NOT_INTEGER)
    }
    expect(plain(h.run('INCR', 'l'))).to.deep.equal(WRONGTYPE)
  })

  it('work with values that need 64 bits', () => {
    const h = harness()
    h.run('SET', 'k', '9007199254740993')
    expect(plain(h.run('INCRBY', 'k', '2'))).to.equal(9007199254740995n)
    expect(plain(h.run('GET', 'k'))).to.equal('9007199254740995')
    h.run('SET', 'k', '999999999999999')
    expect(plain(h.run('INCRBY', 'k', '999999999999999'))).to.equal(1999999999999998)
  })

  it('agree with exact BigInt arithmetic (property)', () => {
    fc.assert(
      fc.property(int64, int64, (start, delta) => {
        const h = harness()
        h.run('SET', 'k', start.toString())
        const reply = plain(h.run('INCRBY', 'k', delta.toString()))
        const sum = start + delta
        if (sum > MAX || sum < MIN) expect(reply).to.deep.equal(OVERFLOW)
        else {
          expect(BigInt(reply as number | bigint)).to.equal(sum)
          expect(plain(h.run('GET', 'k'))).to.equal(sum.toString())
        }
      }),
    )
  })
})
