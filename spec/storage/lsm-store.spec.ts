// The LSM store against a Map model: random writes to the resident set, flushes to level-0
// segments, compactions, and reopenings that load the store back; any divergence fails with the
// shrunk sequence.

import { expect } from 'chai'
import fc from 'fast-check'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { MemoryKeyspace, RECORD_OVERHEAD } from '../../src/storage/memory-keyspace.js'
import { LsmStore, MISSING, WOULD_BLOCK } from '../../src/storage/lsm-store.js'
import { entriesOf } from '../../src/storage/merge.js'
import type { SegmentReader } from '../../src/storage/segment-reader.js'
import { encodeStoreKey, prefixEnd, storeKeyPrefix } from '../../src/storage/store-keys.js'
import type { CompactionConfig } from '../../src/storage/compaction-policy.js'
import { dataOf } from '../support/values.js'

const NOW = 1_700_000_000_000
const b = (s: string): Buffer => Buffer.from(s, 'latin1')
/** Small enough that a few flushes already trigger compactions into deeper levels. */
const SMALL: CompactionConfig = { l0Trigger: 2, levelBaseBytes: 2048, levelRatio: 4, maxLevels: 4, targetSegmentBytes: 1024 }

/** Runs `run` on a store of its own (SMALL compaction) in a fresh directory, removed afterwards. */
const withSmallStore = async (run: (store: LsmStore) => Promise<void>): Promise<void> => {
  const root = mkdtempSync(join(tmpdir(), 'wtr-lsm-'))
  const store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd'), compaction: SMALL })
  try {
    await run(store)
  } finally {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  }
}

/**
 * Every live record of the store, per database in key order: a full load of `dbs`. The records
 * are installed clean, as staging installs what it reads back, so a later change marks them
 * changed again. (Written with set() and the changed list then dropped, a record looked changed
 * but was listed nowhere, and the next flush left out an overwrite of it: a state the server
 * never makes, which this spec's loader used to make.)
 */
const loadAll = async (store: LsmStore, dbs: readonly MemoryKeyspace[]): Promise<Map<string, string>[]> => {
  const loaded = dbs.map(() => new Map<string, string>())
  for (let n = 0; n < dbs.length; n++) {
    const prefix = storeKeyPrefix(n, store.generation(n))
    dbs[n]!.attachDisk(store.generation(n), false)
    for await (const entry of entriesOf(store.scanLive(prefix, prefixEnd(prefix), { now: NOW }))) {
      const key = entry.key.subarray(prefix.length)
      dbs[n]!.install(Buffer.from(key), { type: 'string', data: Buffer.from(entry.value) }, entry.expiresAt)
      loaded[n]!.set(key.toString('latin1'), entry.value.toString('latin1'))
    }
  }
  return loaded
}

type Op =
  | { op: 'set'; db: number; key: string; value: string; ttl: number }
  | { op: 'del'; db: number; key: string }
  | { op: 'flushdb'; db: number }
  | { op: 'flush' }
  | { op: 'compact' }
  | { op: 'reopen' }

const keyArb = fc.integer({ min: 0, max: 40 }).map((n) => `k${n}`)
const dbArb = fc.constantFrom(0, 1)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant('set' as const), db: dbArb, key: keyArb, value: fc.string({ maxLength: 40 }), ttl: fc.constantFrom(0, 0, 0, -1, 60_000) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('del' as const), db: dbArb, key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flushdb' as const), db: dbArb }) },
  { weight: 3, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'compact' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'reopen' as const }) },
)

const databases = (): MemoryKeyspace[] =>
  [0, 1].map((db) => new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), space: db, trackDirty: true }))

const live = (dbs: MemoryKeyspace[]): string[] =>
  dbs.flatMap((ks, db) => [...ks.keys()].map((k) => `${db}:${k.toString('latin1')}=${dataOf(ks.peek(k)!.value).toString('latin1')}`))

/**
 * What the model-based properties drive: a store in a fresh directory (SMALL compaction), two
 * databases over it, and a Map model of each. close() removes the directory.
 */
class ModelStore {
  readonly model = [new Map<string, string>(), new Map<string, string>()]
  dbs = databases()
  /** The LSN the last flush that advanced it was given. */
  lsn = 0

  private constructor(
    private readonly root: string,
    private readonly options: { dir: string; ssdDir: string; compaction: CompactionConfig },
    public store: LsmStore,
  ) {}

  static async open(): Promise<ModelStore> {
    const root = mkdtempSync(join(tmpdir(), 'wtr-lsm-'))
    const options = { dir: join(root, 'manifest'), ssdDir: join(root, 'ssd'), compaction: SMALL }
    return new ModelStore(root, options, await LsmStore.open(options))
  }

