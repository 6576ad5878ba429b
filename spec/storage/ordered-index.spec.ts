import { expect } from 'chai'
import fc from 'fast-check'
import { OrderedIndex } from '../../src/storage/ordered-index.js'

// The model: a sorted array of distinct latin1 strings.
const lowerBound = (a: string[], k: string): number => {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < k) lo = mid + 1
    else hi = mid
  }
  return lo
}
const modelAdd = (a: string[], k: string): boolean => {
  const i = lowerBound(a, k)
  if (a[i] === k) return false
  a.splice(i, 0, k)
  return true
}
const modelDelete = (a: string[], k: string): boolean => {
  const i = lowerBound(a, k)
  if (a[i] !== k) return false
  a.splice(i, 1)
  return true
}
const modelFrom = (a: string[], k: string | undefined, exclusive: boolean): string[] =>
  k === undefined ? a.slice() : a.filter((x) => (exclusive ? x > k : x >= k))

/** Compares every observable of the index against the model. */
const expectSame = (ix: OrderedIndex, model: string[]): void => {
  expect(ix.size).to.equal(model.length)
  expect([...ix.from()]).to.deep.equal(model)
  model.forEach((k, i) => {
    expect(ix.at(i)).to.equal(k)
    expect(ix.rank(k)).to.equal(i)
    expect(ix.has(k)).to.equal(true)
  })
  expect(ix.at(model.length)).to.equal(undefined)
  expect(ix.at(-1)).to.equal(undefined)
}

