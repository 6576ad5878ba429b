import { expect } from 'chai'
import fc from 'fast-check'
import { CLEAN, RecordTable, VIEW_MAX, hashBytes, hashString, limitSpareSlabs } from '../../src/storage/record-table.js'

// The table's documented geometry: regular slabs of 1 MiB, and a record above 128 KiB (header,
// key and value) gets a dedicated slab. The spec uses these only to size its workloads.
const SLAB = 1 << 20
const LARGE = 128 * 1024

interface Rec {
  data: Buffer
  expiresAt: number
  accessedAt: number
  stored: number
}

type Via = 'string' | 'bytes'

/** Deterministic bytes (xorshift32) so that every put writes a distinct value. */
const fill = (len: number, seed: number): Buffer => {
  const b = Buffer.allocUnsafe(len)
  let x = seed | 0 || 0x2545f491
  for (let i = 0; i < len; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    b[i] = x
    if (i + 1 < len) b[i + 1] = x >>> 8
    if (i + 2 < len) b[i + 2] = x >>> 16
    if (i + 3 < len) b[i + 3] = x >>> 24
  }
  return b
}

/** Deterministic PRNG (mulberry32) for the large cases. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const latin1 = (k: string): Buffer => Buffer.from(k, 'latin1')

/** Asserts actual === expected; the message is built (and chai called) only on a mismatch. */
const eq = (actual: unknown, expected: unknown, what: () => string): void => {
  if (actual !== expected) expect(actual, what()).to.equal(expected)
}
const ok = (cond: boolean, what: () => string): void => {
  if (!cond) expect(cond, what()).to.equal(true)
}
const show = (k: string): string => JSON.stringify(k.length > 20 ? `${k.slice(0, 8)}...(${k.length} chars)` : k)

/** Compares a big buffer in full, or (sampled) its length and a few windows. */
const sameBytes = (a: Buffer, b: Buffer, full: boolean): boolean => {
  if (a.length !== b.length) return false
  if (full || a.length <= 4096) return a.equals(b)
  const w = 256
  const mid = a.length >> 1
  return (
    a.subarray(0, w).equals(b.subarray(0, w)) &&
    a.subarray(mid - w, mid + w).equals(b.subarray(mid - w, mid + w)) &&
    a.subarray(a.length - w).equals(b.subarray(b.length - w))
  )
}

/** A RecordTable driven alongside a Map model, with every observable checked against it. */
class Harness {
  readonly table = new RecordTable()
  readonly model = new Map<string, Rec>()
  /** Every key used so far: those not in the model must not be found. */
  readonly seen = new Set<string>()
  /** Views handed out by value(), with what they held then. */
  views: { view: Buffer; copy: Buffer }[] = []
  /** Where each live key's record was when last looked at (to see compaction move it). */
  readonly homes = new Map<string, string>()
  moves = 0
  puts = 0
  sweepVisits = 0
  sweepRemovals = 0

  find(k: string, via: Via): number {
    const slot = via === 'string' ? this.table.findString(k) : this.table.findBytes(latin1(k))
    eq(slot >= 0, this.model.has(k), () => `find(${show(k)}) via ${via} found it`)
    return slot
  }

  put(k: string, data: Buffer, expiresAt: number, accessedAt: number, stored: number, via: Via): void {
    this.seen.add(k)
    const had = this.model.has(k)
    const slot = this.find(k, via)
    // A put after a find by bytes passes the key's bytes too, as the keyspace's SET does.
    const keyBytes = via === 'bytes' ? Buffer.from(k, 'latin1') : undefined
    const created = this.table.put(slot, k, data, expiresAt, accessedAt, stored, keyBytes)
    eq(created, !had, () => `put(${show(k)}) created the key`)
    this.model.set(k, { data, expiresAt, accessedAt, stored })
    this.puts++
    const at = this.table.findString(k)
    ok(at >= 0, () => `findString(${show(k)}) right after put`)
    const v = this.table.value(at)
    ok(v.equals(data), () => `value(${show(k)}) right after put`)
    this.homes.set(k, this.table.location(at))
    if (this.views.length < 24 || this.puts % 7 === 0) {
      if (this.views.length >= 24) this.views.splice(this.puts % this.views.length, 1)
      this.views.push({ view: v, copy: data })
    }
  }

  remove(k: string, via: Via): void {
    this.seen.add(k)
    const slot = this.find(k, via)
    if (slot < 0) return
    this.table.remove(slot)
    this.model.delete(k)
    this.homes.delete(k)
  }

  setExpiry(k: string, expiresAt: number, now: number): void {
    this.seen.add(k)
    const slot = this.find(k, 'string')
    if (slot < 0) return
    this.table.setExpiry(slot, expiresAt, now)
    const r = this.model.get(k)!
    r.expiresAt = expiresAt
    r.accessedAt = now
    r.stored = 0
  }

  setAccessed(k: string, now: number): void {
    this.seen.add(k)
    const slot = this.find(k, 'bytes')
    if (slot < 0) return
    this.table.setAccessed(slot, now)
    this.model.get(k)!.accessedAt = now
  }

  setStored(k: string, stored: number): void {
    this.seen.add(k)
    const slot = this.find(k, 'string')
    if (slot < 0) return
    this.table.setStored(slot, stored)
    this.model.get(k)!.stored = stored
  }

  clear(): void {
    this.table.clear()
    this.model.clear()
    this.homes.clear()
    expect(this.table.memoryBytes).to.equal(new RecordTable().memoryBytes)
  }

  /** The record the sweep stands on must be the live, current record of its key. */
  expectSweepLive(): string {
    const t = this.table
    const k = t.sweepKey()
    const r = this.model.get(k)
    if (r === undefined) expect.fail(`the sweep stands on ${show(k)}, which is not live`)
    eq(t.sweepDataBytes(), k.length + r.data.length, () => `sweepDataBytes on ${show(k)}`)
    eq(t.sweepExpiresAt(), r.expiresAt, () => `sweepExpiresAt on ${show(k)}`)
    eq(t.sweepAccessedAt(), r.accessedAt, () => `sweepAccessedAt on ${show(k)}`)
    eq(t.sweepStored(), r.stored, () => `sweepStored on ${show(k)}`)
    return k
  }

