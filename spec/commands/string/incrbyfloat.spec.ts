import { expect } from 'chai'
import { harness, notAString, plain, START, NOT_FLOAT, WRONGTYPE } from './harness.js'
import { formatLongDouble, parseLongDouble, type LongDouble } from '../../../src/commands/string/incrbyfloat.js'

const NAN_OR_INF = { error: 'ERR increment would produce NaN or Infinity' }

/** INCRBYFLOAT on a fresh key holding `start` (missing when undefined); the reply. */
const incr = (start: string | undefined, by: string): unknown => {
  const h = harness()
  if (start !== undefined) h.run('SET', 'k', start)
  return plain(h.run('INCRBYFLOAT', 'k', by))
}

describe('INCRBYFLOAT', () => {
  // Expected values come from redis-server 7.0.15 on x86-64 (80-bit long double).
  const cases: [string | undefined, string, string][] = [
    ['10.5', '0.1', '10.6'],
    ['3.0e3', '0', '3000'],
    ['5.0e3', '2.0e2', '5200'],
    ['0', '0.333333333333333333', '0.33333333333333333'],
    ['0.33333333333333333', '0.333333333333333333', '0.66666666666666666'],
    ['0.66666666666666666', '0.333333333333333333', '0.99999999999999999'],
    ['0.1', '0.2', '0.3'],
    ['1.1', '2.2', '3.3'],
    ['1', '1e-18', '1'],
    ['1e17', '1', '100000000000000001'],
    ['1.5', '-1.5', '0'],
    ['0', '-1.5', '-1.5'],
    ['-0.0', '0', '0'],
    [undefined, '0x10', '16'],
    [undefined, '0x1p3', '8'],
    [undefined, '+1', '1'],
    [undefined, '.5', '0.5'],
    [undefined, '5.', '5'],
    [undefined, '1e-4940', '0'],
    // Ties in the 17th decimal round to even, as glibc's printf does.
    [undefined, '0.000003814697265625', '0.00000381469726562'],
    [undefined, '0.000011444091796875', '0.00001144409179688'],
    [
      undefined,
      '1e400',
      '10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880',
    ],
    [
      '1.5',
      '1e308',
      '99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048',
    ],
    ['41', '1', '42'],
    ['-7', '3', '-4'],
    ['4503599627370495', '4503599627370495', '9007199254740990'],
    ['9223372036854775807', '1', '9223372036854775808'],
  ]
  for (const [start, by, want] of cases) {
    it(`${start ?? '(missing)'} + ${by} = ${want.length > 30 ? want.slice(0, 30) + '…' : want}`, () => {
      expect(incr(start, by)).to.equal(want)
    })
  }

  it('chains exactly as Redis does, each step re-reading the stored 17-decimal text', () => {
    const h = harness()
    const after = (n: number, by: string) => {
      for (let i = 0; i < n; i++) h.run('INCRBYFLOAT', 'k', by)
      return plain(h.run('GET', 'k'))
    }
    expect(after(1000, '0.1')).to.equal('100')
    expect(after(49_000, '0.1')).to.equal('5000.00000000000230216')
    h.run('SET', 'k', '0')
    expect(after(300, '-0.0123456789')).to.equal('-3.70370367')
  })

  it('stores the formatted result and replies with it as a bulk string', () => {
    const h = harness()
    h.run('SET', 'k', '10.5', 'EX', '10')
    const reply = h.run('INCRBYFLOAT', 'k', '0.1')
    expect(reply.kind).to.equal('bulk')
    expect(plain(h.run('GET', 'k'))).to.equal('10.6')
    expect(h.entry('k')!.expiresAt).to.equal(START + 10_000)
  })

  for (const bad of ['abc', '', ' 1', '1 ', 'nan', '1e', '0x', '1e5000', '1e-5000', '1.8e-4951', '1,5', '--1']) {
    it(`rejects ${JSON.stringify(bad)} as an increment and as a stored value`, () => {
      expect(incr('1', bad)).to.deep.equal(NOT_FLOAT)
      expect(incr(bad, '1')).to.deep.equal(NOT_FLOAT)
    })
  }

  it('rejects inputs of 5 KiB or more, as string2ld does', () => {
    expect(incr(undefined, '0.5' + '0'.repeat(5116))).to.equal('0.5')
    expect(incr(undefined, '0.5' + '0'.repeat(5117))).to.deep.equal(NOT_FLOAT)
  })

  for (const [start, by] of [
    ['1', 'inf'],
    ['1', '-Infinity'],
    ['inf', '1'],
    ['1e4932', '1e4932'],
    ['-1e4932', '-1e4932'],
  ] as const) {
    it(`${start} + ${by} would be infinite`, () => {
      expect(incr(start, by)).to.deep.equal(NAN_OR_INF)
    })
  }

  it('refuses another type before parsing the increment', () => {
    const h = harness()
    h.db.set(Buffer.from('k'), notAString, 0)
    expect(plain(h.run('INCRBYFLOAT', 'k', 'x'))).to.deep.equal(WRONGTYPE)
  })

  it('leaves the key unchanged on errors', () => {
    const h = harness()
    h.run('SET', 'k', '1e4932')
    h.run('INCRBYFLOAT', 'k', '1e4932')
    expect(plain(h.run('GET', 'k'))).to.equal('1e4932')
    expect(h.db.size).to.equal(1)
    h.run('INCRBYFLOAT', 'missing', 'abc')
    expect(h.db.size).to.equal(1)
  })
})

describe('long double emulation', () => {
  const ld = (s: string) => parseLongDouble(Buffer.from(s)) as LongDouble

  it('parses to the nearest 64-bit significand', () => {
    // 0.1 in 80-bit extended: 0xCCCCCCCCCCCCCCCD × 2^-67.
    expect(ld('0.1')).to.deep.equal({ neg: false, m: 0xcccccccccccccccdn, e: -67 })
    expect(ld('-2')).to.deep.equal({ neg: true, m: 2n, e: 0 })
  })

  it('prints with 17 decimals, trimming zeros and never showing -0', () => {
    expect(formatLongDouble(ld('0.1'))).to.equal('0.1')
    expect(formatLongDouble(ld('-0'))).to.equal('0')
    expect(formatLongDouble(ld('-0.000000000000000001'))).to.equal('0')
    expect(formatLongDouble(ld('-0.00000000000000001'))).to.equal('-0.00000000000000001')
    expect(formatLongDouble(ld('123456789.5'))).to.equal('123456789.5')
  })
})
