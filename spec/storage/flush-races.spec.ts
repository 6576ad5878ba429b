// Flushes read their key list lazily, turns after they took it, so the keyspace changes under
// them. Two ways that lost keys under a small maxmemory, each once a record passed for clean
// (written to the store, so evictable) while the store did not hold its value where reads look:
//
// A key deleted and written again between two flushes, and evicted in between, must not be
// written by the second flush as deleted. An earlier flush can write the key's new value (and
// the record pass for clean once that flush is installed), while the delete still sits in the
// set of deletes the next flush takes. That flush then found the key neither in memory (evicted) nor anywhere but in its
// deletes, and wrote a tombstone over the value: under a small maxmemory, keys written moments
// before read as missing, and stayed missing after a restart.
//
// A key written again after FLUSHDB while a flush of the old generation is in flight must stay
// changed until a flush of the new generation writes it. A flush that took `k` before the
// FLUSHDB finds the new generation's record and writes it under the old generation (dead on
// arrival). It used to note the record as written
// by itself, so once it was installed the record passed for clean, eviction dropped it, and the
// key read as missing: under a small maxmemory, keys written after FLUSHDB or FLUSHALL were lost.

import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LsmStore } from '../../src/storage/lsm-store.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { encodeStoreKey } from '../../src/storage/store-keys.js'
import { dataOf } from '../support/values.js'

const b = (s: string): Buffer => Buffer.from(s)

describe('flushes overtaken by changes', () => {
  let root: string
  let store: LsmStore

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'wtr-flush-races-'))
    store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd') })
  })
  afterEach(async () => {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  })

  const storeValue = async (db: MemoryKeyspace, k: string): Promise<string | undefined> => {
    const entry = await store.lookup(encodeStoreKey(db.space, db.generation, k))
    return entry?.kind === 'put' ? entry.value.toString() : entry?.kind
  }

  describe('a key deleted and written again', () => {
    it('keeps the value an earlier flush wrote when the key was evicted before the next flush read it', async () => {
      const db = new MemoryKeyspace({ clock: () => 1_000_000, stats: newKeyspaceStats(), space: 0, trackDirty: true })
      db.set(b('k'), { type: 'string', data: b('old') }, 0)
      db.set(b('other'), { type: 'string', data: b('x') }, 0)
      // The first flush takes its keys now and reads them after a turn: by then k was deleted and
      // written again, so it writes the new value.
      const first = store.flush([db], 0, async () => true)
      db.delete(b('k'))
      db.set(b('k'), { type: 'string', data: b('new') }, 0)
      expect((await first).installed).to.equal(true)
      expect(await storeValue(db, 'k')).to.equal('new')

      // The second flush takes k (listed by the delete and the write); k's record, written by the
      // first flush, is clean, and the eviction drops it before the second flush reads it.
      const second = store.flush([db], 1, async () => true)
      expect(db.evict(1 << 20, 100)).to.be.greaterThan(0)
      expect((await second).installed).to.equal(true)
      expect(await storeValue(db, 'k')).to.equal('new')
    })

    it('still writes the delete when the key was deleted and not written again', async () => {
      const db = new MemoryKeyspace({ clock: () => 1_000_000, stats: newKeyspaceStats(), space: 0, trackDirty: true })
      db.set(b('k'), { type: 'string', data: b('old') }, 0)
      expect((await store.flush([db], 0, async () => true)).installed).to.equal(true)
      db.delete(b('k'))
      expect((await store.flush([db], 1, async () => true)).installed).to.equal(true)
      expect(await storeValue(db, 'k')).to.equal('delete')
    })
  })

  describe('a key written again after FLUSHDB', () => {
    it('leaves a key written after FLUSHDB unevictable until a flush of the new generation wrote it', async () => {
      const db = new MemoryKeyspace({ clock: () => 1_000_000, stats: newKeyspaceStats(), space: 0, trackDirty: true })
      db.set(b('k'), { type: 'string', data: b('old') }, 0)
      // The flush takes k under generation 0 and reads it after a turn: by then FLUSHDB moved the
      // database to generation 1 and k was written again.
      const first = store.flush([db], 0, async () => true)
      db.flush()
      db.set(b('k'), { type: 'string', data: b('new') }, 0)
      expect((await first).installed).to.equal(true)

      // Only memory holds k's new value: eviction must not drop it.
      db.evict(1 << 20, 100)
      expect(dataOf(db.get(b('k'))?.value)?.toString()).to.equal('new')
      expect(await storeValue(db, 'k')).to.equal(undefined)

      // The next flush writes it under generation 1; then it may go.
      expect((await store.flush([db], 1, async () => true)).installed).to.equal(true)
      expect(await storeValue(db, 'k')).to.equal('new')
    })
  })
})