  /** A set, del or flushdb, made in the databases and the model alike. */
  change(o: Extract<Op, { op: 'set' | 'del' | 'flushdb' }>): void {
    const db = this.dbs[o.db]!
    const model = this.model[o.db]!
    if (o.op === 'set') {
      db.set(b(o.key), { type: 'string', data: b(o.value) }, o.ttl === 0 ? 0 : NOW + o.ttl)
      if (o.ttl < 0) model.delete(o.key)
      else model.set(o.key, o.value)
    } else if (o.op === 'del') {
      db.delete(b(o.key))
      model.delete(o.key)
    } else {
      db.flush()
      model.clear()
    }
  }

  /**
   * Flushes what is dirty (the WAL would replay it otherwise), then loads a fresh resident set
   * from the segments alone.
   */
  async reopen(): Promise<void> {
    await this.store.flush(this.dbs, ++this.lsn, async () => true)
    await this.store.close()
    this.store = await LsmStore.open(this.options)
    this.dbs = databases()
    await loadAll(this.store, this.dbs)
  }

  async close(): Promise<void> {
    await this.store.close()
    rmSync(this.root, { recursive: true, force: true })
  }
}

/**
 * Checks that tryLookup, wherever it answers on the calling thread, gives what lookup gives, for
 * keys k0..k<last> in both databases; returns how many answers it compared, by kind.
 */
const tryLookupAgrees = async (store: LsmStore, last = 40): Promise<Record<string, number>> => {
  const answered: Record<string, number> = {}
  for (let db = 0; db < 2; db++) {
    for (let n = 0; n <= last; n++) {
      const key = encodeStoreKey(db, store.generation(db), `k${n}`)
      const tried = store.tryLookup(key)
      if (tried === WOULD_BLOCK) continue
      const kind = tried === undefined || tried === MISSING ? 'absent' : tried.kind
      answered[kind] = (answered[kind] ?? 0) + 1
      // Copied at once: the entry may be a view into a buffer the next read reuses.
      const seen = tried === undefined || tried === MISSING ? undefined : `${tried.kind}:${tried.expiresAt}:${tried.value.toString('latin1')}`
      const entry = await store.lookup(key)
      expect(seen, `db ${db} k${n}`).to.equal(entry === undefined ? undefined : `${entry.kind}:${entry.expiresAt}:${entry.value.toString('latin1')}`)
    }
  }
  return answered
}

