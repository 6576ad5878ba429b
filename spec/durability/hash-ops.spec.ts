// The WAL ops of a hash changed in place (HSET and HDEL of one field, ops.ts) and their undo:
// encoded and decoded back exactly, damage refused, replayed to the state the changes made,
// taken back out of memory by undo, and one small op per field however large the hash.

import { expect } from 'chai'
import fc from 'fast-check'
import { newKeyspaceStats, type Value } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { Journal, undo } from '../../src/durability/journal.js'
import { applyTo } from '../../src/durability/apply.js'
import { decodeOps, OpsFormatError, OpWriter, opEnd, OP_HDEL, OP_HSET, type OpVisitor } from '../../src/durability/ops.js'
import { encodeHash, hashOf } from '../../src/storage/hash-value.js'
import { keyspacesOf } from '../support/keyspaces.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

const fixture = (journal: Journal) => {
  const clock = { now: 1_000_000 }
  const db = new MemoryKeyspace({ clock: () => clock.now, stats: newKeyspaceStats(), space: 0, log: journal })
  return { db, clock }
}

/**
 * Every live key with its value and expiry: a hash's encoding and fields, in order for a
 * listpack (HGETALL shows it), sorted for a hashtable (whose order Redis leaves unspecified, and
 * which undo does not keep).
 */
const dump = (db: MemoryKeyspace): string[] =>
  [...db.keys()].map((k) => {
    const e = db.peek(k)!
    const v = e.value
    const fields = (pairs: string[]): string[] => (v.type === 'hash' && v.hashtable ? pairs.sort() : pairs)
    const shown = v.type === 'string' ? `s:${v.data.toString('latin1')}` : `h${v.hashtable ? 't' : 'l'}:${fields([...v.fields].map(([f, x]) => `${f}=${x}`)).join(',')}:${v.dataBytes}`
    return `${k.toString('latin1')}=${shown}@${e.expiresAt}`
  })

type Op =
  | { op: 'hset'; key: string; field: string; value: string; hashtable: boolean }
  | { op: 'hdel'; key: string; field: string }
  | { op: 'set'; key: string; value: string }
  | { op: 'del'; key: string }
  | { op: 'expire'; key: string; ttl: number }

const key = fc.constantFrom('a', 'b', 'c')
const field = fc.constantFrom('f', 'g', 'h', '', 'i\u00ff')
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('hset' as const), key, field, value: fc.string({ maxLength: 6 }), hashtable: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('hdel' as const), key, field }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.string({ maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('del' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), key, ttl: fc.constantFrom(0, 5000) }) },
)

/** As the commands do it: hash ops only on a hash or nothing (WRONGTYPE otherwise). */
const apply = (db: MemoryKeyspace, now: number, o: Op): void => {
  const value = db.peek(b(o.key))?.value
  if (o.op === 'hset') {
    if (value?.type === 'string') return
    db.hashSet(b(o.key), b(o.field), b(o.value), (value?.type === 'hash' && value.hashtable) || o.hashtable)
  } else if (o.op === 'hdel') {
    if (value?.type === 'hash') db.hashDelete(b(o.key), b(o.field))
  } else if (o.op === 'set') db.set(b(o.key), { type: 'string', data: b(o.value) }, 0)
  else if (o.op === 'del') db.delete(b(o.key))
  else db.setExpiry(b(o.key), o.ttl === 0 ? 0 : now + o.ttl)
}

