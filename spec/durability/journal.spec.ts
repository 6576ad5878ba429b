import { expect } from 'chai'
import fc from 'fast-check'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { Journal, undo } from '../../src/durability/journal.js'
import { applyTo } from '../../src/durability/apply.js'
import { keyspacesOf } from '../support/keyspaces.js'
import { decodeOps } from '../../src/durability/ops.js'
import { dataOf } from '../support/values.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

/** Two databases sharing one journal, and a clock the spec controls. */
const fixture = (journal: Journal) => {
  const clock = { now: 1_000_000 }
  const stats = newKeyspaceStats()
  const dbs = [0, 1].map((db) => new MemoryKeyspace({ clock: () => clock.now, stats, space: db, log: journal }))
  return { dbs, clock }
}

/** Every live key with its value and expiry, per database. */
const dump = (dbs: MemoryKeyspace[]): string[][] =>
  dbs.map((ks) =>
    [...ks.keys()].map((k) => {
      const e = ks.peek(k)!
      return `${k.toString('latin1')}=${dataOf(e.value).toString('latin1')}@${e.expiresAt}`
    }),
  )

type Op =
  | { op: 'set'; db: number; key: string; value: string; ttl: number }
  | { op: 'del'; db: number; key: string }
  | { op: 'expire'; db: number; key: string; ttl: number }
  | { op: 'flush'; db: number }

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e\u00ff', '')
const db = fc.constantFrom(0, 1)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), db, key, value: fc.string({ maxLength: 8 }), ttl: fc.constantFrom(0, 0, 5000) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), db, key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('expire' as const), db, key, ttl: fc.constantFrom(0, 3000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flush' as const), db }) },
)

const apply = (dbs: MemoryKeyspace[], now: number, o: Op): void => {
  const ks = dbs[o.db]!
  if (o.op === 'set') ks.set(b(o.key), { type: 'string', data: b(o.value) }, o.ttl === 0 ? 0 : now + o.ttl)
  else if (o.op === 'del') ks.delete(b(o.key))
  else if (o.op === 'expire') ks.setExpiry(b(o.key), o.ttl === 0 ? 0 : now + o.ttl)
  else ks.flush()
}