/** Deterministic PRNG (mulberry32) for the large cases. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

// Bytes chosen to hit the sign and NUL edges of byte order, with few enough symbols to collide.
const byte = fc.constantFrom('\x00', '\x01', 'a', 'b', '\x7f', '\x80', '\xfe', '\xff')
const key = fc.string({ unit: byte, maxLength: 4 })

type Op =
  | { op: 'add' | 'delete' | 'has' | 'rank'; key: string }
  | { op: 'at'; i: number }
  | { op: 'from'; key: string | undefined; exclusive: boolean; take: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), key }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('has' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rank' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('at' as const), i: fc.integer({ min: -2, max: 300 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('from' as const),
      key: fc.option(key, { nil: undefined }),
      exclusive: fc.boolean(),
      take: fc.integer({ min: 0, max: 50 }),
    }),
  },
)

describe('OrderedIndex', () => {
  it('is an empty set at first', () => {
    const ix = new OrderedIndex()
    expect(ix.size).to.equal(0)
    expect(ix.at(0)).to.equal(undefined)
    expect(ix.rank('x')).to.equal(0)
    expect(ix.has('')).to.equal(false)
    expect([...ix.from()]).to.deep.equal([])
    expect(ix.delete('x')).to.equal(false)
  })

  it('orders by byte value, not by UTF-16 locale rules', () => {
    const ix = new OrderedIndex()
    for (const k of ['\xff', 'b', '\x80', '', '\x00', 'a\x00', 'a', 'A', '\x7f']) ix.add(k)
    expect([...ix.from()]).to.deep.equal(['', '\x00', 'A', 'a', 'a\x00', 'b', '\x7f', '\x80', '\xff'])
  })

  it('rejects orders below 4', () => {
    expect(() => new OrderedIndex(3)).to.throw(RangeError)
    expect(() => new OrderedIndex(4.5)).to.throw(RangeError)
  })

  it('add and delete report whether the set changed', () => {
    const ix = new OrderedIndex()
    expect(ix.add('k')).to.equal(true)
    expect(ix.add('k')).to.equal(false)
    expect(ix.size).to.equal(1)
    expect(ix.delete('k')).to.equal(true)
    expect(ix.delete('k')).to.equal(false)
    expect(ix.size).to.equal(0)
  })

  it('matches a sorted-array model under random operation sequences (small orders grow deep trees)', () => {
    fc.assert(
      fc.property(fc.constantFrom(4, 5, 7, 64), fc.array(opArb, { maxLength: 400 }), (order, ops) => {
        const ix = new OrderedIndex(order)
        const model: string[] = []
        for (const o of ops) {
          switch (o.op) {
            case 'add':
              expect(ix.add(o.key)).to.equal(modelAdd(model, o.key))
              break
            case 'delete':
              expect(ix.delete(o.key)).to.equal(modelDelete(model, o.key))
              break
            case 'has':
              expect(ix.has(o.key)).to.equal(model.includes(o.key))
              break
            case 'rank':
              expect(ix.rank(o.key)).to.equal(lowerBound(model, o.key))
              break
            case 'at':
              expect(ix.at(o.i)).to.equal(model[o.i])
              break
            case 'from': {
              const got: string[] = []
              for (const k of ix.from(o.key, o.exclusive)) {
                if (got.length === o.take) break
                got.push(k)
              }
              expect(got).to.deep.equal(modelFrom(model, o.key, o.exclusive).slice(0, o.take))
              break
            }
          }
          expect(ix.size).to.equal(model.length)
        }
        expectSame(ix, model)
      }),
      { numRuns: 400 },
    )
  })

  it('builds from sorted keys in one pass into a tree that then behaves as the model under random operations', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 5, 7, 64),
        fc.uniqueArray(fc.string({ unit: byte, maxLength: 6 }), { maxLength: 3000 }),
        fc.boolean(),
        fc.array(opArb, { maxLength: 300 }),
        (order, keys, startNonEmpty, ops) => {
          const ix = new OrderedIndex(order)
          const model: string[] = []
          // Into a non-empty index the keys go one by one; the result must be the same set.
          if (startNonEmpty) {
            ix.add('\x80')
            modelAdd(model, '\x80')
          }
          const sorted = keys.filter((k) => k !== '\x80' || !startNonEmpty).sort()
          ix.addSorted(sorted)
          for (const k of sorted) modelAdd(model, k)
          expectSame(ix, model)
          for (const o of ops) {
            if (o.op === 'add') expect(ix.add(o.key)).to.equal(modelAdd(model, o.key))
            else if (o.op === 'delete') expect(ix.delete(o.key)).to.equal(modelDelete(model, o.key))
            expect(ix.size).to.equal(model.length)
          }
          expectSame(ix, model)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a tree built from 200,000 sorted keys deletes down to empty and grows again as the model', () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `key:${String(i).padStart(9, '0')}`)
    const ix = new OrderedIndex()
    ix.addSorted(keys)
    expect(ix.size).to.equal(200_000)
    expect(ix.at(123_456)).to.equal(keys[123_456])
    expect(ix.rank('key:000150000')).to.equal(150_000)
    const random = prng(7)
    const order = keys.map((k) => [random(), k] as const).sort((a, b) => a[0] - b[0])
    for (const [, k] of order.slice(0, 199_990)) expect(ix.delete(k)).to.equal(true)
    const left = order.slice(199_990).map(([, k]) => k).sort()
    expectSame(ix, left)
    for (const k of keys.slice(0, 5000)) ix.add(k)
    expect(ix.size).to.equal(new Set([...left, ...keys.slice(0, 5000)]).size)
  })

  it('matches the model through growth to tens of thousands of keys and back (multi-level splits and merges)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 6 }), fc.constantFrom(4, 9, 64), (seed, len, order) => {
        const rnd = prng(seed)
        const randKey = () => {
          let s = ''
          for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(rnd() * 256))
          return s
        }
        const ix = new OrderedIndex(order)
        const model: string[] = []
        for (let n = 0; n < 12_000; n++) {
          const k = randKey()
          expect(ix.add(k)).to.equal(modelAdd(model, k))
        }
        expectSame(ix, model)
        // Random probes of rank/at/from in the big tree.
        for (let n = 0; n < 200; n++) {
          const k = randKey()
          expect(ix.rank(k)).to.equal(lowerBound(model, k))
          const excl = rnd() < 0.5
          const got: string[] = []
          for (const x of ix.from(k, excl)) {
            if (got.length === 70) break
            got.push(x)
          }
          expect(got).to.deep.equal(modelFrom(model, k, excl).slice(0, 70))
        }
        // Delete most keys, mixing hits and misses, in random order: exercises borrow and merge.
        const victims = model.slice()
        for (let i = victims.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1))
          ;[victims[i], victims[j]] = [victims[j]!, victims[i]!]
        }
        const checkpoints = new Set([Math.floor(victims.length / 2), victims.length - 500, victims.length - 100])
        for (let n = 0; n < victims.length - 37; n++) {
          // A random miss below may already have removed a later victim.
          expect(ix.delete(victims[n]!)).to.equal(modelDelete(model, victims[n]!))
          const miss = randKey()
          expect(ix.delete(miss)).to.equal(modelDelete(model, miss))
          // Check while the tree is still deep: counts skewed by a rebalance vanish once it collapses.
          if (checkpoints.has(n)) expectSame(ix, model)
        }
        expectSame(ix, model)
      }),
      { numRuns: 6 },
    )
  })

  it('keeps no deleted key alive: every key a reachable leaf holds is a member', () => {
    // Eviction's pattern: keys arrive in order and leave roughly in order, while the index shrinks
    // from a deep tree to a few keys. A leaf the index object still reaches (through its tree,
    // its scratch path, a removed node, the leaves' chain) holding a departed key is memory that is
    // never freed. (Inner nodes may keep a departed key as a separator: one per node, bounded.)
    const leafKeys = (ix: OrderedIndex): Set<string> => {
      const found = new Set<string>()
      const seen = new Set<object>()
      const stack: unknown[] = [ix]
      while (stack.length > 0) {
        const v = stack.pop()
        if (v === null || typeof v !== 'object' || seen.has(v)) continue
        seen.add(v)
        const node = v as { leaf?: unknown; keys?: unknown }
        if (node.leaf === true && Array.isArray(node.keys)) for (const k of node.keys) found.add(k as string)
        for (const child of Object.values(v)) stack.push(child)
      }
      return found
    }
    const key = (i: number): string => `key:${String(i).padStart(8, '0')}`
    const rnd = prng(7)
    for (const order of [4, 8]) {
      const ix = new OrderedIndex(order)
      const live: number[] = []
      for (let i = 0; i < 60_000; i++) {
        ix.add(key(i))
        live.push(i)
        const window = i < 20_000 ? 5000 : 50
        while (live.length > window) {
          const j = Math.floor(rnd() * Math.min(live.length, 64))
          ix.delete(key(live[j]!))
          live.splice(j, 1)
        }
      }
      const members = new Set(ix.from())
      const stale = [...leafKeys(ix)].filter((k) => !members.has(k))
      expect(stale.length, `order ${order}: deleted keys still held, e.g. ${stale.slice(0, 3).join(', ')}`).to.equal(0)
    }
  })

  it('handles sequential (appending) and reverse-order inserts and deletes', () => {
    const ix = new OrderedIndex()
    const model: string[] = []
    const pad = (n: number) => n.toString().padStart(6, '0')
    for (let n = 0; n < 20_000; n++) {
      ix.add(pad(n))
      model.push(pad(n))
    }
    expectSame(ix, model)
    for (let n = 19_999; n >= 5_000; n--) expect(ix.delete(pad(n))).to.equal(true)
    model.length = 5_000
    expectSame(ix, model)
    for (let n = 0; n < 4_000; n++) expect(ix.delete(pad(n))).to.equal(true)
    expectSame(ix, model.slice(4_000))
    for (let n = 4_000; n < 4_990; n++) expect(ix.delete(pad(n))).to.equal(true)
    expectSame(ix, model.slice(4_990))
    ix.clear()
    expectSame(ix, [])
    for (let n = 9_999; n >= 0; n--) ix.add(pad(n))
    expectSame(
      ix,
      Array.from({ length: 10_000 }, (_, n) => pad(n)),
    )
  })

  describe('from() under mutation', () => {
    it('survives deleting each key as it is received', () => {
      const ix = new OrderedIndex()
      const all = Array.from({ length: 5_000 }, (_, n) => `k${n.toString().padStart(5, '0')}`)
      for (const k of all) ix.add(k)
      const seen: string[] = []
      for (const k of ix.from()) {
        seen.push(k)
        ix.delete(k)
      }
      expect(seen).to.deep.equal(all)
      expect(ix.size).to.equal(0)
    })

    it('yields, after any interleaved adds and deletes, exactly the keys above the last one yielded', () => {
      fc.assert(
        fc.property(fc.integer(), fc.integer({ min: 0, max: 3_000 }), fc.constantFrom(4, 64), (seed, initial, order) => {
          const rnd = prng(seed)
          const randKey = () => String.fromCharCode(97 + Math.floor(rnd() * 26), 97 + Math.floor(rnd() * 26), 97 + Math.floor(rnd() * 26))
          const ix = new OrderedIndex(order)
          const model: string[] = []
          for (let n = 0; n < initial; n++) {
            const k = randKey()
            ix.add(k)
            modelAdd(model, k)
          }
          let last: string | undefined
          for (const k of ix.from()) {
            // The key yielded is the smallest present key above the previous one.
            const expected = last === undefined ? model[0] : modelFrom(model, last, true)[0]
            expect(k).to.equal(expected)
            last = k
            const r = rnd()
            if (r < 0.3) {
              ix.delete(k)
              modelDelete(model, k)
            }
            const mutations = Math.floor(rnd() * 4)
            for (let m = 0; m < mutations; m++) {
              const x = rnd() < 0.5 ? randKey() : (model[Math.floor(rnd() * model.length)] ?? randKey())
              if (rnd() < 0.5) expect(ix.add(x)).to.equal(modelAdd(model, x))
              else expect(ix.delete(x)).to.equal(modelDelete(model, x))
            }
            if (rnd() < 0.01) {
              ix.clear()
              model.length = 0
            }
          }
          // Finished only when nothing present lies above the last key.
          expect(last === undefined ? model : modelFrom(model, last, true)).to.deep.equal([])
        }),
        { numRuns: 40 },
      )
    })
  })
})