  /** Sweep steps with nothing else changing: no record is visited twice before the round ends. */
  sweep(steps: boolean[]): void {
    const visited = new Set<string>()
    for (const remove of steps) {
      const more = this.table.sweepNext()
      if (this.model.size === 0) eq(more, false, () => 'sweepNext on an empty table')
      if (!more) {
        visited.clear()
        continue
      }
      const k = this.expectSweepLive()
      ok(!visited.has(k), () => `the sweep visited ${show(k)} twice in a round`)
      visited.add(k)
      this.sweepVisits++
      if (remove) {
        this.table.sweepRemove()
        this.model.delete(k)
        this.homes.delete(k)
        this.sweepRemovals++
      }
    }
  }

  check(full = false): void {
    const t = this.table
    eq(t.size, this.model.size, () => 'size')
    let data = 0
    for (const [k, r] of this.model) data += k.length + r.data.length
    eq(t.dataBytes, data, () => 'dataBytes')
    ok(t.memoryBytes >= data, () => 'memoryBytes >= dataBytes')
    for (const [k, r] of this.model) {
      const slot = t.findString(k)
      ok(slot >= 0, () => `findString(${show(k)}) of a live key`)
      eq(t.findBytes(latin1(k)), slot, () => `findBytes(${show(k)}) of a live key`)
      eq(t.has(k), true, () => `has(${show(k)})`)
      eq(t.key(slot), k, () => `key(findString(${show(k)}))`)
      eq(t.valueLength(slot), r.data.length, () => `valueLength(${show(k)})`)
      const v = t.value(slot)
      ok(sameBytes(v, r.data, full), () => `value(${show(k)})`)
      eq(t.expiresAt(slot), r.expiresAt, () => `expiresAt(${show(k)})`)
      eq(t.accessedAt(slot), r.accessedAt, () => `accessedAt(${show(k)})`)
      eq(t.stored(slot), r.stored, () => `stored(${show(k)})`)
      const home = this.homes.get(k)
      if (home !== undefined && home !== t.location(slot)) this.moves++
      this.homes.set(k, t.location(slot))
    }
    for (const k of this.seen) {
      if (this.model.has(k)) continue
      eq(t.findString(k), -1, () => `findString(${show(k)}) of an absent key`)
      eq(t.findBytes(latin1(k)), -1, () => `findBytes(${show(k)}) of an absent key`)
      eq(t.has(k), false, () => `has(${show(k)}) of an absent key`)
    }
    for (const { view, copy } of this.views) {
      if (full || view.length <= 1024) ok(view.equals(copy), () => 'a held value view changed')
    }
  }
}

// Keys: latin1, from a small alphabet so that overwrites are frequent, with some long keys
// (including same-length pairs differing only in their last byte).
const keyChar = fc.constantFrom('a', 'b', '\x00', '\xff', '\xe9')
const joined = (min: number, max: number) => fc.array(keyChar, { minLength: min, maxLength: max, size: 'max' }).map((a) => a.join(''))
const longKey = fc
  .tuple(keyChar, fc.constantFrom(100, 255, 256, 1000, 4000), fc.option(keyChar, { nil: undefined }))
  .map(([c, n, last]) => c.repeat(n) + (last ?? ''))
const keyArb = fc.oneof({ weight: 6, arbitrary: joined(0, 2) }, { weight: 2, arbitrary: joined(3, 4) }, { weight: 1, arbitrary: longKey })

// Value lengths: mostly small, some medium (to fill 1 MiB slabs and force compaction), a few
// large (dedicated slabs), and some right at the dedicated-slab threshold.
type Len = { n: number } | { edge: number }
const lenArb: fc.Arbitrary<Len> = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => ({ n })) },
  { weight: 8, arbitrary: fc.integer({ min: 16_000, max: 120_000 }).map((n) => ({ n })) },
  { weight: 1, arbitrary: fc.integer({ min: LARGE + 1, max: 300_000 }).map((n) => ({ n })) },
  { weight: 1, arbitrary: fc.integer({ min: -48, max: 16 }).map((edge) => ({ edge })) },
)
// The threshold counts the record's header too (32 bytes as documented, aligned to 8); the edge
// lengths land on either side of it.
const lengthOf = (len: Len, k: string): number => ('n' in len ? len.n : Math.max(0, LARGE - 32 - k.length + len.edge))

const timeArb = fc.oneof(fc.integer({ min: 0, max: 2 ** 42 }), fc.double({ noNaN: true }))
const storedArb = fc.oneof(fc.constant(CLEAN), fc.constant(0), fc.integer())
const viaArb = fc.constantFrom<Via>('string', 'bytes')

type Op =
  | { op: 'put'; k: string; len: Len; seed: number; expiresAt: number; accessedAt: number; stored: number; via: Via }
  | { op: 'remove'; k: string; via: Via }
  | { op: 'setExpiry'; k: string; expiresAt: number; now: number }
  | { op: 'setAccessed'; k: string; now: number }
  | { op: 'setStored'; k: string; stored: number }
  | { op: 'sweep'; steps: boolean[] }
  | { op: 'clear' }
  | { op: 'warm'; commands: (readonly string[])[] }

const putArb = fc.record({
  op: fc.constant('put' as const),
  k: keyArb,
  len: lenArb,
  seed: fc.integer(),
  expiresAt: timeArb,
  accessedAt: timeArb,
  stored: storedArb,
  via: viaArb,
})
const mutationArbs = [
  { weight: 40, arbitrary: putArb },
  { weight: 12, arbitrary: fc.record({ op: fc.constant('remove' as const), k: keyArb, via: viaArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('setExpiry' as const), k: keyArb, expiresAt: timeArb, now: timeArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('setAccessed' as const), k: keyArb, now: timeArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('setStored' as const), k: keyArb, stored: storedArb }) },
]
const sweepArb = fc.record({
  op: fc.constant('sweep' as const),
  steps: fc.array(fc.constantFrom(false, false, true), { minLength: 1, maxLength: 40, size: 'max' }),
})
// warm() is handed whole commands: argv[1] is the key it looks ahead at, and some have none.
const warmArb = fc.record({
  op: fc.constant('warm' as const),
  commands: fc.array(fc.oneof(fc.tuple(fc.constant('get'), keyArb), fc.constant(['ping'])), { maxLength: 140 }),
})
const opArb: fc.Arbitrary<Op> = fc.oneof(
  ...mutationArbs,
  { weight: 6, arbitrary: sweepArb },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 4, arbitrary: warmArb },
)
/** The same without sweeps or clears: for building tables to sweep. */
const buildOpArb: fc.Arbitrary<Op> = fc.oneof(...mutationArbs)

