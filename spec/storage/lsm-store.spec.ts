// The LSM store against a Map model: random writes to the resident set, flushes to level-0
// segments, compactions, and reopenings that load the store back; any divergence fails with the
// shrunk sequence.

import { expect } from 'chai'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { LsmStore } from '../../src/storage/lsm-store.js'
import type { CompactionConfig } from '../../src/storage/compaction-policy.js'

const NOW = 1_700_000_000_000
const b = (s: string): Buffer => Buffer.from(s, 'latin1')
/** Small enough that a few flushes already trigger compactions into deeper levels. */
const SMALL: CompactionConfig = { l0Trigger: 2, levelBaseBytes: 2048, levelRatio: 4, maxLevels: 4, targetSegmentBytes: 1024 }

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
  [0, 1].map((db) => new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), db, trackDirty: true }))

const live = (dbs: MemoryKeyspace[]): string[] =>
  dbs.flatMap((ks, db) => [...ks.keys()].map((k) => `${db}:${k.toString('latin1')}=${ks.peek(k)!.value.data.toString('latin1')}`))

describe('LsmStore (model-based)', function () {
  this.timeout(60_000)

  it('keeps what a Map model keeps, across flushes, compactions and reopenings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
        const root = mkdtempSync(join(tmpdir(), 'wtr-lsm-'))
        const options = { dir: join(root, 'manifest'), ssdDir: join(root, 'ssd'), compaction: SMALL }
        const model = [new Map<string, string>(), new Map<string, string>()]
        let store = await LsmStore.open(options)
        let dbs = databases()
        let lsn = 0
        try {
          for (const o of ops) {
            if (o.op === 'set') {
              const expiresAt = o.ttl === 0 ? 0 : NOW + o.ttl
              dbs[o.db]!.set(b(o.key), { type: 'string', data: b(o.value) }, expiresAt)
              if (o.ttl < 0) model[o.db]!.delete(o.key)
              else model[o.db]!.set(o.key, o.value)
            } else if (o.op === 'del') {
              dbs[o.db]!.delete(b(o.key))
              model[o.db]!.delete(o.key)
            } else if (o.op === 'flushdb') {
              dbs[o.db]!.flush()
              model[o.db]!.clear()
            } else if (o.op === 'flush') {
              const r = await store.flush(dbs, ++lsn, async () => true)
              expect(r.installed).to.equal(true)
              expect(dbs.every((db) => db.dirtyCount === 0)).to.equal(true)
            } else if (o.op === 'compact') {
              await store.compact(() => NOW)
            } else {
              // Flush what is dirty (the WAL would replay it otherwise), then load a fresh
              // resident set from the segments alone.
              await store.flush(dbs, ++lsn, async () => true)
              await store.close()
              store = await LsmStore.open(options)
              expect(store.checkpointLsn).to.equal(lsn)
              dbs = databases()
              for await (const r of store.liveRecords(NOW)) dbs[r.db]!.set(r.key, { type: 'string', data: Buffer.from(r.value.data) }, r.expiresAt)
            }
            const expected = model.flatMap((m, db) => [...m].sort(([a], [c]) => (a < c ? -1 : 1)).map(([k, v]) => `${db}:${k}=${v}`))
            expect(live(dbs)).to.deep.equal(expected)
          }
          // Whatever the tree's shape, level 1 and deeper never overlap within a level.
          for (const level of new Set(store.segments.filter((s) => s.level > 0).map((s) => s.level))) {
            const runs = store.segments.filter((s) => s.level === level)
            for (let i = 1; i < runs.length; i++) expect(Buffer.compare(runs[i - 1]!.lastKey, runs[i]!.firstKey)).to.be.lessThan(0)
          }
        } finally {
          await store.close()
          rmSync(root, { recursive: true, force: true })
        }
      }),
      { numRuns: 40 },
    )
  })

  it('hands the changed keys back when a flush is not installed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wtr-lsm-'))
    const store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd'), compaction: SMALL })
    try {
      const dbs = databases()
      dbs[0]!.set(b('a'), { type: 'string', data: b('1') }, 0)
      const r = await store.flush(dbs, 1, async () => false)
      expect(r.installed).to.equal(false)
      expect(dbs[0]!.dirtyCount).to.equal(1)
      expect(store.segments).to.have.length(0)
      expect(store.checkpointLsn).to.equal(0)
    } finally {
      await store.close()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