describe('LsmStore (model-based)', function () {
  this.timeout(60_000)

  it('keeps what a Map model keeps, across flushes, compactions and reopenings', async () => {
    let answeredOnThread = 0
    const count = (kinds: Record<string, number>): number => Object.values(kinds).reduce((a, n) => a + n, 0)
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
        const m = await ModelStore.open()
        try {
          for (const o of ops) {
            if (o.op === 'set' || o.op === 'del' || o.op === 'flushdb') m.change(o)
            else if (o.op === 'flush') {
              const r = await m.store.flush(m.dbs, ++m.lsn, async () => true)
              expect(r.installed).to.equal(true)
              expect(m.dbs.every((db) => db.dirtyCount === 0)).to.equal(true)
              answeredOnThread += count(await tryLookupAgrees(m.store))
            } else if (o.op === 'compact') {
              await m.store.compact(() => NOW)
              answeredOnThread += count(await tryLookupAgrees(m.store))
            } else {
              await m.reopen()
              expect(m.store.checkpointLsn).to.equal(m.lsn)
            }
            const expected = m.model.flatMap((map, db) => [...map].sort(([a], [c]) => (a < c ? -1 : 1)).map(([k, v]) => `${db}:${k}=${v}`))
            expect(live(m.dbs)).to.deep.equal(expected)
          }
          // Whatever the tree's shape, level 1 and deeper never overlap within a level.
          const segments = m.store.segments
          for (const level of new Set(segments.filter((s) => s.level > 0).map((s) => s.level))) {
            const runs = segments.filter((s) => s.level === level)
            for (let i = 1; i < runs.length; i++) expect(Buffer.compare(runs[i - 1]!.lastKey, runs[i]!.firstKey)).to.be.lessThan(0)
          }
        } finally {
          await m.close()
        }
      }),
      { numRuns: 40 },
    )
    // Point reads answered without the thread pool were compared, not only skipped.
    expect(answeredOnThread).to.be.greaterThan(0)
  })

  it('keeps what a Map model keeps when flushes fail and eviction drops clean records: keys only on disk read back from the store', async () => {
    type EvictOp = Op | { op: 'evict' | 'failflush' } | { op: 'setDuringFlush' | 'delSetDuringFlush'; db: number; key: string; value: string }
    const ops = fc.array(
      fc.oneof(
        { weight: 8, arbitrary: opArb as fc.Arbitrary<EvictOp> },
        { weight: 2, arbitrary: fc.constant({ op: 'evict' as const }) },
        { weight: 2, arbitrary: fc.constant({ op: 'failflush' as const }) },
        // A write between a flush's taking of the changed keys and its reading of them (flushes are fuzzy).
        { weight: 2, arbitrary: fc.record({ op: fc.constant('setDuringFlush' as const), db: dbArb, key: keyArb, value: fc.string({ maxLength: 40 }) }) },
        // A delete and a write again of the key there: the flush writes the new value, and the
        // delete must not reach the next flush.
        { weight: 2, arbitrary: fc.record({ op: fc.constant('delSetDuringFlush' as const), db: dbArb, key: keyArb, value: fc.string({ maxLength: 40 }) }) },
      ),
      { minLength: 1, maxLength: 60, size: 'max' },
    )
    let evicted = 0
    await fc.assert(
      fc.asyncProperty(ops, async (steps) => {
        const m = await ModelStore.open()
        /** The live value the store holds for a key of the database's current generation. */
        const onDisk = async (db: number, k: string): Promise<string | undefined> => {
          const entry = await m.store.lookup(encodeStoreKey(db, m.dbs[db]!.generation, k))
          if (entry === undefined || entry.kind === 'delete' || (entry.expiresAt !== 0 && entry.expiresAt <= NOW)) return undefined
          return entry.value.toString('latin1')
        }
        /** As staging does before a command: a key only on disk is read back into memory. */
        const stage = async (db: number, k: string): Promise<void> => {
          if (m.dbs[db]!.known(k)) return
          const entry = await m.store.lookup(encodeStoreKey(db, m.dbs[db]!.generation, k))
          if (entry !== undefined && entry.kind === 'put') m.dbs[db]!.install(b(k), { type: 'string', data: Buffer.from(entry.value) }, entry.expiresAt)
        }
        /** A FLUSHDB no installed flush has recorded yet (its generation waits for the WAL). */
        let pendingGeneration = false
        try {
          for (const step of steps) {
            // Six keys, so that writes, failed flushes and evictions meet on the same ones.
            const o = 'key' in step ? { ...step, key: `k${Number(step.key.slice(1)) % 6}` } : step
            if (o.op === 'set' || o.op === 'del') {
              await stage(o.db, o.key)
              m.change(o)
            } else if (o.op === 'flushdb') {
              m.change(o)
              pendingGeneration = true
            } else if (o.op === 'flush') {
              expect((await m.store.flush(m.dbs, ++m.lsn, async () => true)).installed).to.equal(true)
              pendingGeneration = false
            } else if (o.op === 'failflush') {
              // Nothing to write and no FLUSHDB to record is installed without asking; anything else is refused.
              const r = await m.store.flush(m.dbs, m.lsn + 1, async () => false)
              expect(r.installed).to.equal(r.records === 0 && !pendingGeneration)
            } else if (o.op === 'setDuringFlush') {
              await stage(o.db, o.key)
              const flushing = m.store.flush(m.dbs, ++m.lsn, async () => true)
              m.change({ op: 'set', db: o.db, key: o.key, value: o.value, ttl: 0 })
              expect((await flushing).installed).to.equal(true)
              pendingGeneration = false
            } else if (o.op === 'delSetDuringFlush') {
              await stage(o.db, o.key)
              const flushing = m.store.flush(m.dbs, ++m.lsn, async () => true)
              m.change({ op: 'del', db: o.db, key: o.key })
              m.change({ op: 'set', db: o.db, key: o.key, value: o.value, ttl: 0 })
              expect((await flushing).installed).to.equal(true)
              pendingGeneration = false
            } else if (o.op === 'evict') {
              const before = m.dbs.reduce((n, db) => n + db.residentCount, 0)
              for (const db of m.dbs) db.evict(Infinity, 1000)
              evicted += before - m.dbs.reduce((n, db) => n + db.residentCount, 0)
            } else if (o.op === 'compact') {
              await m.store.compact(() => NOW)
            } else {
              await m.reopen()
              pendingGeneration = false
            }
            // Every key of the model is resident with its value, or only on disk with it; every
            // other key is neither resident nor live on disk (unless memory knows it is gone).
            for (let db = 0; db < 2; db++) {
              for (let i = 0; i <= 40; i++) {
                const k = `k${i}`
                const resident = m.dbs[db]!.peek(b(k))
                const want = m.model[db]!.get(k)
                if (resident !== undefined) expect(dataOf(resident.value).toString('latin1'), `${db}:${k} resident`).to.equal(want)
                else if (!m.dbs[db]!.known(k)) expect(await onDisk(db, k), `${db}:${k} on disk`).to.equal(want)
                else expect(want, `${db}:${k} known gone`).to.equal(undefined)
              }
            }
          }
        } finally {
          await m.close()
        }
      }),
      { numRuns: 60 },
    )
    // Eviction dropped records, so keys were read back from the store, not only from memory.
    expect(evicted).to.be.greaterThan(0)
  })

  it('records a FLUSHDB\'s new generation only once the WAL has settled it, even with no changed keys', async () => {
    await withSmallStore(async (store) => {
      const dbs = databases()
      dbs[0]!.set(b('a'), { type: 'string', data: b('1') }, 0)
      expect((await store.flush(dbs, 1, async () => true)).installed).to.equal(true)
      dbs[0]!.flush()
      // The FLUSHDB's WAL write has not settled (or failed): the manifest keeps the old generation,
      // so a restart still reads the key, and the flush is handed back for the next checkpoint.
      const r = await store.flush(dbs, 2, async () => false)
      expect(r.installed).to.equal(false)
      expect(store.generation(dbs[0]!.space)).to.equal(0)
      expect((await store.lookup(encodeStoreKey(dbs[0]!.space, 0, 'a')))?.value.toString()).to.equal('1')
      expect((await store.flush(dbs, 3, async () => true)).installed).to.equal(true)
      expect(store.generation(dbs[0]!.space)).to.equal(1)
    })
  })

  it('hands the changed keys back when a flush is not installed', async () => {
    await withSmallStore(async (store) => {
      const dbs = databases()
      dbs[0]!.set(b('a'), { type: 'string', data: b('1') }, 0)
      const r = await store.flush(dbs, 1, async () => false)
      expect(r.installed).to.equal(false)
      expect(dbs[0]!.dirtyCount).to.equal(1)
      expect(store.segments).to.have.length(0)
      expect(store.checkpointLsn).to.equal(0)
    })
  })
})