const apply = (h: Harness, o: Op): void => {
  switch (o.op) {
    case 'put': {
      const data = fill(lengthOf(o.len, o.k), o.seed ^ Math.imul(h.puts + 1, 0x9e3779b1))
      h.put(o.k, data, o.expiresAt, o.accessedAt, o.stored, o.via)
      break
    }
    case 'remove':
      h.remove(o.k, o.via)
      break
    case 'setExpiry':
      h.setExpiry(o.k, o.expiresAt, o.now)
      break
    case 'setAccessed':
      h.setAccessed(o.k, o.now)
      break
    case 'setStored':
      h.setStored(o.k, o.stored)
      break
    case 'sweep':
      h.sweep(o.steps)
      break
    case 'warm':
      h.table.warm(o.commands.map((argv) => argv.map((a) => Buffer.from(a, 'latin1'))))
      break
    case 'clear':
      h.clear()
      break
  }
}

/** Runs sweepNext until the current round ends, so that the next call starts a full round. */
const finishRound = (t: RecordTable): void => {
  for (let i = 0; i < 10_000_000 && t.sweepNext(); i++);
}

/** Upper bound on the hash table's bytes for a table that has held at most `maxCount` records. */
const slotTableBound = (maxCount: number): number => {
  let capacity = 64
  while (capacity < 2 * maxCount) capacity *= 2
  return capacity * 12 * 2
}

