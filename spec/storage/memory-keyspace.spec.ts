import { expect } from 'chai'
import fc from 'fast-check'
import { newKeyspaceStats, type KeyspaceStats, type Value } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { holdOversized } from '../../src/storage/eviction-policy.js'
import { dataOf } from '../support/values.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const str = (data: string): Value => ({ type: 'string', data: b(data) })
const names = (keys: Iterable<Buffer>): string[] => [...keys].map((k) => k.toString('latin1'))

interface Fixture {
  ks: MemoryKeyspace
  stats: KeyspaceStats
  clock: { now: number }
}

const fixture = (): Fixture => {
  const clock = { now: 1_000_000 }
  const stats = newKeyspaceStats()
  return { ks: new MemoryKeyspace({ clock: () => clock.now, stats }), stats, clock }
}

/** Runs a whole SCAN iteration, calling `between` after every step. */
const scanAll = (ks: MemoryKeyspace, count: number, between: () => void = () => {}): string[] => {
  const seen: string[] = []
  let cursor = 0
  do {
    const r = ks.scan(cursor, count)
    seen.push(...names(r.keys))
    cursor = r.cursor
    between()
  } while (cursor !== 0)
  return seen
}

describe('MemoryKeyspace', () => {
  describe('point operations', () => {
    it('stores and returns values by binary key', () => {
      const { ks } = fixture()
      const keys = ['', '\x00', '\xff', '\x80', 'a\x00b', 'a']
      keys.forEach((k, i) => ks.set(b(k), str(`v${i}`), 0))
      expect(ks.size).to.equal(keys.length)
      keys.forEach((k, i) => expect(dataOf(ks.get(b(k))?.value)?.toString()).to.equal(`v${i}`))
      expect(ks.get(b('a\x00'))).to.equal(undefined)
      expect(ks.get(b('\x00\x00'))).to.equal(undefined)
    })

    it('keeps the stored value bytes as given, even if the caller reuses its Buffer', () => {
      const { ks } = fixture()
      const data = Buffer.from([0, 255, 128, 10])
      ks.set(b('k'), { type: 'string', data }, 0)
      data.fill(7)
      expect(dataOf(ks.get(b('k'))!.value)).to.deep.equal(Buffer.from([0, 255, 128, 10]), 'set copies the bytes')
    })

    it('hands out entries whose value and expiry do not change under later writes', () => {
      const { ks } = fixture()
      ks.set(b('k'), str('old'), 0)
      const before = ks.get(b('k'))!
      ks.set(b('k'), str('new'), 5_000_000)
      ks.setExpiry(b('k'), 6_000_000)
      expect(dataOf(before.value).toString()).to.equal('old')
      expect(before.expiresAt).to.equal(0)
      expect(dataOf(ks.get(b('k'))!.value).toString()).to.equal('new')
      expect(ks.get(b('k'))!.expiresAt).to.equal(6_000_000)
    })

    it('overwriting a key, with or without a TTL, keeps a single index entry', () => {
      const { ks, clock } = fixture()
      ks.set(b('k'), str('1'), 0)
      ks.set(b('k'), str('2'), 0)
      expect(names(ks.keys())).to.deep.equal(['k'])
      ks.set(b('k'), str('3'), clock.now + 100)
      expect(ks.volatileCount).to.equal(1)
      ks.set(b('k'), str('4'), clock.now + 200)
      ks.set(b('k'), str('5'), 0)
      expect(ks.volatileCount).to.equal(0)
      expect(ks.size).to.equal(1)
      expect(names(ks.keys())).to.deep.equal(['k'])
      expect(scanAll(ks, 10)).to.deep.equal(['k'])
      expect(dataOf(ks.get(b('k'))!.value).toString()).to.equal('5')
    })

    it('delete reports whether a live key was removed', () => {
      const { ks } = fixture()
      ks.set(b('k'), str('v'), 0)
      expect(ks.delete(b('k'))).to.equal(true)
      expect(ks.delete(b('k'))).to.equal(false)
      expect(ks.size).to.equal(0)
      expect([...ks.keys()]).to.deep.equal([])
    })

    it('get counts hits and misses; peek counts nothing; touch counts like a read', () => {
      const { ks, stats } = fixture()
      ks.set(b('k'), str('v'), 0)
      ks.get(b('k'))
      ks.get(b('k'))
      ks.get(b('nope'))
      expect(stats).to.include({ hits: 2, misses: 1 })
      ks.peek(b('k'))
      ks.peek(b('nope'))
      expect(stats).to.include({ hits: 2, misses: 1 })
      expect(ks.touch(b('k'))).to.equal(true)
      expect(ks.touch(b('nope'))).to.equal(false)
      expect(stats).to.include({ hits: 3, misses: 2 })
    })

    it('get and touch update the access time; peek leaves it', () => {
      const { ks, clock } = fixture()
      ks.set(b('k'), str('v'), 0)
      expect(ks.peek(b('k'))!.accessedAt).to.equal(1_000_000)
      clock.now += 500
      expect(ks.peek(b('k'))!.accessedAt).to.equal(1_000_000)
      ks.get(b('k'))
      expect(ks.peek(b('k'))!.accessedAt).to.equal(1_000_500)
      clock.now += 500
      ks.touch(b('k'))
      expect(ks.peek(b('k'))!.accessedAt).to.equal(1_001_000)
    })

    it('shares one stats object across databases', () => {
      const stats = newKeyspaceStats()
      const a = new MemoryKeyspace({ clock: () => 0, stats })
      const c = new MemoryKeyspace({ clock: () => 0, stats })
      a.get(b('x'))
      c.get(b('x'))
      expect(stats.misses).to.equal(2)
    })
  })

  describe('expiry', () => {
    it('keeps a key alive up to and including its expiry time, then treats it as absent', () => {
      const { ks, clock, stats } = fixture()
      ks.set(b('k'), str('v'), clock.now + 10)
      clock.now += 10
      expect(dataOf(ks.get(b('k'))?.value)?.toString()).to.equal('v')
      clock.now += 1
      expect(ks.size).to.equal(1)
      expect(ks.get(b('k'))).to.equal(undefined)
      expect(ks.size).to.equal(0)
      expect(ks.volatileCount).to.equal(0)
      expect(stats).to.include({ expiredKeys: 1, misses: 1, hits: 1 })
      expect([...ks.keys()]).to.deep.equal([])
    })

    for (const [name, op, result] of [
      ['peek', (ks: MemoryKeyspace) => ks.peek(b('k')), undefined],
      ['touch', (ks: MemoryKeyspace) => ks.touch(b('k')), false],
      ['setExpiry', (ks: MemoryKeyspace) => ks.setExpiry(b('k'), 0), false],
      ['delete', (ks: MemoryKeyspace) => ks.delete(b('k')), false],
    ] as const) {
      it(`${name} treats an expired key as absent and reclaims it`, () => {
        const { ks, clock, stats } = fixture()
        ks.set(b('k'), str('v'), clock.now + 1)
        ks.set(b('other'), str('v'), 0)
        clock.now += 2
        expect(op(ks)).to.equal(result)
        expect(ks.size).to.equal(1)
        expect(ks.volatileCount).to.equal(0)
        expect(stats.expiredKeys).to.equal(1)
        expect(names(ks.keys())).to.deep.equal(['other'])
      })
    }

    it('set over an expired key counts it as expired and replaces it', () => {
      const { ks, clock, stats } = fixture()
      ks.set(b('k'), str('v'), clock.now + 1)
      clock.now += 2
      ks.set(b('k'), str('w'), 0)
      expect(stats.expiredKeys).to.equal(1)
      expect(ks.size).to.equal(1)
      expect(ks.volatileCount).to.equal(0)
      expect(dataOf(ks.get(b('k'))!.value).toString()).to.equal('w')
    })

    it('tracks volatile keys through set, setExpiry, overwrite and delete', () => {
      const { ks, clock } = fixture()
      const t = clock.now + 100
      ks.set(b('a'), str('v'), t)
      ks.set(b('b'), str('v'), 0)
      expect(ks.volatileCount).to.equal(1)
      expect(ks.setExpiry(b('b'), t)).to.equal(true)
      expect(ks.volatileCount).to.equal(2)
      expect(ks.setExpiry(b('b'), t + 1)).to.equal(true)
      expect(ks.volatileCount).to.equal(2)
      expect(ks.peek(b('b'))!.expiresAt).to.equal(t + 1)
      expect(ks.setExpiry(b('a'), 0)).to.equal(true)
      expect(ks.volatileCount).to.equal(1)
      ks.set(b('a'), str('v'), t)
      ks.set(b('b'), str('v'), 0)
      expect(ks.volatileCount).to.equal(1)
      ks.set(b('a'), str('v'), t + 5)
      expect(ks.volatileCount).to.equal(1)
      expect(ks.delete(b('a'))).to.equal(true)
      expect(ks.volatileCount).to.equal(0)
      expect(ks.setExpiry(b('missing'), t)).to.equal(false)
      expect(ks.size).to.equal(1)
    })

    describe('expireCycle', () => {
      const far = () => performance.now() + 60_000

      it('keeps sampling batches while most sampled keys are expired', () => {
        const { ks, clock, stats } = fixture()
        for (let i = 0; i < 1000; i++) ks.set(b(`v${i}`), str('x'), clock.now + 1)
        for (let i = 0; i < 50; i++) ks.set(b(`p${i}`), str('x'), 0)
        clock.now += 2
        expect(ks.expireCycle(far())).to.equal(1000)
        expect(ks.size).to.equal(50)
        expect(ks.volatileCount).to.equal(0)
        expect(stats.expiredKeys).to.equal(1000)
      })

      it('stops after a batch in which at most a quarter was expired', () => {
        const { ks, clock } = fixture()
        // Every tenth volatile key is expired: each batch of 20 finds 2.
        for (let i = 0; i < 1000; i++) ks.set(b(`v${i}`), str('x'), i % 10 === 0 ? clock.now + 1 : clock.now + 1_000)
        clock.now += 2
        expect(ks.expireCycle(far())).to.equal(2)
        expect(ks.volatileCount).to.equal(998)
      })

      it('does one batch once the deadline has passed', () => {
        const { ks, clock } = fixture()
        for (let i = 0; i < 100; i++) ks.set(b(`v${i}`), str('x'), clock.now + 1)
        clock.now += 2
        expect(ks.expireCycle(performance.now() - 1)).to.equal(20)
        expect(ks.size).to.equal(80)
      })

      it('resumes round-robin where the previous cycle stopped', () => {
        const { ks, clock } = fixture()
        // 100 volatile keys, 5 expired ones spread out: each cycle samples the next 20.
        for (let i = 0; i < 100; i++) ks.set(b(`v${i}`), str('x'), i % 20 === 7 ? clock.now + 1 : clock.now + 1_000)
        clock.now += 2
        let total = 0
        for (let c = 0; c < 5; c++) total += ks.expireCycle(far())
        expect(total).to.equal(5)
        expect(ks.volatileCount).to.equal(95)
      })

      it('is robust to keys deleted and added between cycles, and to flush', () => {
        const { ks, clock } = fixture()
        for (let i = 0; i < 100; i++) ks.set(b(`v${i}`), str('x'), clock.now + 1_000)
        ks.expireCycle(far())
        for (let i = 0; i < 100; i += 2) ks.delete(b(`v${i}`))
        for (let i = 0; i < 10; i++) ks.set(b(`n${i}`), str('x'), clock.now + 1)
        clock.now += 2
        let total = 0
        for (let c = 0; c < 10; c++) total += ks.expireCycle(far())
        expect(total).to.equal(10)
        ks.flush()
        expect(ks.expireCycle(far())).to.equal(0)
        ks.set(b('z'), str('x'), clock.now + 1)
        clock.now += 2
        expect(ks.expireCycle(far())).to.equal(1)
      })

      it('returns 0 with no volatile keys', () => {
        const { ks } = fixture()
        ks.set(b('k'), str('x'), 0)
        expect(ks.expireCycle(far())).to.equal(0)
      })
    })
  })

  describe('ordered iteration', () => {
    it('keys() yields live keys in byte order, after a given key when asked', () => {
      const { ks, clock } = fixture()
      for (const k of ['b', '\xff', 'a', '\x00', '\x80', 'a\x00', '']) ks.set(b(k), str('v'), 0)
      ks.set(b('ab'), str('v'), clock.now + 1)
      expect(names(ks.keys())).to.deep.equal(['', '\x00', 'a', 'a\x00', 'ab', 'b', '\x80', '\xff'])
      clock.now += 2
      expect(names(ks.keys())).to.deep.equal(['', '\x00', 'a', 'a\x00', 'b', '\x80', '\xff'])
      // Skipping an expired key does not reclaim it.
      expect(ks.size).to.equal(8)
      expect(names(ks.keys(b('a')))).to.deep.equal(['a\x00', 'b', '\x80', '\xff'])
      expect(names(ks.keys(b('a\x01')))).to.deep.equal(['b', '\x80', '\xff'])
      expect(names(ks.keys(b('\xff')))).to.deep.equal([])
    })

    it('keysWithPrefix() visits only the prefix range, including the prefix itself', () => {
      const { ks, clock } = fixture()
      for (const k of ['user', 'user:1', 'user:2', 'user;', 'usea', 'users', 'u', '\xff\x00', '\xff', '\xfe\xff'])
        ks.set(b(k), str('v'), 0)
      ks.set(b('user:3'), str('v'), clock.now + 1)
      clock.now += 2
      expect(names(ks.keysWithPrefix(b('user:')))).to.deep.equal(['user:1', 'user:2'])
      expect(names(ks.keysWithPrefix(b('user')))).to.deep.equal(['user', 'user:1', 'user:2', 'user;', 'users'])
      expect(names(ks.keysWithPrefix(b('\xff')))).to.deep.equal(['\xff', '\xff\x00'])
      expect(names(ks.keysWithPrefix(b('nope')))).to.deep.equal([])
      expect(names(ks.keysWithPrefix(b('')))).to.have.length(10)
    })

    it('an iterator survives deleting the key it just yielded', () => {
      const { ks } = fixture()
      for (let i = 0; i < 500; i++) ks.set(b(`k${String(i).padStart(3, '0')}`), str('v'), 0)
      const seen: string[] = []
      for (const k of ks.keys()) {
        seen.push(k.toString())
        ks.delete(k)
      }
      expect(seen).to.have.length(500)
      expect(ks.size).to.equal(0)
    })
  })

  describe('scan', () => {
    it('returns every key once, in order, ending with cursor 0', () => {
      const { ks } = fixture()
      const all = Array.from({ length: 1000 }, (_, i) => `key:${String(i).padStart(4, '0')}`)
      for (const k of all) ks.set(b(k), str('v'), 0)
      for (const count of [1, 7, 10, 999, 1000, 5000]) expect(scanAll(ks, count)).to.deep.equal(all)
    })

    it('visits count keys per call, filtered ones included', () => {
      const { ks } = fixture()
      for (let i = 0; i < 100; i++) ks.set(b(`k${String(i).padStart(2, '0')}`), str('v'), 0)
      const first = ks.scan(0, 10, (k) => k.toString().endsWith('0'))
      expect(names(first.keys)).to.deep.equal(['k00'])
      expect(first.cursor).to.be.greaterThan(0)
      const second = ks.scan(first.cursor, 10, (k) => k.toString().endsWith('0'))
      expect(names(second.keys)).to.deep.equal(['k10'])
      // count below 1 still makes progress.
      expect(names(ks.scan(0, 0).keys)).to.deep.equal(['k00'])
    })

    it('passes the entry to the filter', () => {
      const { ks } = fixture()
      ks.set(b('a'), str('1'), 0)
      ks.set(b('b'), str('2'), 0)
      const r = ks.scan(0, 10, (_k, e) => dataOf(e.value).toString() === '2')
      expect(names(r.keys)).to.deep.equal(['b'])
      expect(r.cursor).to.equal(0)
    })

    it('issues cursors above 2^32 that are exact doubles', () => {
      const { ks } = fixture()
      for (let i = 0; i < 10; i++) ks.set(b(`k${i}`), str('v'), 0)
      const { cursor } = ks.scan(0, 3)
      expect(cursor).to.be.at.least(2 ** 32)
      expect(cursor).to.be.below(2 ** 53)
      expect(Number.isInteger(cursor)).to.equal(true)
    })

    it('resumes after the last key returned even when that key was deleted', () => {
      const { ks } = fixture()
      for (const k of ['a', 'b', 'c', 'd', 'e']) ks.set(b(k), str('v'), 0)
      const r1 = ks.scan(0, 2)
      expect(names(r1.keys)).to.deep.equal(['a', 'b'])
      ks.delete(b('b'))
      ks.delete(b('c'))
      ks.set(b('bb'), str('v'), 0)
      ks.set(b('0'), str('v'), 0)
      const r2 = ks.scan(r1.cursor, 10)
      expect(names(r2.keys)).to.deep.equal(['bb', 'd', 'e'])
      expect(r2.cursor).to.equal(0)
      // A cursor may be reused: it resumes at the same place.
      expect(names(ks.scan(r1.cursor, 10).keys)).to.deep.equal(['bb', 'd', 'e'])
    })

    it('reads an unknown cursor as a rank position, or as the end', () => {
      const { ks } = fixture()
      for (const k of ['a', 'b', 'c', 'd', 'e']) ks.set(b(k), str('v'), 0)
      expect(names(ks.scan(3, 10).keys)).to.deep.equal(['d', 'e'])
      expect(ks.scan(5, 10)).to.deep.equal({ cursor: 0, keys: [] })
      expect(ks.scan(2 ** 40 + 1, 10)).to.deep.equal({ cursor: 0, keys: [] })
    })

    it('forgets the oldest cursor after 65536 newer ones', () => {
      const { ks } = fixture()
      for (const k of ['a', 'b', 'c']) ks.set(b(k), str('v'), 0)
      const oldest = ks.scan(0, 1).cursor
      const second = ks.scan(0, 2).cursor
      for (let i = 0; i < 65_535; i++) ks.scan(0, 1)
      expect(names(ks.scan(second, 10).keys)).to.deep.equal(['c'])
      expect(ks.scan(oldest, 10)).to.deep.equal({ cursor: 0, keys: [] })
    })

    it('reclaims expired keys it meets and does not return them', () => {
      const { ks, clock, stats } = fixture()
      ks.set(b('a'), str('v'), 0)
      ks.set(b('b'), str('v'), clock.now + 1)
      ks.set(b('c'), str('v'), 0)
      clock.now += 2
      expect(scanAll(ks, 10)).to.deep.equal(['a', 'c'])
      expect(ks.size).to.equal(2)
      expect(stats.expiredKeys).to.equal(1)
    })

    it('returns every key present for the whole iteration despite interleaved inserts and deletes', () => {
      const key = fc.string({ unit: fc.constantFrom('\x00', 'a', 'b', 'c', '\x80', '\xff'), maxLength: 4 })
      fc.assert(
        fc.property(
          fc.uniqueArray(key, { maxLength: 300 }),
          fc.integer({ min: 1, max: 20 }),
          fc.array(fc.record({ add: fc.array(key, { maxLength: 5 }), del: fc.array(key, { maxLength: 5 }) }), {
            maxLength: 400,
          }),
          (initial, count, steps) => {
            const { ks } = fixture()
            for (const k of initial) ks.set(b(k), str('v'), 0)
            const everDeleted = new Set<string>()
            let step = 0
            const seen = scanAll(ks, count, () => {
              const s = steps[step++ % Math.max(steps.length, 1)]
              if (s === undefined) return
              for (const k of s.add) ks.set(b(k), str('v'), 0)
              for (const k of s.del) if (ks.delete(b(k))) everDeleted.add(k)
            })
            const seenSet = new Set(seen)
            // No key is returned twice, and each key present throughout is returned.
            expect(seen.length).to.equal(seenSet.size)
            for (const k of initial) if (!everDeleted.has(k)) expect(seenSet.has(k), JSON.stringify(k)).to.equal(true)
          },
        ),
        { numRuns: 300 },
      )
    })
  })

  describe('randomKey', () => {
    it('is undefined when empty', () => {
      expect(fixture().ks.randomKey()).to.equal(undefined)
    })

    it('draws every key with roughly equal probability', () => {
      const { ks } = fixture()
      const keys = ['a', 'b', 'c', 'd', '\x00', '\xff']
      for (const k of keys) ks.set(b(k), str('v'), 0)
      const counts = new Map<string, number>()
      const draws = 12_000
      for (let i = 0; i < draws; i++) {
        const k = ks.randomKey()!.toString('latin1')
        counts.set(k, (counts.get(k) ?? 0) + 1)
      }
      expect([...counts.keys()].sort()).to.deep.equal([...keys].sort())
      // Expected 2000 each; sd ~ 41. Six-sigma bounds.
      for (const n of counts.values()) expect(n).to.be.within(1750, 2250)
    })

    it('skips and reclaims expired keys', () => {
      const { ks, clock, stats } = fixture()
      for (let i = 0; i < 500; i++) ks.set(b(`x${i}`), str('v'), clock.now + 1)
      ks.set(b('live'), str('v'), 0)
      clock.now += 2
      expect(ks.randomKey()!.toString()).to.equal('live')
      expect(stats.expiredKeys).to.be.greaterThan(0)
      expect(ks.size).to.equal(501 - stats.expiredKeys)
    })

    it('is undefined when every key has expired, and reclaims them', () => {
      const { ks, clock } = fixture()
      for (let i = 0; i < 300; i++) ks.set(b(`x${i}`), str('v'), clock.now + 1)
      clock.now += 2
      expect(ks.randomKey()).to.equal(undefined)
      expect(ks.size).to.equal(0)
    })
  })

  describe('patch (APPEND, SETRANGE)', () => {
    const applyTo = (model: Buffer, offset: number, bytes: Buffer): Buffer => {
      const next = Buffer.alloc(Math.max(model.length, offset + bytes.length))
      model.copy(next)
      bytes.copy(next, offset)
      return next
    }

    it('leaves the string a model says, grown in place or not, and every value read before keeps its bytes', () => {
      // Strings cross GROWING_MIN (16 KB), so both paths run, and views taken along the way
      // must not see the later writes into the room they share.
      const patchArb = fc.record({ append: fc.boolean(), at: fc.nat(), size: fc.integer({ min: 1, max: 6000 }), fill: fc.integer({ min: 1, max: 255 }) })
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 20_000 }), fc.array(patchArb, { minLength: 1, maxLength: 30 }), (start, patches) => {
          const { ks } = fixture()
          const key = b('s')
          let model: Buffer = Buffer.alloc(start, 7)
          ks.set(key, { type: 'string', data: model }, 0)
          const seen: { view: Buffer; was: Buffer }[] = []
          for (const { append, at, size, fill } of patches) {
            const offset = append ? model.length : at % (model.length + 100)
            const bytes = Buffer.alloc(size, fill)
            expect(ks.patch(key, { offset, bytes })).to.equal(Math.max(model.length, offset + size))
            model = applyTo(model, offset, bytes)
            const view = dataOf(ks.get(key)!.value)
            seen.push({ view, was: Buffer.from(view) })
          }
          expect(dataOf(ks.get(key)!.value).equals(model)).to.equal(true)
          for (const { view, was } of seen) expect(view.equals(was)).to.equal(true)
        }),
        { numRuns: 200 },
      )
    })

    it('keeps the expiry and makes the string raw', () => {
      const { ks } = fixture()
      ks.set(b('k'), str('x'.repeat(20_000)), 2_000_000)
      ks.patch(b('k'), { offset: 20_000, bytes: b('tail') })
      const entry = ks.get(b('k'))!
      expect(entry.expiresAt).to.equal(2_000_000)
      expect(entry.value.type === 'string' && entry.value.raw).to.equal(true)
      expect(dataOf(entry.value).length).to.equal(20_004)
    })

    it("counts a growing string's room in residentBytes and its bytes in dataBytes, and gives both back when the key goes", () => {
      const { ks } = fixture()
      ks.set(b('small'), str('v'), 0)
      const before = { resident: ks.residentBytes, data: ks.dataBytes }
      ks.set(b('big'), str('x'.repeat(20_000)), 0)
      for (let i = 0; i < 100; i++) ks.patch(b('big'), { offset: 20_000 + 1000 * i, bytes: Buffer.alloc(1000, 1) })
      expect(ks.dataBytes - before.data).to.be.at.least(120_000)
      expect(ks.residentBytes - before.resident).to.be.at.least(120_000)
      ks.delete(b('big'))
      expect(ks.dataBytes).to.equal(before.data)
      expect(ks.residentBytes - before.resident).to.be.below(120_000)
    })

    it('a copy of a growing string (COPY, RENAME) grows apart from it', () => {
      const { ks } = fixture()
      ks.set(b('a'), str('x'.repeat(20_000)), 0)
      ks.patch(b('a'), { offset: 20_000, bytes: b('1') })
      ks.set(b('b'), ks.get(b('a'))!.value, 0)
      ks.patch(b('a'), { offset: 20_001, bytes: b('AAAA') })
      ks.patch(b('b'), { offset: 20_001, bytes: b('BB') })
      expect(dataOf(ks.get(b('a'))!.value).subarray(19_999).toString()).to.equal('x1AAAA')
      expect(dataOf(ks.get(b('b'))!.value).subarray(19_999).toString()).to.equal('x1BB')
    })
  })

  it('flush removes every key', () => {
    const { ks, clock } = fixture()
    ks.set(b('a'), str('v'), 0)
    ks.set(b('b'), str('v'), clock.now + 100)
    ks.flush()
    expect(ks.size).to.equal(0)
    expect(ks.volatileCount).to.equal(0)
    expect(ks.get(b('a'))).to.equal(undefined)
    expect([...ks.keys()]).to.deep.equal([])
    expect(ks.scan(0, 10)).to.deep.equal({ cursor: 0, keys: [] })
    expect(ks.randomKey()).to.equal(undefined)
    ks.set(b('a'), str('v'), 0)
    expect(names(ks.keys())).to.deep.equal(['a'])
  })

  describe('oversized strings being appended to', () => {
    const MB = 1024 * 1024
    /** A keyspace the store backs, with `big` grown by APPEND-like patches and every record clean. */
    const grown = (): { ks: MemoryKeyspace; clock: { now: number } } => {
      const clock = { now: 1_000_000 }
      const ks = new MemoryKeyspace({ clock: () => clock.now, stats: newKeyspaceStats(), trackDirty: true })
      for (let i = 0; i < 20; i++) ks.set(b(`small${i}`), str('v'.repeat(100)), 0)
      const chunk = Buffer.alloc(100 * 1024, 'x')
      for (let offset = 0; offset < 3 * MB; offset += chunk.length) ks.patch(b('big'), { offset, bytes: chunk })
      const taken = ks.takeDirty()
      for (const k of new Set(taken.keys)) ks.readForFlush(k, taken)
      ks.flushInstalled(taken)
      return { ks, clock }
    }

    it('lists the large strings patch() grew, with their age and state, and forgets them once gone', () => {
      const { ks, clock } = grown()
      clock.now += 7
      const [big, ...rest] = ks.largeRecords()
      expect(rest).to.deep.equal([])
      expect(big).to.deep.include({ ageMs: 7, dirty: false })
      expect(big!.bytes).to.be.at.least(3 * MB)
      ks.patch(b('big'), { offset: 31 * 100 * 1024, bytes: b('y') })
      expect(ks.largeRecords()[0]).to.deep.include({ ageMs: 0, dirty: true })
      ks.delete(b('big'))
      expect(ks.largeRecords()).to.deep.equal([])
    })

    it('evict spares a held record and drops the others; once cold it goes too', () => {
      const { ks, clock } = grown()
      // A data budget of 4 MB: the 3 MB string is oversized.
      const hold = holdOversized(ks.largeRecords(), 4 * MB, 20 * MB)
      expect(hold.records).to.equal(1)
      ks.evict(Infinity, 1000, hold)
      expect(ks.residentCount).to.equal(1)
      expect(dataOf(ks.peek(b('big'))?.value)?.length).to.equal(31 * 100 * 1024)
      clock.now += 5000
      ks.evict(Infinity, 1000, holdOversized(ks.largeRecords(), 4 * MB, 20 * MB))
      expect(ks.residentCount).to.equal(0)
    })
  })
})