describe('LsmStore point reads and the resident set', function () {
  this.timeout(30_000)

  it('finds the newest version of a key on disk, deletes included, and rules out absent keys', async () => {
    await withSmallStore(async (store) => {
      const dbs = databases()
      const key = (db: number, k: string): Buffer => encodeStoreKey(db, 0, k)
      for (let i = 0; i < 50; i++) dbs[0]!.set(b(`k${i}`), { type: 'string', data: b(`v1-${i}`) }, 0)
      await store.flush(dbs, 1, async () => true)
      dbs[0]!.set(b('k1'), { type: 'string', data: b('v2-1') }, 0)
      dbs[0]!.delete(b('k2'))
      dbs[1]!.set(b('k1'), { type: 'string', data: b('db1') }, 0)
      await store.flush(dbs, 2, async () => true)
      expect((await store.lookup(key(0, 'k1')))?.value.toString()).to.equal('v2-1')
      expect((await store.lookup(key(0, 'k2')))?.kind).to.equal('delete')
      expect((await store.lookup(key(0, 'k3')))?.value.toString()).to.equal('v1-3')
      expect((await store.lookup(key(1, 'k1')))?.value.toString()).to.equal('db1')
      expect(await store.lookup(key(1, 'k3'))).to.equal(undefined)
      // Bloom filters and key ranges rule out most absent keys without a read.
      let ruledOut = 0
      for (let i = 0; i < 1000; i++) if (store.tryLookup(key(0, `absent${i}`)) === undefined) ruledOut++
      expect(ruledOut).to.be.greaterThan(950)
      await store.compact(() => NOW)
      expect((await store.lookup(key(0, 'k1')))?.value.toString()).to.equal('v2-1')
      expect((await store.lookup(key(0, 'k2')))?.value).to.satisfy((v: Buffer | undefined) => v === undefined || v.length === 0)
    })
  })

  it('answers point reads on the calling thread as lookup does: newest versions, deletes, absent keys', async () => {
    const seen: Record<string, number> = {}
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 15 }), del: fc.boolean(), then: fc.constantFrom('none', 'none', 'flush', 'compact') }), { minLength: 5, maxLength: 80 }),
        async (ops) => {
          await withSmallStore(async (store) => {
            const dbs = databases()
            let lsn = 0
            for (const o of ops) {
              if (o.del) dbs[0]!.delete(b(`k${o.n}`))
              else dbs[0]!.set(b(`k${o.n}`), { type: 'string', data: b(`v${lsn}-${o.n}`) }, 0)
              if (o.then === 'none') continue
              await store.flush(dbs, ++lsn, async () => true)
              if (o.then === 'compact') await store.compact(() => NOW)
              for (const [kind, n] of Object.entries(await tryLookupAgrees(store, 15))) seen[kind] = (seen[kind] ?? 0) + n
            }
          })
        },
      ),
      { numRuns: 40 },
    )
    // Each kind of answer was compared, not only skipped.
    expect(seen.put ?? 0).to.be.greaterThan(0)
    expect(seen.delete ?? 0).to.be.greaterThan(0)
    expect(seen.absent ?? 0).to.be.greaterThan(0)
  })

  it('evicts only clean records, and keeps its byte count within what its records hold through every change', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.string({ maxLength: 30 }) }),
            fc.record({ op: fc.constant('del' as const), key: keyArb }),
            fc.record({ op: fc.constant('install' as const), key: keyArb, value: fc.string({ maxLength: 30 }) }),
            fc.constant({ op: 'clean' as const }),
            fc.constant({ op: 'evict' as const }),
            fc.constant({ op: 'flushdb' as const }),
          ),
          { maxLength: 80 },
        ),
        (ops) => {
          const [ks] = databases()
          const changed = new Set<string>()
          for (const o of ops) {
            if (o.op === 'set') {
              ks!.set(b(o.key), { type: 'string', data: b(o.value) }, 0)
              changed.add(o.key)
            } else if (o.op === 'del') {
              // Deleting a key that is not resident changes nothing (staging makes it resident first).
              if (ks!.delete(b(o.key))) changed.add(o.key)
            } else if (o.op === 'install') ks!.install(b(o.key), { type: 'string', data: b(o.value) }, 0)
            else if (o.op === 'clean') {
              const taken = ks!.takeDirty()
              for (const k of taken.keys) ks!.readForFlush(k, taken)
              ks!.flushInstalled(taken)
              changed.clear()
            } else if (o.op === 'evict') {
              const before = new Set([...ks!.keys()].map((k) => k.toString('latin1')))
              ks!.evict(Infinity, 10)
              for (const k of changed) if (before.has(k)) expect(ks!.peekStored(k) !== undefined, `changed ${k} evicted`).to.equal(true)
            } else {
              // FLUSHDB starts a new generation: nothing of the old one needs writing.
              ks!.flush()
              changed.clear()
            }
            // The table holds records in slabs (the first is 4 KB) beside a slot table of at
            // least 768 bytes; dead space stays under the live bytes plus one slab.
            const data = [...ks!.keys()].reduce((n, k) => n + k.length + dataOf(ks!.peek(k)!.value).length, 0)
            const records = ks!.residentCount
            if (records === 0) expect(ks!.residentBytes).to.equal(0)
            else {
              expect(ks!.residentBytes).to.be.at.least(data + records * 32)
              expect(ks!.residentBytes).to.be.at.most(2 * (data + records * RECORD_OVERHEAD) + 4096 + 768)
            }
          }
        },
      ),
    )
  })
})

