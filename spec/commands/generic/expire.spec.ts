import { expect } from 'chai'
import { START, harness, plain, str, type Harness } from './harness.js'

const K = Buffer.from('k')

type State = 'none' | 'persistent' | 'ttl100'

const prepare = (h: Harness, state: State) => {
  if (state === 'persistent') h.db.set(K, str('v'), 0)
  if (state === 'ttl100') h.db.set(K, str('v'), h.now + 100_000)
}

// [state, options, EXPIRE seconds, reply, TTL afterwards], recorded from redis-server 7.0.15.
const MATRIX: [State, string, number, number, number][] = [
  ['none', '', 50, 0, -2], ['none', '', 150, 0, -2], ['none', '', -1, 0, -2],
  ['none', 'NX', 50, 0, -2], ['none', 'NX', 150, 0, -2], ['none', 'NX', -1, 0, -2],
  ['none', 'XX', 50, 0, -2], ['none', 'XX', 150, 0, -2], ['none', 'XX', -1, 0, -2],
  ['none', 'GT', 50, 0, -2], ['none', 'GT', 150, 0, -2], ['none', 'GT', -1, 0, -2],
  ['none', 'LT', 50, 0, -2], ['none', 'LT', 150, 0, -2], ['none', 'LT', -1, 0, -2],
  ['none', 'XX GT', 50, 0, -2], ['none', 'XX GT', 150, 0, -2], ['none', 'XX GT', -1, 0, -2],
  ['none', 'XX LT', 50, 0, -2], ['none', 'XX LT', 150, 0, -2], ['none', 'XX LT', -1, 0, -2],
  ['persistent', '', 50, 1, 50], ['persistent', '', 150, 1, 150], ['persistent', '', -1, 1, -2],
  ['persistent', 'NX', 50, 1, 50], ['persistent', 'NX', 150, 1, 150], ['persistent', 'NX', -1, 1, -2],
  ['persistent', 'XX', 50, 0, -1], ['persistent', 'XX', 150, 0, -1], ['persistent', 'XX', -1, 0, -1],
  ['persistent', 'GT', 50, 0, -1], ['persistent', 'GT', 150, 0, -1], ['persistent', 'GT', -1, 0, -1],
  ['persistent', 'LT', 50, 1, 50], ['persistent', 'LT', 150, 1, 150], ['persistent', 'LT', -1, 1, -2],
  ['persistent', 'XX GT', 50, 0, -1], ['persistent', 'XX GT', 150, 0, -1], ['persistent', 'XX GT', -1, 0, -1],
  ['persistent', 'XX LT', 50, 0, -1], ['persistent', 'XX LT', 150, 0, -1], ['persistent', 'XX LT', -1, 0, -1],
  ['ttl100', '', 50, 1, 50], ['ttl100', '', 150, 1, 150], ['ttl100', '', -1, 1, -2],
  ['ttl100', 'NX', 50, 0, 100], ['ttl100', 'NX', 150, 0, 100], ['ttl100', 'NX', -1, 0, 100],
  ['ttl100', 'XX', 50, 1, 50], ['ttl100', 'XX', 150, 1, 150], ['ttl100', 'XX', -1, 1, -2],
  ['ttl100', 'GT', 50, 0, 100], ['ttl100', 'GT', 150, 1, 150], ['ttl100', 'GT', -1, 0, 100],
  ['ttl100', 'LT', 50, 1, 50], ['ttl100', 'LT', 150, 0, 100], ['ttl100', 'LT', -1, 1, -2],
  ['ttl100', 'XX GT', 50, 0, 100], ['ttl100', 'XX GT', 150, 1, 150], ['ttl100', 'XX GT', -1, 0, 100],
  ['ttl100', 'XX LT', 50, 1, 50], ['ttl100', 'XX LT', 150, 0, 100], ['ttl100', 'XX LT', -1, 1, -2],
]

const err = (error: string) => ({ error })

describe('EXPIRE option matrix', () => {
  for (const [state, options, seconds, reply, ttl] of MATRIX) {
    it(`${state}: EXPIRE k ${seconds} ${options} -> ${reply}, TTL ${ttl}`, () => {
      const h = harness()
      prepare(h, state)
      const opts = options === '' ? [] : options.split(' ')
      expect(plain(h.run('expire', 'k', String(seconds), ...opts))).to.equal(reply)
      expect(plain(h.run('ttl', 'k'))).to.equal(ttl)
    })
  }
})