describe('hash field ops', () => {
  it('decode as they were written, and opEnd frames them', () => {
    const writer = new OpWriter(4096)
    writer.hashField(7, b('key'), b('field'), b('value'), true)
    writer.hashField(7, b('key'), b(''), b(''), false)
    writer.hashField(65536, b('k'), b('gone'), undefined, false)
    const bytes = writer.take()
    const seen: unknown[] = []
    const visitor: OpVisitor = {
      put: () => expect.fail('a put'),
      del: () => expect.fail('a del'),
      expire: () => expect.fail('an expire'),
      setRange: () => expect.fail('a setrange'),
      flushDb: () => expect.fail('a flushdb'),
      flushAll: () => expect.fail('a flushall'),
      databaseMap: () => expect.fail('a database map'),
      hashField: (space, k, f, v, hashtable) => seen.push([space, k.toString(), f.toString(), v?.toString(), hashtable]),
    }
    expect(decodeOps(bytes, visitor)).to.equal(bytes.length)
    expect(seen).to.deep.equal([
      [7, 'key', 'field', 'value', true],
      [7, 'key', '', '', false],
      [65536, 'k', 'gone', undefined, false],
    ])
    expect(bytes[0]).to.equal(OP_HSET)
    const second = opEnd(bytes, 0)
    expect(opEnd(bytes, second)).to.be.above(second)
    expect(bytes[opEnd(bytes, second)]).to.equal(OP_HDEL)
  })

  it('a cut op is incomplete, never misread; unknown HSET flags and a damaged hash PUT are refused', () => {
    const writer = new OpWriter(4096)
    writer.hashField(0, b('key'), b('field'), b('value'), false)
    const whole = writer.take()
    for (let cut = 1; cut < whole.length; cut++) {
      const part = whole.subarray(0, cut)
      expect(opEnd(part, 0), `cut at ${cut}`).to.equal(-1)
      expect(() => decodeOps(part, applyTo(keyspacesOf([fixture(new Journal(false)).db])))).to.throw(OpsFormatError)
    }
    const flagged = Buffer.from(whole)
    flagged[1 + 4 + 4 + 3] = 2
    expect(() => opEnd(flagged, 0)).to.throw(OpsFormatError, /HSET flags/)

    writer.put(0, b('h'), hashOf([['f', 'v']]), 0)
    const put = writer.take()
    const body = put.length - encodeHash(hashOf([['f', 'v']])).length
    const damaged = Buffer.from(put)
    damaged[body] = 9
    expect(() => decodeOps(damaged, applyTo(keyspacesOf([fixture(new Journal(false)).db])))).to.throw(OpsFormatError, /invalid hash value/)
    const unknownType = Buffer.from(put)
    unknownType[1 + 4 + 4 + 1] = 200
    expect(() => opEnd(unknownType, 0)).to.throw(OpsFormatError, /unknown value type/)
  })

  it('replayed in order over an empty keyspace, rebuild what the changes made', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const journal = new Journal(true)
        const { db, clock } = fixture(journal)
        for (const o of ops) apply(db, clock.now, o)
        const sealed = journal.seal()
        const replica = new MemoryKeyspace({ clock: () => clock.now, stats: newKeyspaceStats(), space: 0 })
        if (sealed !== undefined) decodeOps(sealed.bytes, applyTo(keyspacesOf([replica])))
        expect(dump(replica)).to.deep.equal(dump(db))
        // Twice over its own result: idempotent.
        if (sealed !== undefined) decodeOps(sealed.bytes, applyTo(keyspacesOf([replica])))
        expect(dump(replica)).to.deep.equal(dump(db))
      }),
    )
  })

  it('undo takes field changes back out, newest first, encoding and byte counts included', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), (before, after) => {
        const journal = new Journal(true)
        const { db, clock } = fixture(journal)
        for (const o of before) apply(db, clock.now, o)
        journal.seal()
        const expected = dump(db)
        const dataBytes = db.dataBytes
        for (const o of after) apply(db, clock.now, o)
        const sealed = journal.seal()
        if (sealed !== undefined) undo(sealed.undo)
        expect(dump(db)).to.deep.equal(expected)
        expect(db.dataBytes).to.equal(dataBytes)
      }),
      {
        // A listpack turned into a hashtable, then a field removed from it: undo must give the
        // listpack back in its own order (the removal kept no place, being from a hashtable).
        examples: [
          [
            [{ op: 'hset', key: 'c', field: 'f', value: '', hashtable: false }, { op: 'hset', key: 'c', field: 'g', value: '', hashtable: false }],
            [{ op: 'hset', key: 'c', field: 'f', value: '', hashtable: true }, { op: 'hdel', key: 'c', field: 'f' }],
          ],
        ],
      },
    )
  })

  it('a field set in a hash of 100,000 logs that field, not the hash', () => {
    const journal = new Journal(true)
    const { db } = fixture(journal)
    const fields: [string, string][] = []
    for (let i = 0; i < 100_000; i++) fields.push([`field:${i}`, `value:${i}`])
    db.set(b('big'), hashOf(fields, true), 0)
    journal.seal()
    db.hashSet(b('big'), b('field:5'), b('new'), true)
    db.hashDelete(b('big'), b('field:6'))
    const sealed = journal.seal()!
    expect(sealed.bytes.length).to.be.below(64)
    const value = db.peek(b('big'))!.value as Value
    expect(value.type === 'hash' && value.fields.size).to.equal(99_999)
  })
})
