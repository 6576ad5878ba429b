import { expect } from 'chai'
import fc from 'fast-check'
import { parseCursor } from '../../../src/commands/generic/scan.js'
import type { Reply } from '../../../src/protocol/reply.js'
import { harness, plain, str, type Harness } from './harness.js'

const k = (s: string) => Buffer.from(s, 'latin1')

/** One SCAN call: the next cursor and the keys, as latin1 strings. */
const step = (h: Harness, cursor: string, ...options: (string | Buffer)[]): [string, string[]] => {
  const reply = h.run('scan', cursor, ...options)
  expect(reply.kind, JSON.stringify(plain(reply))).to.equal('array')
  const [next, keys] = (reply as unknown as { value: Reply[] }).value
  expect(next!.kind).to.equal('bulk')
  expect(keys!.kind).to.equal('array')
  return [plain(next!) as string, plain(keys!) as string[]]
}

/** Iterates to completion; `between` runs after every call. Returns every key seen, in order. */
const scanAll = (h: Harness, options: (string | Buffer)[] = [], between?: (call: number) => void): string[] => {
  const seen: string[] = []
  let cursor = '0'
  for (let call = 0; call < 100_000; call++) {
    const [next, keys] = step(h, cursor, ...options)
    seen.push(...keys)
    between?.(call)
    if (next === '0') return seen
    cursor = next
  }
  throw new Error('SCAN did not terminate')
}

describe('SCAN', () => {
  it('with a literal-prefix MATCH visits only that key range', () => {
    const h = harness()
    for (let i = 0; i < 1000; i++) h.db.set(k(`a:${i}`), str('v'), 0)
    for (let i = 0; i < 10; i++) h.db.set(k(`b:${i}`), str('v'), 0)
    for (let i = 0; i < 1000; i++) h.db.set(k(`c:${i}`), str('v'), 0)
    // COUNT 10 spends its whole budget inside b:*, so one call finds all ten and ends the scan.
    const [next, keys] = step(h, '0', 'MATCH', 'b:*', 'COUNT', '10')
    expect(keys.sort()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `b:${i}`).sort())
    expect(next).to.equal('0')
  })

  it('returns cursor 0 and no keys on an empty database', () => {
    expect(step(harness(), '0')).to.deep.equal(['0', []])
  })

  it('returns every key exactly once over a full iteration of a static keyspace', () => {
    const h = harness()
    const all = Array.from({ length: 1000 }, (_, i) => `key:${i}`)
    for (const key of all) h.db.set(k(key), str('v'), 0)
    const seen = scanAll(h, ['COUNT', '7'])
    expect(seen.slice().sort()).to.deep.equal(all.slice().sort())
  })

  it('returns every key present for the whole iteration while others come and go', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.tuple(fc.boolean(), fc.string({ minLength: 1, maxLength: 6 })), { maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        (stable, churn, count) => {
          const h = harness()
          const stableSet = new Set(stable)
          for (const key of stable) h.db.set(k(key), str('v'), 0)
          const seen = scanAll(h, ['COUNT', String(count)], (call) => {
            // Add or remove a churn key per call, never touching the stable keys.
            for (const [add, name] of churn.slice(call * 3, call * 3 + 3)) {
              const key = `~${name}`
              if (add) h.db.set(k(key), str('v'), 0)
              else h.db.delete(k(key))
            }
          })
          const seenSet = new Set(seen)
          for (const key of stableSet) expect(seenSet.has(key), key).to.equal(true)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('filters with MATCH, the last MATCH winning', () => {
    const h = harness()
    for (const key of ['user:1', 'user:2', 'order:1', 'u']) h.db.set(k(key), str('v'), 0)
    expect(scanAll(h, ['MATCH', 'user:*']).sort()).to.deep.equal(['user:1', 'user:2'])
    expect(scanAll(h, ['match', 'nope', 'MATCH', '*:1']).sort()).to.deep.equal(['order:1', 'user:1'])
    expect(scanAll(h, ['MATCH', '*']).sort()).to.deep.equal(['order:1', 'u', 'user:1', 'user:2'])
  })

  it('filters with TYPE case-insensitively; an unknown type matches nothing', () => {
    const h = harness()
    h.db.set(k('a'), str('v'), 0)
    h.db.set(k('b'), str('v'), 0)
    expect(scanAll(h, ['TYPE', 'STRING']).sort()).to.deep.equal(['a', 'b'])
    expect(scanAll(h, ['type', 'hash'])).to.deep.equal([])
    expect(scanAll(h, ['type', 'nonsense'])).to.deep.equal([])
    expect(scanAll(h, ['type', 'string', 'match', 'b'])).to.deep.equal(['b'])
  })

  it('matches binary keys', () => {
    const h = harness()
    h.db.set(Buffer.from([0xff, 0x00, 0x61]), str('v'), 0)
    h.db.set(k('plain'), str('v'), 0)
    const seen = scanAll(h, ['MATCH', k('\xff*')])
    expect(seen).to.deep.equal(['\xff\x00a'])
  })

  it('omits expired keys', () => {
    const h = harness()
    h.db.set(k('live'), str('v'), 0)
    h.db.set(k('lapsed'), str('v'), h.now + 1)
    h.now += 2
    expect(scanAll(h)).to.deep.equal(['live'])
  })

  it('validates options as Redis does', () => {
    const h = harness()
    const syntax = { error: 'ERR syntax error' }
    expect(plain(h.run('scan', '0', 'COUNT', '0'))).to.deep.equal(syntax)
    expect(plain(h.run('scan', '0', 'COUNT', '-1'))).to.deep.equal(syntax)
    expect(plain(h.run('scan', '0', 'COUNT'))).to.deep.equal(syntax)
    expect(plain(h.run('scan', '0', 'foo'))).to.deep.equal(syntax)
    expect(plain(h.run('scan', '0', 'foo', 'bar'))).to.deep.equal(syntax)
    expect(plain(h.run('scan', '0', 'MATCH'))).to.deep.equal(syntax)
    expect(plain(h.run('scan', '0', 'COUNT', 'x'))).to.deep.equal({ error: 'ERR value is not an integer or out of range' })
    expect(plain(h.run('scan', 'x'))).to.deep.equal({ error: 'ERR invalid cursor' })
    // The cursor is checked before the options.
    expect(plain(h.run('scan', 'x', 'COUNT', '0'))).to.deep.equal({ error: 'ERR invalid cursor' })
  })

  describe('cursor parsing (strtoul, as Redis)', () => {
    const cases: [string, bigint | null][] = [
      ['0', 0n],
      ['', 0n],
      ['007', 7n],
      ['+5', 5n],
      ['-1', 2n ** 64n - 1n],
      ['-0', 0n],
      ['18446744073709551615', 2n ** 64n - 1n],
      ['18446744073709551616', null],
      ['-18446744073709551616', null],
      [' 1', null],
      ['1 ', null],
      ['-', null],
      ['+', null],
      ['1a', null],
      ['0x10', null],
      ['1.0', null],
    ]
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} -> ${expected}`, () => {
        expect(parseCursor(Buffer.from(input))).to.equal(expected)
      })
    }
  })
})