describe('EXPIRE family', () => {
  it('stores absolute expiry times in ms for each unit and base', () => {
    const h = harness()
    h.db.set(K, str('v'), 0)
    h.run('expire', 'k', '10')
    expect(h.db.peek(K)!.expiresAt).to.equal(h.now + 10_000)
    h.run('pexpire', 'k', '1234')
    expect(h.db.peek(K)!.expiresAt).to.equal(h.now + 1234)
    h.run('expireat', 'k', String(h.now / 1000 + 99))
    expect(h.db.peek(K)!.expiresAt).to.equal(h.now + 99_000)
    h.run('pexpireat', 'k', String(h.now + 5))
    expect(h.db.peek(K)!.expiresAt).to.equal(h.now + 5)
  })

  it('the key vanishes once the clock passes its expiry', () => {
    const h = harness()
    h.db.set(K, str('v'), 0)
    expect(plain(h.run('pexpire', 'k', '100'))).to.equal(1)
    h.now += 100
    expect(plain(h.run('exists', 'k'))).to.equal(1)
    h.now += 1
    expect(plain(h.run('exists', 'k'))).to.equal(0)
  })

  for (const [cmd, arg] of [
    ['expire', '0'],
    ['pexpire', '0'],
    ['expireat', '1'],
    ['pexpireat', String(START)],
    ['pexpire', '-9223372036854775808'],
    ['expireat', '-9223372036854775'],
  ] as const) {
    it(`${cmd} ${arg} deletes the key at once and replies 1`, () => {
      const h = harness()
      h.db.set(K, str('v'), 0)
      expect(plain(h.run(cmd, 'k', arg))).to.equal(1)
      expect(h.db.size).to.equal(0)
    })
  }

  it('GT and LT fail when the new time equals the current one', () => {
    const h = harness()
    h.db.set(K, str('v'), h.now + 10_000)
    expect(plain(h.run('expire', 'k', '10', 'GT'))).to.equal(0)
    expect(plain(h.run('expire', 'k', '10', 'LT'))).to.equal(0)
    expect(plain(h.run('pexpire', 'k', '10001', 'gt'))).to.equal(1)
  })

  it('accepts options in any case and repeated', () => {
    const h = harness()
    h.db.set(K, str('v'), 0)
    expect(plain(h.run('expire', 'k', '10', 'nx', 'Nx'))).to.equal(1)
    expect(plain(h.run('expire', 'k', '20', 'xX', 'gT'))).to.equal(1)
  })

  it('rejects incompatible options before looking at the time or the key', () => {
    const h = harness()
    const nx = err('ERR NX and XX, GT or LT options at the same time are not compatible')
    const gtlt = err('ERR GT and LT options at the same time are not compatible')
    expect(plain(h.run('expire', 'k', '10', 'NX', 'XX'))).to.deep.equal(nx)
    expect(plain(h.run('expire', 'k', '10', 'NX', 'GT'))).to.deep.equal(nx)
    expect(plain(h.run('expire', 'k', '10', 'LT', 'NX'))).to.deep.equal(nx)
    expect(plain(h.run('expire', 'k', 'abc', 'NX', 'XX'))).to.deep.equal(nx)
    expect(plain(h.run('expire', 'k', '10', 'GT', 'LT'))).to.deep.equal(gtlt)
    expect(plain(h.run('expire', 'k', '100', 'XX', 'LT', 'GT'))).to.deep.equal(gtlt)
    expect(plain(h.run('expire', 'k', 'abc', 'foo'))).to.deep.equal(err('ERR Unsupported option foo'))
    // Line breaks stay in the reply; the encoder writes them as spaces (encoder.spec.ts).
    expect(plain(h.run('expire', 'k', '5', Buffer.from('a\r\nb')))).to.deep.equal(err('ERR Unsupported option a\r\nb'))
    expect(plain(h.run('expire', 'k', '5', Buffer.from('ab\0cd')))).to.deep.equal(err('ERR Unsupported option ab'))
  })

  it('rejects non-integers with Redis\'s acceptance rules', () => {
    const h = harness()
    h.db.set(K, str('v'), 0)
    for (const bad of ['abc', '1.5', '010', ' 1', '+1', '', '99999999999999999999']) {
      expect(plain(h.run('expire', 'k', bad))).to.deep.equal(err('ERR value is not an integer or out of range'))
    }
    expect(h.db.peek(K)!.expiresAt).to.equal(0)
  })

  it('detects overflow of the unit conversion and of the base addition', () => {
    const h = harness()
    h.db.set(K, str('v'), 0)
    const cases: [string, string][] = [
      ['expire', '9223372036854775807'],
      ['expire', '-9223372036854775808'],
      ['expire', '9223372036854775'],
      ['expire', '9223372036854776'],
      ['pexpire', '9223372036854775807'],
      ['expireat', '9223372036854776'],
      ['expireat', '-9223372036854776'],
    ]
    for (const [cmd, arg] of cases) {
      expect(plain(h.run(cmd, 'k', arg)), `${cmd} ${arg}`).to.deep.equal(err(`ERR invalid expire time in '${cmd}' command`))
    }
    expect(h.db.peek(K)!.expiresAt).to.equal(0)
    expect(plain(h.run('expireat', 'k', '9223372036854775'))).to.equal(1)
    expect(plain(h.run('pexpireat', 'k', '9223372036854775807'))).to.equal(1)
    // Kept as the latest expiry storage holds (MAX_EXPIRES_AT), not as given.
    expect(plain(h.run('pexpiretime', 'k'))).to.equal(Number.MAX_SAFE_INTEGER)
  })

  it('replies 0 for a missing key, even with a past time', () => {
    const h = harness()
    expect(plain(h.run('expire', 'k', '-5'))).to.equal(0)
    expect(plain(h.run('pexpireat', 'k', '123456789012345'))).to.equal(0)
  })
})