describe('journal', () => {
  it('undo takes any sequence of changes back out, newest first', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), (before, after) => {
        const journal = new Journal(true)
        const { dbs, clock } = fixture(journal)
        for (const o of before) apply(dbs, clock.now, o)
        journal.seal()
        const expected = dump(dbs)
        for (const o of after) apply(dbs, clock.now, o)
        const sealed = journal.seal()
        if (sealed !== undefined) undo(sealed.undo)
        expect(dump(dbs)).to.deep.equal(expected)
        // The restored keyspace is consistent: a SCAN walk sees the same keys as keys().
        for (const ks of dbs) expect(ks.size).to.equal([...ks.keys()].length)
      }),
    )
  })

  it('replaying the sealed ops onto an empty store rebuilds the same state', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const journal = new Journal(true)
        const { dbs, clock } = fixture(journal)
        for (const o of ops) apply(dbs, clock.now, o)
        const sealed = journal.seal()
        const replica = fixture(new Journal(false))
        if (sealed !== undefined) decodeOps(sealed.bytes, applyTo(keyspacesOf(replica.dbs)))
        expect(dump(replica.dbs)).to.deep.equal(dump(dbs))
      }),
    )
  })

  it('replay is idempotent: applying the log over a later state of the same log converges', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.nat(40), (ops, cut) => {
        const journal = new Journal(true)
        const { dbs, clock } = fixture(journal)
        for (const o of ops) apply(dbs, clock.now, o)
        const log = journal.seal()
        // A fuzzy snapshot: the state after a prefix of the changes; then the whole log replayed.
        const replica = fixture(new Journal(false))
        for (const o of ops.slice(0, Math.min(cut, ops.length))) apply(replica.dbs, clock.now, o)
        if (log !== undefined) decodeOps(log.bytes, applyTo(keyspacesOf(replica.dbs)))
        expect(dump(replica.dbs)).to.deep.equal(dump(dbs))
      }),
    )
  })

  it('records nothing while disabled; while enabled, changes and reclaims of expired keys, not reads', () => {
    const journal = new Journal(false)
    const { dbs, clock } = fixture(journal)
    dbs[0]!.set(b('k'), { type: 'string', data: b('v') }, clock.now + 10)
    dbs[0]!.set(b('stays'), { type: 'string', data: b('v') }, 0)
    expect(journal.dirty).to.equal(false)
    journal.enabled = true
    expect(dataOf(dbs[0]!.get(b('stays'))!.value).toString()).to.equal('v')
    expect(journal.seal()).to.equal(undefined)
    // Reclaiming an expired key is a DEL in the log, as Redis propagates it.
    clock.now += 100
    expect(dbs[0]!.get(b('k'))).to.equal(undefined)
    const reclaimed: string[] = []
    decodeOps(journal.seal()!.bytes, {
      put: () => expect.fail('a put'),
      del: (_space, key) => reclaimed.push(key.toString()),
      expire: () => expect.fail('an expire'),
      setRange: () => expect.fail('a setrange'),
      hashField: () => expect.fail('a hash field'),
      flushDb: () => expect.fail('a flushdb'),
      flushAll: () => expect.fail('a flushall'),
      databaseMap: () => expect.fail('a database map'),
    })
    expect(reclaimed).to.deep.equal(['k'])
    dbs[0]!.set(b('x'), { type: 'string', data: b('1') }, 0)
    expect(journal.seal()!.bytes.length).to.be.greaterThan(0)
  })

  it('undo puts back values whose slabs were released while its log was held, after event-loop turns of other writes', async () => {
    // The log keeps views of the replaced records, not copies: their slabs must not be reused
    // until the log is dropped, however many turns pass and however much else is written.
    const journal = new Journal(true)
    const { dbs } = fixture(journal)
    const db = dbs[0]!
    // Some 5 MB of values: several 1 MB slabs hold nothing but replaced records.
    const n = 20_000
    const value = (tag: string, i: number): Buffer => Buffer.alloc(200, `${tag}-${i}|`)
    for (let i = 0; i < n; i++) db.set(b(`k${i}`), { type: 'string', data: value('old', i) }, 0)
    journal.undoDropped(journal.seal()!.stamp)
    for (let i = 0; i < n; i++) db.set(b(`k${i}`), { type: 'string', data: value('new', i) }, 0)
    const held = journal.seal()!
    // Another database without a log writes as much again, ten times, a turn apart: the
    // spare slabs go round; and this one's later writes compact and release the old records' slabs.
    const other = new MemoryKeyspace({ clock: () => 1_000_000, stats: newKeyspaceStats(), space: 9 })
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < n; i++) other.set(b(`o${i}`), { type: 'string', data: value(`other${round}`, i) }, 0)
      for (let i = 0; i < n; i += 10) db.set(b(`c${i}`), { type: 'string', data: value(`churn${round}`, i) }, 0)
      await new Promise((resolve) => setImmediate(resolve))
    }
    undo(held.undo)
    journal.undoDropped(journal.seal()!.stamp)
    const wrong = []
    for (let i = 0; i < n; i++) if (!dataOf(db.get(b(`k${i}`))!.value).equals(value('old', i))) wrong.push(i)
    expect(wrong, 'keys whose value undo did not restore').to.deep.equal([])
  })

  it('undo of a string grown in place restores it, and a later growth writes over the undone bytes', () => {
    const journal = new Journal(true)
    const { dbs } = fixture(journal)
    const db = dbs[0]!
    const base = Buffer.alloc(20_000, 'a')
    db.set(b('g'), { type: 'string', data: base }, 0)
    db.patch(b('g'), { offset: 20_000, bytes: Buffer.alloc(10, 'b') })
    journal.undoDropped(journal.seal()!.stamp)
    const kept = dataOf(db.get(b('g'))!.value)
    db.patch(b('g'), { offset: 20_010, bytes: Buffer.alloc(500, 'c') })
    db.patch(b('g'), { offset: 20_510, bytes: Buffer.alloc(500, 'd') })
    undo(journal.seal()!.undo)
    const expected = Buffer.concat([base, Buffer.alloc(10, 'b')])
    expect(dataOf(db.get(b('g'))!.value).equals(expected)).to.equal(true)
    db.patch(b('g'), { offset: 20_010, bytes: Buffer.alloc(30, 'e') })
    expect(dataOf(db.get(b('g'))!.value).equals(Buffer.concat([expected, Buffer.alloc(30, 'e')]))).to.equal(true)
    expect(kept.equals(expected), 'a value read before the undone growth').to.equal(true)
  })

  it('sealed bytes stay intact while later changes are written', () => {
    const journal = new Journal(true)
    const { dbs } = fixture(journal)
    dbs[0]!.set(b('first'), { type: 'string', data: Buffer.alloc(100, 1) }, 0)
    const first = journal.seal()!.bytes
    const copy = Buffer.from(first)
    for (let i = 0; i < 20_000; i++) dbs[1]!.set(b(`k${i}`), { type: 'string', data: Buffer.alloc(100, 2) }, 0)
    journal.seal()
    expect(first.equals(copy)).to.equal(true)
  })
})