describe('MemoryKeyspace changed keys', () => {
  it('lists a key once however often it changes between flushes', () => {
    const [ks] = databases()
    for (let i = 0; i < 1000; i++) ks!.set(b(`k${i % 10}`), { type: 'string', data: b(String(i)) }, 0)
    expect(ks!.dirtyLength).to.equal(10)
    const taken = ks!.takeDirty()
    for (const k of taken.keys) ks!.readForFlush(k, taken)
    for (let i = 0; i < 100; i++) ks!.set(b('k1'), { type: 'string', data: b(String(i)) }, 0)
    ks!.flushInstalled(taken)
    expect(ks!.dirtyLength).to.equal(1)
  })

  it('does not write a tombstone for a key whose record the flush before wrote and eviction then dropped', () => {
    const [ks] = databases()
    const value = (v: string) => ({ type: 'string' as const, data: b(v) })
    ks!.set(b('k'), value('1'), 0)
    // A flush that fails after reading k hands it back; k's record still carries its id.
    const failed = ks!.takeDirty()
    for (const k of failed.keys) ks!.readForFlush(k, failed)
    ks!.returnDirty(failed)
    const next = ks!.takeDirty()
    // Changed again: listed for the flush after next. Then next reads (and writes) this record.
    ks!.set(b('k'), value('2'), 0)
    for (const k of next.keys) expect(dataOf(ks!.readForFlush(k, next)?.value)?.toString()).to.equal('2')
    ks!.flushInstalled(next)
    const last = ks!.takeDirty()
    expect(last.keys).to.include('k')
    // Clean, so eviction may drop it: the store has it.
    ks!.evict(Infinity, 100)
    expect(ks!.peekStored('k')).to.equal(undefined)
    expect(ks!.readForFlush('k', last)).to.equal(null)
    // A deleted key is still a tombstone.
    ks!.set(b('gone'), value('x'), 0)
    ks!.delete(b('gone'))
    const withDelete = ks!.takeDirty()
    expect(ks!.readForFlush('gone', withDelete)).to.equal(undefined)
  })

  it('a flush installed while an older one still writes leaves the older one\'s records unevictable', () => {
    const [ks] = databases()
    ks!.set(b('a'), { type: 'string', data: b('1') }, 0)
    const older = ks!.takeDirty()
    for (const k of older.keys) ks!.readForFlush(k, older)
    ks!.set(b('b'), { type: 'string', data: b('2') }, 0)
    const newer = ks!.takeDirty()
    for (const k of newer.keys) ks!.readForFlush(k, newer)
    ks!.flushInstalled(newer)
    ks!.evict(Infinity, 100)
    // b is on disk and may go; a is written by the older flush only, still running.
    expect(ks!.peekStored('b')).to.equal(undefined)
    expect(dataOf(ks!.peekStored('a')?.value)?.toString()).to.equal('1')
    ks!.flushInstalled(older)
    ks!.evict(Infinity, 100)
    expect(ks!.peekStored('a')).to.equal(undefined)
  })

  it('counts the keys on disk exactly while keys change, flushes install and eviction drops what the count has passed', () => {
    type Step = { op: 'count' | 'flush' | 'evict' } | { op: 'install' | 'set' | 'del'; key: string }
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ op: 'count' as const }) },
      { weight: 5, arbitrary: fc.record({ op: fc.constantFrom('install' as const, 'set' as const, 'del' as const), key: keyArb }) },
      { weight: 3, arbitrary: fc.constantFrom({ op: 'flush' as const }, { op: 'evict' as const }) },
    )
    const value = { type: 'string' as const, data: b('v') }
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 30 }), fc.array(stepArb, { maxLength: 80 }), (stored, steps) => {
        // What the count reads: the store as it was when the count began, in byte order.
        const snapshot = [...stored].sort()
        const [ks] = databases()
        ks!.attachDisk(0, true)
        const inStore = new Set(snapshot)
        const model = new Set(snapshot)
        let counted = 0
        // As staging does before a command: a key the store holds and memory does not know is read in.
        const stage = (k: string): void => {
          if (!ks!.known(k) && inStore.has(k)) ks!.install(b(k), value, 0)
        }
        for (const step of steps) {
          switch (step.op) {
            case 'count':
              if (counted < snapshot.length) ks!.countDiskKey(snapshot[counted++]!)
              break
            case 'install':
              stage(step.key)
              break
            case 'set':
              stage(step.key)
              ks!.set(b(step.key), value, 0)
              model.add(step.key)
              break
            case 'del':
              stage(step.key)
              ks!.delete(b(step.key))
              model.delete(step.key)
              break
            case 'flush': {
              const taken = ks!.takeDirty()
              for (const k of taken.keys) {
                const entry = ks!.readForFlush(k, taken)
                if (entry === undefined) inStore.delete(k)
                else if (entry !== null) inStore.add(k)
              }
              ks!.flushInstalled(taken)
              break
            }
            case 'evict':
              ks!.evict(Infinity, 1000)
              break
          }
        }
        while (counted < snapshot.length) ks!.countDiskKey(snapshot[counted++]!)
        ks!.endCount()
        expect(ks!.size).to.equal(model.size)
      }),
      { numRuns: 2000 },
    )
  })

  it('evicts, while the keys on disk are counted, only keys the count has passed', () => {
    const [ks] = databases()
    ks!.attachDisk(0, true)
    for (const k of ['a', 'b', 'c', 'd']) ks!.install(b(k), { type: 'string', data: b(k) }, 0)
    ks!.countDiskKey('b')
    ks!.evict(Infinity, 100)
    expect(['a', 'b', 'c', 'd'].filter((k) => ks!.peekStored(k) !== undefined)).to.deep.equal(['c', 'd'])
    ks!.countDiskKey('d')
    ks!.endCount()
    expect(ks!.size).to.equal(4)
    ks!.evict(Infinity, 100)
    expect(ks!.residentCount).to.equal(0)
    expect(ks!.size).to.equal(4)
  })

  it('a flush that runs while keys change (fuzzy) leaves nothing unwritten: the next flush covers the rest; eviction drops only what the store holds', () => {
    type Step =
      | { op: 'set' | 'install'; key: string; value: string }
      | { op: 'del' | 'expire'; key: string }
      | { op: 'take' | 'read' | 'finish' | 'fail' | 'evict' }
    // Few keys, so that a key's delete, its next write, a flush's read of it and an eviction of
    // it meet within one run.
    const fewKeys = fc.integer({ min: 0, max: 5 }).map((n) => `k${n}`)
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('set' as const, 'install' as const), key: fewKeys, value: fc.string({ maxLength: 8 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('del' as const, 'expire' as const), key: fewKeys }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('take' as const, 'read' as const, 'read' as const, 'finish' as const, 'fail' as const) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'evict' as const }) },
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120, size: 'max' }), (steps) => {
        const clock = { now: NOW }
        const ks = new MemoryKeyspace({ clock: () => clock.now, stats: newKeyspaceStats(), trackDirty: true })
        /** What the store holds: installed flushes, and installs read from it. */
        const disk = new Map<string, string>()
        let flush: { taken: ReturnType<MemoryKeyspace['takeDirty']>; unread: string[]; written: Map<string, string | undefined> } | undefined
        /** Keys evicted and not touched since, with their value: only the store has them. */
        const evicted = new Map<string, string>()
        /** What the flush in progress writes for `k`: its value, a tombstone, or nothing (null). */
        const read = (k: string): void => {
          const rec = ks.readForFlush(k, flush!.taken)
          if (rec !== null) flush!.written.set(k, dataOf(rec?.value)?.toString('latin1'))
        }
        const install = (): void => {
          for (const k of flush!.unread) read(k)
          for (const [k, v] of flush!.written) v === undefined ? disk.delete(k) : disk.set(k, v)
          ks.flushInstalled(flush!.taken)
          flush = undefined
        }
        for (const s of steps) {
          if ('key' in s && s.op !== 'del' && s.op !== 'expire') evicted.delete(s.key)
          if (s.op === 'set') ks.set(b(s.key), { type: 'string', data: b(s.value) }, 0)
          else if (s.op === 'evict') {
            const before = new Map([...ks.keys()].map((k) => [k.toString('latin1'), dataOf(ks.peekStored(k.toString('latin1'))!.value).toString('latin1')]))
            ks.evict(Infinity, 1000)
            for (const [k, v] of before) {
              if (ks.peekStored(k) !== undefined) continue
              // Dropped from memory: the store must hold this very value.
              expect(disk.get(k), `evicted ${k}`).to.equal(v)
              evicted.set(k, v)
            }
          } else if (s.op === 'install') {
            // A record read back from the store: only what the store holds, and only if unknown.
            const v = disk.get(s.key)
            if (v !== undefined) ks.install(b(s.key), { type: 'string', data: b(v) }, 0)
          } else if (s.op === 'del') ks.delete(b(s.key))
          else if (s.op === 'expire') {
            if (ks.setExpiry(b(s.key), clock.now + 1)) {
              clock.now += 2
              ks.peek(b(s.key))
            }
          } else if (s.op === 'take') {
            if (flush === undefined) {
              const taken = ks.takeDirty()
              flush = { taken, unread: [...taken.keys], written: new Map() }
            }
          } else if (s.op === 'read') {
            const k = flush?.unread.shift()
            if (k !== undefined) read(k)
          } else if (s.op === 'finish') {
            if (flush !== undefined) install()
          } else if (flush !== undefined) {
            ks.returnDirty(flush.taken)
            flush = undefined
          }
        }
        if (flush !== undefined) install()
        // One more flush, with nothing changing meanwhile: the store then holds every live key.
        flush = { taken: ks.takeDirty(), unread: [], written: new Map() }
        flush.unread = [...flush.taken.keys]
        install()
        const live = new Map([...ks.keys()].map((k) => [k.toString('latin1'), dataOf(ks.peek(k)!.value).toString('latin1')]))
        for (const [k, v] of live) expect(disk.get(k), `key ${k}`).to.equal(v)
        for (const k of disk.keys()) expect(live.has(k) || evicted.has(k), `deleted key ${k} still on disk`).to.equal(true)
        // And what only the store holds is still there: no later flush wrote over it.
        for (const [k, v] of evicted) if (!live.has(k)) expect(disk.get(k), `evicted key ${k} on disk`).to.equal(v)
      }),
      { numRuns: 500 },
    )
  })
})