describe('RecordTable', () => {
  describe('basics', () => {
    it('is empty at first', () => {
      const t = new RecordTable()
      expect(t.size).to.equal(0)
      expect(t.dataBytes).to.equal(0)
      expect(t.findString('a')).to.equal(-1)
      expect(t.findBytes(latin1('a'))).to.equal(-1)
      expect(t.has('')).to.equal(false)
      expect(t.sweepNext()).to.equal(false)
    })

    it('stores, finds, overwrites and removes records, with their header fields', () => {
      const h = new Harness()
      const every = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')
      h.put('', Buffer.alloc(0), 0, 0, CLEAN, 'string')
      h.put(every, fill(33, 1), Infinity, -0.5, 7, 'bytes')
      h.put('k', fill(7, 2), 1.5e12, 1.7e12, -123456, 'string')
      h.check(true)
      h.put('k', Buffer.alloc(0), 99, 98, CLEAN, 'bytes')
      h.put('', fill(300, 3), -Infinity, Number.MAX_VALUE, 2 ** 31 - 1, 'string')
      h.check(true)
      h.setExpiry(every, 5, 6)
      h.setAccessed('k', 1234.5)
      h.setStored('', -(2 ** 31))
      h.check(true)
      h.remove(every, 'string')
      h.remove('', 'bytes')
      h.check(true)
      h.remove('k', 'string')
      h.check(true)
      expect(h.table.size).to.equal(0)
    })

    it('setExpiry marks the record changed (stored 0) and accessed now', () => {
      const t = new RecordTable()
      t.put(t.findString('x'), 'x', Buffer.from('v'), 10, 20, CLEAN)
      const slot = t.findString('x')
      t.setExpiry(slot, 30, 40)
      expect([t.expiresAt(slot), t.accessedAt(slot), t.stored(slot)]).to.deep.equal([30, 40, 0])
    })

    it('tells apart keys whose full 32-bit hashes collide', () => {
      // Birthday search among same-length keys: ~77k keys give a 50% chance of a collision.
      const byHash = new Map<number, string>()
      const pairs: [string, string][] = []
      for (let i = 0; pairs.length < 3 && i < 2_000_000; i++) {
        const k = 'c' + i.toString(36).padStart(6, '0')
        const h = hashString(k)
        const other = byHash.get(h)
        if (other !== undefined) pairs.push([other, k])
        else byHash.set(h, k)
      }
      expect(pairs.length).to.equal(3)
      const h = new Harness()
      for (const [a, b] of pairs) {
        expect(hashString(a)).to.equal(hashString(b))
        expect(a.length).to.equal(b.length)
        h.put(a, fill(20, 1), 1, 1, 1, 'string')
        h.check(true)
        h.put(b, fill(30, 2), 2, 2, 2, 'bytes')
        h.check(true)
        h.put(a, fill(40, 3), 3, 3, 3, 'bytes')
        h.check(true)
      }
      for (const [a, b] of pairs) {
        h.remove(a, 'string')
        h.check(true)
        h.put(a, fill(50, 4), 4, 4, 4, 'string')
        h.remove(b, 'bytes')
        h.check(true)
      }
    })

    it('gives a record above 128 KiB a slab of its own and releases it as soon as the record dies', () => {
      const t = new RecordTable()
      t.put(t.findString('small'), 'small', Buffer.from('x'), 0, 0, 0)
      const base = t.memoryBytes
      // Above the threshold: a slab the size of the record (not a regular slab), dropped with it.
      t.put(t.findString('big'), 'big', fill(LARGE + 1, 2), 0, 0, 0)
      const grown = t.memoryBytes - base
      expect(grown).to.be.at.least(LARGE + 4)
      expect(grown).to.be.below(LARGE + 4 + 64)
      t.remove(t.findString('big'))
      expect(t.memoryBytes).to.equal(base)
      // Overwritten by a small value: the dedicated slab goes (the small one fits the slab in use).
      t.put(t.findString('big'), 'big', fill(LARGE + 1, 3), 0, 0, 0)
      expect(t.memoryBytes).to.equal(base + grown)
      t.put(t.findString('big'), 'big', Buffer.from('y'), 0, 0, 0)
      expect(t.memoryBytes).to.equal(base)
      // A large overwrite of a large record: one dedicated slab at a time.
      t.put(t.findString('big'), 'big', fill(200_000, 3), 0, 0, 0)
      const one = t.memoryBytes
      t.put(t.findString('big'), 'big', fill(200_000, 4), 0, 0, 0)
      expect(t.memoryBytes).to.equal(one)
      expect(t.value(t.findString('big')).equals(fill(200_000, 4))).to.equal(true)
      t.remove(t.findString('big'))
      expect(t.memoryBytes).to.equal(base)
      // Just under the threshold: a regular slab, which is not dropped when its only record dies
      // (it is the slab being filled), unlike a dedicated one.
      t.put(t.findString('mid'), 'mid', fill(LARGE - 64, 1), 0, 0, 0)
      const withMid = t.memoryBytes
      t.remove(t.findString('mid'))
      expect(t.memoryBytes).to.equal(withMid)
      expect(t.dataBytes).to.equal('small'.length + 1)
      expect(t.size).to.equal(1)
    })
  })

  describe('against a Map model', () => {
    it('agrees with the model under random puts, removes, header changes, sweeps and clears', () => {
      let moves = 0
      let sweepVisits = 0
      let sweepRemovals = 0
      let bigPuts = 0
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 120, size: 'max' }), (ops) => {
          const h = new Harness()
          for (const o of ops) {
            apply(h, o)
            if (o.op === 'put' && lengthOf(o.len, o.k) > LARGE) bigPuts++
            h.check()
          }
          h.check(true)
          moves += h.moves
          sweepVisits += h.sweepVisits
          sweepRemovals += h.sweepRemovals
        }),
        { numRuns: 250 },
      )
      // The workload reached what it is meant to exercise: compaction moved live records,
      // sweeps removed some, and dedicated slabs were used.
      expect(moves, 'records moved by compaction').to.be.above(0)
      expect(sweepVisits).to.be.above(sweepRemovals)
      expect(sweepRemovals).to.be.above(0)
      expect(bigPuts).to.be.above(0)
    })

    it('puts via findBytes and findString interchangeably on the same keys', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(joined(0, 3), viaArb, viaArb, fc.boolean()), { maxLength: 200, size: 'max' }), (ops) => {
          const h = new Harness()
          for (const [k, putVia, removeVia, remove] of ops) {
            if (remove) h.remove(k, removeVia)
            else h.put(k, fill(k.length * 3, k.length), k.length, 0, 0, putVia)
          }
          h.check(true)
        }),
        { numRuns: 200 },
      )
    })
  })

  describe('compaction and slab release', () => {
    /** A table and its model, filled through find-then-put, with the memory bound the contract implies. */
    const bulk = () => {
      const h = new Harness()
      const t = h.table
      let maxCount = 0
      const putKey = (k: string, len: number, seed: number): void => {
        const slot = t.findString(k)
        eq(slot >= 0, h.model.has(k), () => `find(${k})`)
        const data = fill(len, seed)
        t.put(slot, k, data, seed, seed, 0)
        h.model.set(k, { data, expiresAt: seed, accessedAt: seed, stored: 0 })
        maxCount = Math.max(maxCount, t.size)
      }
      const removeKey = (k: string): void => {
        t.remove(t.findString(k))
        h.model.delete(k)
      }
      // Dead space bounded by about the live bytes: the slabs hold at most about twice the live
      // records (data plus a header each), with generous slack on top, plus the slab being
      // filled and the hash table.
      const bound = (): number => 3 * t.dataBytes + 2 * SLAB + slotTableBound(maxCount)
      const bounded = (when: string): void => {
        ok(t.memoryBytes <= bound(), () => `${when}: memoryBytes ${t.memoryBytes} for ${t.size} records of ${t.dataBytes} data bytes (bound ${bound()})`)
      }
      return { h, t, putKey, removeKey, bounded, maxCount: () => maxCount }
    }

    for (const n of [20_000, 5_000]) {
      it(`keeps memory bounded by the live data while ${n} records of 200 bytes are overwritten at random`, () => {
        const { h, t, putKey, bounded } = bulk()
        const rnd = prng(42)
        for (let i = 0; i < n; i++) {
          putKey(`key:${i}`, 200, i + 1)
          if (i % 1000 === 999) bounded(`inserting, after ${i + 1}`)
        }
        expect(t.memoryBytes).to.be.above((n * 200) / 2)
        h.check()
        for (let i = 0; i < 5 * n; i++) {
          putKey(`key:${Math.floor(rnd() * n)}`, 150 + Math.floor(rnd() * 100), n + i + 1)
          if (i % 1000 === 999) bounded(`overwriting, after ${i + 1} overwrites`)
        }
        h.check(true)
      })
    }

    it('compacts sparse slabs away once inserts resume after most records are removed, and reads back every survivor', () => {
      const { h, t, putKey, removeKey, bounded, maxCount } = bulk()
      const n = 20_000
      for (let i = 0; i < n; i++) putKey(`key:${i}`, 200, i + 1)
      bounded('filled')
      expect(t.memoryBytes).to.be.above(4 * SLAB)
      // Remove nine in ten, spread over every slab: no slab empties, so none is released yet.
      for (let i = 0; i < n; i++) if (i % 10 !== 0) removeKey(`key:${i}`)
      h.check()
      const afterRemoval = t.memoryBytes
      const oldLive = t.dataBytes
      // As many new records as the table held: the slabs they fill should compact the old, 90%
      // dead slabs away (the contract: a slab under half live is compacted when the slab being
      // filled fills up).
      for (let i = 0; i < n; i++) putKey(`new:${i}`, 200, n + i + 1)
      const afterInserting = t.memoryBytes
      bounded('after inserting again')
      h.check(true)
      // Remove everything: every slab but the one being filled goes.
      for (const k of [...h.model.keys()]) removeKey(k)
      h.check()
      expect(t.memoryBytes).to.be.at.most(SLAB + slotTableBound(maxCount()))
      // The old slabs held about 9 dead bytes for each of oldLive live ones; had they been
      // compacted, memory would have grown by the new data alone minus that dead space.
      const newData = afterInserting - afterRemoval
      ok(
        newData < (n * 200) / 2,
        () =>
          `memory grew by ${newData} bytes (from ${afterRemoval} to ${afterInserting}) while ${n * 200} bytes of values were ` +
          `added to a table whose slabs held ${oldLive} live data bytes and ~${afterRemoval - oldLive} dead: the sparse slabs were not compacted`,
      )
    })

    it('compacts records away from a slab of mostly dead records, moving the live ones intact', () => {
      const h = new Harness()
      const t = h.table
      // Slabs grow from 4 KB: fill a few megabytes first, so the anchor lands in a full-size slab.
      for (let i = 0; i < 6000; i++) h.put(`pre:${i}`, fill(300, i + 7), i, i, i, 'string')
      h.put('anchor', fill(500, 1), 1, 2, 3, 'string')
      const anchorView = t.value(t.findString('anchor'))
      const anchorAt = t.location(t.findString('anchor'))
      for (let i = 0; i < 3000; i++) h.put(`fill:${i}`, fill(300, i + 10), i, i, i, 'string')
      // Nine in ten die, in every slab: no slab empties, the anchor's slab is mostly dead.
      for (let i = 0; i < 6000; i++) if (i % 10 !== 0) h.remove(`pre:${i}`, 'string')
      for (let i = 0; i < 3000; i++) if (i % 10 !== 0) h.remove(`fill:${i}`, 'string')
      h.check(true)
      let i = 0
      for (; t.location(t.findString('anchor')) === anchorAt && i < 20_000; i++) {
        h.put(`more:${i}`, fill(300, 5000 + i), i, i, CLEAN, 'bytes')
      }
      expect(t.location(t.findString('anchor')), 'the anchor was moved by compaction').to.not.equal(anchorAt)
      expect(anchorView.equals(fill(500, 1))).to.equal(true)
      expect(h.moves).to.equal(0)
      h.check(true)
      // Every record of the anchor's slab that lived was moved too, with its header.
      expect(h.moves).to.be.above(0)
    })
  })

  describe('value views', () => {
    it('are the caller\'s own bytes even after their slab is released and reused', () => {
      const t = new RecordTable()
      const n = 20_000
      // Enough records that slabs reach their full size (the ones released slabs are kept for).
      for (let i = 0; i < n; i++) t.put(t.findString(`a:${i}`), `a:${i}`, fill(200, i), 0, 0, 0)
      const held: { view: Buffer; copy: Buffer }[] = []
      for (let i = 0; i < n; i += 97) {
        const view = t.value(t.findString(`a:${i}`))
        held.push({ view, copy: Buffer.from(view) })
      }
      // Overwriting every record empties the old slabs; new records go into reused ones.
      for (let round = 1; round <= 4; round++) {
        for (let i = 0; i < n; i++) t.put(t.findString(`a:${i}`), `a:${i}`, fill(200, i + round * 7919), 0, 0, 0)
      }
      for (const { view, copy } of held) expect(view.equals(copy)).to.equal(true)
      for (let i = 0; i < n; i += 331) expect(t.value(t.findString(`a:${i}`)).equals(fill(200, i + 4 * 7919))).to.equal(true)
    })

    it('valueView hands out views of shared slabs that keep their bytes for the rest of the pass, while overwrites release their slabs', async () => {
      // The spare pool is the process's: earlier specs may have filled it, and a full pool takes
      // no released slab in (nothing would be reused below).
      limitSpareSlabs(0)
      limitSpareSlabs(Infinity)
      const t = new RecordTable()
      const n = 20_000
      for (let i = 0; i < n; i++) t.put(t.findString(`v:${i}`), `v:${i}`, fill(200, i), 0, 0, 0)
      const held: { view: Buffer; copy: Buffer }[] = []
      for (let i = 0; i < n; i += 97) {
        const view = t.valueView(t.findString(`v:${i}`))
        held.push({ view, copy: Buffer.from(view) })
      }
      // Views, not copies: two reads of a record share its bytes.
      const again = t.valueView(t.findString('v:0'))
      expect([again.buffer, again.byteOffset]).to.deep.equal([held[0]!.view.buffer, held[0]!.view.byteOffset])
      // In the same pass, every record is overwritten four times: the old slabs empty and are
      // released, and fresh records need slabs all the while.
      for (let round = 1; round <= 4; round++) {
        for (let i = 0; i < n; i++) t.put(t.findString(`v:${i}`), `v:${i}`, fill(200, i + round * 7919), 0, 0, 0)
      }
      for (const { view, copy } of held) expect(view.equals(copy)).to.equal(true)
      // From the next check phase on, released slabs are reused: a view kept that long is stale
      // (which is why replies held past the pass are detached).
      await new Promise((resolve) => setImmediate(resolve))
      for (let round = 5; round <= 8; round++) {
        for (let i = 0; i < n; i++) t.put(t.findString(`v:${i}`), `v:${i}`, fill(200, i + round * 7919), 0, 0, 0)
      }
      expect(held.some(({ view, copy }) => !view.equals(copy))).to.equal(true)
      for (let i = 0; i < n; i += 331) expect(t.valueView(t.findString(`v:${i}`)).equals(fill(200, i + 8 * 7919))).to.equal(true)
    })

    it('valueView copies values longer than VIEW_MAX, and views a record with a slab of its own', () => {
      const t = new RecordTable()
      t.put(t.findString('small'), 'small', fill(VIEW_MAX, 1), 0, 0, 0)
      t.put(t.findString('mid'), 'mid', fill(VIEW_MAX + 1, 2), 0, 0, 0)
      t.put(t.findString('big'), 'big', fill(200_000, 3), 0, 0, 0)
      const small = t.valueView(t.findString('small'))
      const mid = t.valueView(t.findString('mid'))
      const big = t.valueView(t.findString('big'))
      expect(small.equals(fill(VIEW_MAX, 1))).to.equal(true)
      expect(mid.equals(fill(VIEW_MAX + 1, 2))).to.equal(true)
      expect(big.equals(fill(200_000, 3))).to.equal(true)
      // The small one shares its memory with the mid one's record in the slab; the copy does not.
      expect(small.buffer).to.equal(t.valueView(t.findString('small')).buffer)
      expect(mid.buffer).to.not.equal(t.valueView(t.findString('mid')).buffer)
    })

    it('keep their bytes after the key is overwritten and then removed', () => {
      const t = new RecordTable()
      t.put(t.findString('k'), 'k', fill(100, 1), 0, 0, 0)
      const view = t.value(t.findString('k'))
      t.put(t.findString('k'), 'k', fill(100, 2), 0, 0, 0)
      expect(view.equals(fill(100, 1))).to.equal(true)
      expect(t.value(t.findString('k')).equals(fill(100, 2))).to.equal(true)
      t.remove(t.findString('k'))
      expect(view.equals(fill(100, 1))).to.equal(true)
    })

    it('keep their bytes after churn compacts and releases their slab, and after clear()', () => {
      const t = new RecordTable()
      const views: { view: Buffer; copy: Buffer }[] = []
      const hold = (k: string): void => {
        const v = t.value(t.findString(k))
        views.push({ view: v, copy: Buffer.from(v) })
      }
      t.put(t.findString('anchor'), 'anchor', fill(64, 9), 0, 0, 0)
      const anchorAt = t.location(t.findString('anchor'))
      // Records in the first slab: one overwritten, one removed, one left live, one large.
      for (const k of ['over', 'gone', 'live']) t.put(t.findString(k), k, fill(1000, k.length * 31 + k.charCodeAt(0)), 0, 0, 0)
      t.put(t.findString('big'), 'big', fill(200_000, 5), 0, 0, 0)
      for (const k of ['over', 'gone', 'live', 'big', 'anchor']) hold(k)
      t.put(t.findString('over'), 'over', fill(1000, 77), 0, 0, 0)
      t.remove(t.findString('gone'))
      t.remove(t.findString('big'))
      for (const { view, copy } of views) expect(view.equals(copy)).to.equal(true)
      // Churn until the first slab has been compacted (its live anchor has moved elsewhere).
      let i = 0
      while (t.location(t.findString('anchor')) === anchorAt && i < 200_000) {
        const k = `churn:${i % 500}`
        t.put(t.findString(k), k, fill(400, i), 0, 0, 0)
        i++
        if (i % 997 === 0) hold(k)
      }
      expect(t.location(t.findString('anchor'))).to.not.equal(anchorAt)
      for (const { view, copy } of views) expect(view.equals(copy)).to.equal(true)
      hold('live')
      t.clear()
      for (const { view, copy } of views) expect(view.equals(copy)).to.equal(true)
      // New records after clear() do not write over the old views.
      for (let j = 0; j < 5000; j++) t.put(t.findString(`after:${j}`), `after:${j}`, Buffer.alloc(300, 0xaa), 0, 0, 0)
      for (const { view, copy } of views) expect(view.equals(copy)).to.equal(true)
    })
  })

  describe('eviction sweep', () => {
    /** Builds a table with several slabs, dead records, dedicated slabs and released slab ids. */
    const buildBig = (): Harness => {
      const h = new Harness()
      const rnd = prng(7)
      for (let i = 0; i < 12_000; i++) {
        const k = `s:${Math.floor(rnd() * 6000)}`
        const r = rnd()
        if (r < 0.15) h.remove(k, 'string')
        else h.put(k, fill(r < 0.151 ? LARGE + 100 : Math.floor(rnd() * 400), i), i, i, i % 3 === 0 ? CLEAN : 0, 'string')
      }
      h.check()
      return h
    }

    const fullRound = (h: Harness, removeIf: (k: string, n: number) => boolean): string[] => {
      const t = h.table
      finishRound(t)
      const before = new Set(h.model.keys())
      const visited = new Set<string>()
      let steps = 0
      while (t.sweepNext()) {
        ok(++steps <= before.size, () => `a round of ${steps} steps over ${before.size} records`)
        const k = h.expectSweepLive()
        ok(!visited.has(k), () => `the sweep visited ${show(k)} twice in a round`)
        visited.add(k)
        if (removeIf(k, steps)) {
          t.sweepRemove()
          h.model.delete(k)
          h.homes.delete(k)
        }
      }
      expect(visited.size, 'records visited in the round').to.equal(before.size)
      for (const k of before) ok(visited.has(k), () => `the round missed ${show(k)}`)
      return [...visited]
    }

    it('visits every live record exactly once per round when nothing changes', () => {
      const h = buildBig()
      const first = fullRound(h, () => false)
      expect(first.length).to.equal(h.model.size)
      // The next round visits them again, in the same order.
      expect(fullRound(h, () => false)).to.deep.equal(first)
      h.check()
    })

    it('visits every live record exactly once per round on random tables', () => {
      fc.assert(
        fc.property(fc.array(buildOpArb, { maxLength: 120, size: 'max' }), (ops) => {
          const h = new Harness()
          for (const o of ops) apply(h, o)
          fullRound(h, () => false)
          h.check()
        }),
        { numRuns: 100 },
      )
    })

    it('removing records during a round still visits each record once and removes exactly those', () => {
      const h = buildBig()
      const removed = new Set<string>()
      // Remove runs of consecutive records (whole slabs go), and scattered ones.
      fullRound(h, (k, n) => {
        const out = (n >= 1000 && n < 5000) || n % 7 === 0
        if (out) removed.add(k)
        return out
      })
      expect(removed.size).to.be.above(3000)
      for (const k of removed) expect(h.table.has(k)).to.equal(false)
      h.check(true)
      // And a round that removes everything leaves an empty table.
      fullRound(h, () => true)
      expect(h.table.size).to.equal(0)
      expect(h.table.dataBytes).to.equal(0)
      expect(h.table.sweepNext()).to.equal(false)
      h.check()
    })

    it('removing records during a round agrees with the model on random tables', () => {
      fc.assert(
        fc.property(fc.array(buildOpArb, { maxLength: 120, size: 'max' }), fc.integer({ min: 1, max: 5 }), fc.integer(), (ops, every, salt) => {
          const h = new Harness()
          for (const o of ops) apply(h, o)
          fullRound(h, (k) => (hashString(k) ^ salt) % every === 0)
          h.check(true)
        }),
        { numRuns: 100 },
      )
    })

    it('a round with puts, overwrites and removes interleaved never stands on a dead record', () => {
      const stepArb = fc.record({
        sweepRemove: fc.boolean(),
        changes: fc.array(
          fc.record({ kind: fc.constantFrom('put', 'put', 'put', 'remove', 'big'), key: fc.nat(999), len: fc.integer({ min: 0, max: 2000 }) }),
          { maxLength: 4, size: 'max' },
        ),
      })
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), fc.array(stepArb, { minLength: 1, maxLength: 1500, size: 'max' }), (initial, steps) => {
          const h = new Harness()
          const t = h.table
          for (let i = 0; i < initial; i++) h.put(`i:${i}`, fill(700, i), i, i, 0, 'string')
          let p = 0
          for (const step of steps) {
            if (!t.sweepNext()) break
            const k = h.expectSweepLive()
            if (step.sweepRemove) {
              t.sweepRemove()
              h.model.delete(k)
              h.homes.delete(k)
            }
            for (const c of step.changes) {
              const key = `i:${c.key}`
              if (c.kind === 'remove') h.remove(key, 'bytes')
              else h.put(key, fill(c.kind === 'big' ? LARGE + c.len : c.len, ++p), p, p, 0, 'string')
            }
          }
          h.check(true)
          // The table still sweeps cleanly afterwards.
          fullRound(h, () => false)
        }),
        { numRuns: 30 },
      )
    })

    it('starts a fresh round after clear()', () => {
      const h = buildBig()
      for (let i = 0; i < 100; i++) h.table.sweepNext()
      h.clear()
      expect(h.table.sweepNext()).to.equal(false)
      for (let i = 0; i < 10; i++) h.put(`n:${i}`, fill(10, i), 0, 0, 0, 'string')
      const visited: string[] = []
      while (h.table.sweepNext()) visited.push(h.table.sweepKey())
      expect(visited.sort()).to.deep.equal([...h.model.keys()].sort())
    })
  })

  describe('hashing', () => {
    it('hashBytes and hashString agree for a key and its latin1 bytes', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }), fc.nat(16), fc.nat(16), (codes, before, after) => {
          const k = String.fromCharCode(...codes)
          const bytes = latin1(k)
          expect(bytes.length).to.equal(k.length)
          expect(hashBytes(bytes, 0, bytes.length)).to.equal(hashString(k))
          // Within a larger buffer, only [start, end) counts.
          const padded = Buffer.concat([fill(before, 1), bytes, fill(after, 2)])
          expect(hashBytes(padded, before, before + bytes.length)).to.equal(hashString(k))
          expect(Number.isInteger(hashString(k))).to.equal(true)
        }),
        { numRuns: 500 },
      )
    })

    it('spreads similar keys over the table index bits', () => {
      const buckets = new Array<number>(256).fill(0)
      for (let i = 0; i < 256 * 100; i++) buckets[hashString(`user:${i}`) & 255]!++
      // 100 per bucket expected; a binomial bucket stays well within 50..150.
      for (const b of buckets) expect(b).to.be.within(50, 150)
    })
  })

  describe('growth and deletion', () => {
    it('gives slots back once most records are gone (evicted), and still finds the rest', () => {
      const t = new RecordTable()
      const n = 200_000
      for (let i = 0; i < n; i++) t.put(-1, `key:${i}`, latin1('v'), 0, 0, 0)
      const full = t.memoryBytes
      // Sweep-removes, as eviction does, all but every 64th record.
      let visited = 0
      while (t.sweepNext()) {
        if (Number(t.sweepKey().slice(4)) % 64 !== 0) t.sweepRemove()
        visited++
      }
      expect(visited).to.equal(n)
      expect(t.size).to.equal(n / 64)
      const slotBytes = (full - t.memoryBytes) as number
      // 200,000 records needed 524,288 slots of 12 bytes; 3,125 need at most 16,384 after shrinking.
      expect(slotBytes).to.be.at.least((524_288 - 16_384) * 12)
      for (let i = 0; i < n; i++) eq(t.findString(`key:${i}`) >= 0, i % 64 === 0, () => `key:${i} ${i % 64 === 0 ? 'kept' : 'removed'}`)
      for (let i = 0; i < n; i++) if (i % 64 !== 0) t.put(-1, `key:${i}`, latin1('w'), 0, 0, 0)
      expect(t.size).to.equal(n)
      for (let i = 0; i < n; i += 997) ok(t.findString(`key:${i}`) >= 0, () => `key:${i} after refilling`)
    })

    it('finds 100,000 distinct keys, and after removing every other one, exactly the rest', () => {
      const t = new RecordTable()
      const n = 100_000
      const value = (i: number): Buffer => {
        const b = Buffer.alloc(4)
        b.writeUInt32LE(i)
        return b
      }
      for (let i = 0; i < n; i++) {
        const k = `key:${i}`
        const slot = t.findString(k)
        eq(slot, -1, () => `findString(${k}) before its put`)
        eq(t.put(slot, k, value(i), i, i, 0), true, () => `put(${k}) created it`)
      }
      expect(t.size).to.equal(n)
      for (let i = 0; i < n; i++) {
        const slot = t.findBytes(latin1(`key:${i}`))
        ok(slot >= 0, () => `findBytes(key:${i})`)
        eq(t.value(slot).readUInt32LE(0), i, () => `value(key:${i})`)
      }
      for (let i = 0; i < n; i += 2) t.remove(t.findString(`key:${i}`))
      expect(t.size).to.equal(n / 2)
      for (let i = 0; i < n; i++) {
        const slot = t.findString(`key:${i}`)
        if (i % 2 === 0) {
          eq(slot, -1, () => `key:${i} was removed`)
          eq(t.findBytes(latin1(`key:${i}`)), -1, () => `key:${i} was removed (findBytes)`)
        } else {
          ok(slot >= 0, () => `key:${i} was kept`)
          eq(t.key(slot), `key:${i}`, () => `key(findString(key:${i}))`)
          eq(t.value(slot).readUInt32LE(0), i, () => `value(key:${i})`)
          eq(t.expiresAt(slot), i, () => `expiresAt(key:${i})`)
        }
      }
      let data = 0
      for (let i = 1; i < n; i += 2) data += `key:${i}`.length + 4
      expect(t.dataBytes).to.equal(data)
    })

    it('keeps probe chains that wrap around the end of the table intact under removal', () => {
      // Keys whose home is one of the last slots of the 64-slot starting table, or the first:
      // their probe chains run across the wraparound.
      const homes = [61, 62, 63, 0, 1]
      const pool = new Map<number, string[]>(homes.map((x) => [x, []]))
      for (let i = 0; [...pool.values()].some((ks) => ks.length < 6); i++) {
        const k = `w${i}`
        const ks = pool.get(hashString(k) & 63)
        if (ks !== undefined && ks.length < 6) ks.push(k)
      }
      const candidates = [...pool.values()].flat()
      fc.assert(
        fc.property(
          fc.shuffledSubarray(candidates, { minLength: 1, maxLength: 24 }),
          fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 40, size: 'max' }),
          (keys, later) => {
            const h = new Harness()
            for (const k of keys) h.put(k, fill(8, k.length), 0, 0, 0, 'string')
            h.check(true)
            // With this many keys homed at 61..1, some probe chain crosses the end.
            const home = (k: string) => hashString(k) & 63
            const wrapped = keys.some((k) => h.table.findString(k) < home(k))
            const fromEnd = keys.filter((k) => home(k) >= 61).length
            if (fromEnd > 3) expect(wrapped, 'a probe chain wrapped around').to.equal(true)
            for (const [i, putBack] of later) {
              const k = keys[i % keys.length]!
              if (putBack) h.put(k, fill(9, i), i, 0, 0, 'bytes')
              else h.remove(k, 'string')
              h.check(true)
            }
          },
        ),
        { numRuns: 150 },
      )
    })
  })

  describe('object values', () => {
    it('holds an object beside the table: found, flagged, replaced and dropped with its record', () => {
      const t = new RecordTable()
      const first = { kind: 'hash', n: 1 }
      expect(t.putObject(t.findString('h'), 'h', first, 5, 6, CLEAN)).to.equal(true)
      let slot = t.findString('h')
      expect(t.isObject(slot)).to.equal(true)
      expect(t.object(slot)).to.equal(first)
      expect([t.expiresAt(slot), t.accessedAt(slot), t.stored(slot), t.valueLength(slot)]).to.deep.equal([5, 6, CLEAN, 0])
      expect(t.dataBytes).to.equal(1)
      const second = new Set([1, 2])
      expect(t.putObject(slot, 'h', second, 7, 8, 0)).to.equal(false)
      slot = t.findString('h')
      expect(t.object(slot)).to.equal(second)
      expect(t.size).to.equal(1)
      // Bytes replace the object: the object goes with the record it belonged to.
      t.put(slot, 'h', Buffer.from('bytes'), 0, 0, 0)
      slot = t.findString('h')
      expect(t.isObject(slot)).to.equal(false)
      expect(t.object(slot)).to.equal(undefined)
      expect(t.value(slot).toString()).to.equal('bytes')
      t.putObject(slot, 'h', first, 0, 0, 0)
      t.remove(t.findString('h'))
      t.put(t.findString('h'), 'h', Buffer.from('x'), 0, 0, 0)
      expect(t.object(t.findString('h'))).to.equal(undefined)
      t.putObject(t.findString('h'), 'h', second, 0, 0, 0)
      t.clear()
      t.put(t.findString('h'), 'h', Buffer.from('y'), 0, 0, 0)
      expect(t.object(t.findString('h'))).to.equal(undefined)
    })

    it('keeps objects and bytes apart under random puts, removes, sweeps and compaction', () => {
      type ObjOp = { op: 'bytes' | 'object' | 'remove'; k: string; len: number } | { op: 'sweep'; steps: boolean[] }
      const objOpArb: fc.Arbitrary<ObjOp> = fc.oneof(
        { weight: 4, arbitrary: fc.record({ op: fc.constant('bytes' as const), k: joined(0, 2), len: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 20_000, max: 100_000 })) }) },
        { weight: 4, arbitrary: fc.record({ op: fc.constant('object' as const), k: joined(0, 2), len: fc.constant(0) }) },
        { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), k: joined(0, 2), len: fc.constant(0) }) },
        { weight: 1, arbitrary: sweepArb },
      )
      fc.assert(
        fc.property(fc.array(objOpArb, { minLength: 1, maxLength: 150, size: 'max' }), (ops) => {
          const h = new Harness()
          const t = h.table
          const objects = new Map<string, object>()
          for (const o of ops) {
            if (o.op === 'sweep') {
              h.sweep(o.steps)
              for (const k of [...objects.keys()]) if (!h.model.has(k)) objects.delete(k)
            } else if (o.op === 'bytes') {
              h.put(o.k, fill(o.len, h.puts), 1, 2, 3, 'string')
              objects.delete(o.k)
            } else if (o.op === 'object') {
              h.seen.add(o.k)
              const had = h.model.has(o.k)
              const value = { key: o.k, n: h.puts++ }
              eq(t.putObject(h.find(o.k, 'bytes'), o.k, value, 4, 5, 6), !had, () => `putObject(${show(o.k)}) created the key`)
              h.model.set(o.k, { data: Buffer.alloc(0), expiresAt: 4, accessedAt: 5, stored: 6 })
              objects.set(o.k, value)
            } else {
              h.remove(o.k, 'string')
              objects.delete(o.k)
            }
            h.check()
            for (const k of h.model.keys()) {
              const slot = t.findString(k)
              eq(t.isObject(slot), objects.has(k), () => `isObject(${show(k)})`)
              eq(t.object(slot), objects.get(k), () => `object(${show(k)})`)
            }
          }
        }),
        { numRuns: 150 },
      )
    })
  })

  describe('the find-then-put contract', () => {
    it('put(-1) after a find of another, absent key still files the record under its own key', () => {
      // The contract: `slot` is what find returned for this key with no change to the table since.
      // A find (or has) of some other key is not a change to the table.
      const t = new RecordTable()
      const slot = t.findString('a')
      expect(slot).to.equal(-1)
      expect(t.has('b')).to.equal(false)
      expect(t.put(slot, 'a', Buffer.from('1'), 0, 0, 0)).to.equal(true)
      expect(t.findString('a'), 'the record of a is findable').to.be.at.least(0)
      expect(t.has('b')).to.equal(false)
    })
  })
})