describe('LsmStore flush ordering', function () {
  this.timeout(60_000)

  it('writes many changed keys (several sort slices) in byte order, binary keys included', async () => {
    await withSmallStore(async (store) => {
      const dbs = databases()
      const expected = new Map<string, string>()
      for (let i = 0; i < 45_000; i++) {
        const k = `${String.fromCharCode((i * 7919) % 256)}key${(i * 104729) % 1_000_003}`
        dbs[0]!.set(b(k), { type: 'string', data: b(String(i)) }, 0)
        expected.set(k, String(i))
      }
      // writeSegment rejects keys out of order, so an installed flush proves the order.
      expect((await store.flush(dbs, 1, async () => true)).installed).to.equal(true)
      const [loaded] = await loadAll(store, databases())
      expect(loaded).to.deep.equal(expected)
    })
  })
})

describe('LsmStore flush of repeated keys', function () {
  this.timeout(60_000)

  it('writes a key listed several times (in different sort slices) once, with its last state', async () => {
    await withSmallStore(async (store) => {
      const dbs = databases()
      const expected = new Map<string, string>()
      const put = (k: string, v: string): void => {
        dbs[0]!.set(b(k), { type: 'string', data: b(v) }, 0)
        expected.set(k, v)
      }
      // Each round sets, deletes and sets again the key "again" (it enters the changed-keys list
      // three times in the first round, twice in the others: a delete always lists it), with
      // 25,000 other keys between rounds, so the repeats fall in different sort slices.
      for (let round = 0; round < 3; round++) {
        put('again', `first ${round}`)
        dbs[0]!.delete(b('again'))
        put('again', `last ${round}`)
        for (let i = 0; i < 25_000; i++) put(`r${round}:${i}`, String(i))
      }
      expect(dbs[0]!.dirtyLength).to.equal(75_000 + 7)
      // writeSegment rejects a key that does not follow the one before: a repeat would fail it.
      const flushed = await store.flush(dbs, 1, async () => true)
      expect(flushed).to.include({ installed: true, records: 75_001 })
      const [loaded] = await loadAll(store, databases())
      expect(loaded).to.deep.equal(expected)
    })
  })
})

describe('LsmStore close during a compaction', function () {
  this.timeout(60_000)

  it('abandons the merge: close returns, the inputs stay live, no output is left, nothing is lost', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wtr-lsm-'))
    const options = {
      dir: join(root, 'manifest'),
      ssdDir: join(root, 'ssd'),
      compaction: { l0Trigger: 4, levelBaseBytes: 1 << 20, levelRatio: 10, maxLevels: 4, targetSegmentBytes: 1 << 20 },
    }
    let store = await LsmStore.open(options)
    try {
      const dbs = databases()
      const expected = new Map<string, string>()
      for (let flush = 0; flush < 4; flush++) {
        for (let i = 0; i < 25_000; i++) {
          const k = `key${String((i * 7919 + flush) % 100_000).padStart(6, '0')}`
          const v = `v${flush}-${i}-${'x'.repeat(60)}`
          dbs[0]!.set(b(k), { type: 'string', data: b(v) }, 0)
          expected.set(k, v)
        }
        await store.flush(dbs, flush + 1, async () => true)
      }
      const before = store.segments.map((s) => s.id)
      const compaction = store.compact(() => NOW)
      await new Promise((r) => setTimeout(r, 20))
      expect(store.compactionRunning, 'a compaction to interrupt').to.equal(true)
      await store.close()
      await compaction
      store = await LsmStore.open(options)
      expect(store.segments.map((s) => s.id).sort()).to.deep.equal(before.sort())
      expect(readdirSync(options.ssdDir).sort()).to.deep.equal(store.segments.map((s) => s.file).sort())
      const [loaded] = await loadAll(store, databases())
      expect(loaded).to.deep.equal(expected)
    } finally {
      await store.close()
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('LsmStore point reads during a compaction', function () {
  this.timeout(60_000)

  it('finds a live key when a compaction installs while the read waits on a segment that does not hold it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wtr-lsm-'))
    const options = {
      dir: join(root, 'manifest'),
      ssdDir: join(root, 'ssd'),
      compaction: { l0Trigger: 3, levelBaseBytes: 1 << 20, levelRatio: 10, maxLevels: 4, targetSegmentBytes: 1 << 20 },
    }
    const store = await LsmStore.open(options)
    try {
      const dbs = databases()
      for (let flush = 0; flush < 3; flush++) {
        for (let i = 0; i < 100; i++) dbs[0]!.set(b(`k${i}:${flush}`), { type: 'string', data: b(`v${flush}-${i}`) }, 0)
        await store.flush(dbs, flush + 1, async () => true)
      }
      // Overlapping ranges: the compaction merges (no trivial move) and retires all three.
      // The newest segment answers "maybe" (a bloom false positive) and "absent" only once the
      // compaction of all three has installed: the read resumes on a retired state.
      const newest = store.segments[0]!
      const readers = (store as unknown as { readers: Map<number, SegmentReader> }).readers
      const reader = readers.get(newest.id)!
      let installed!: () => void
      const compactionInstalled = new Promise<void>((r) => (installed = r))
      reader.mayContain = () => true
      reader.get = async () => {
        await compactionInstalled
        return undefined
      }
      const key = Buffer.concat([storeKeyPrefix(0, store.generation(0)), b('k7:0')])
      const read = store.lookup(key)
      await store.compact(() => NOW)
      expect(store.segments.map((s) => s.id)).to.not.include(newest.id)
      installed()
      expect((await read)?.value.toString()).to.equal('v0-7')
    } finally {
      await store.close()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
