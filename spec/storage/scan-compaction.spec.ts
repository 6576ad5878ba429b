// An ordered scan of the store (KEYS, SCAN, the start-up count) reads a deeper level's segments
// one after another, opening each only when the one before is done. A compaction installed
// meanwhile retires segments the scan has not reached yet: their readers stay open until the
// scan ends, but the scan looked them up by id only when it reached them, found none, and failed
// ("Cannot read properties of undefined (reading 'scanBatches')"): under a small maxmemory with
// frequent checkpoints, KEYS replied with that error now and then.

import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { LsmStore } from '../../src/storage/lsm-store.js'
import { prefixEnd, storeKeyPrefix } from '../../src/storage/store-keys.js'
import type { CompactionConfig } from '../../src/storage/compaction-policy.js'

const NOW = 1_700_000_000_000
const b = (s: string): Buffer => Buffer.from(s, 'latin1')
/** Small segments: a level holds many, which a scan reads in turn. */
const SMALL: CompactionConfig = { l0Trigger: 2, levelBaseBytes: 2048, levelRatio: 4, maxLevels: 4, targetSegmentBytes: 1024 }

describe('ordered scan while a compaction retires segments it has not reached', () => {
  let root: string
  let store: LsmStore

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'wtr-scan-compaction-'))
    store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd'), compaction: SMALL })
  })
  afterEach(async () => {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  })

  const keyName = (i: number) => `key${String(i).padStart(4, '0')}`

  it('reads every key from the segments as they were when it started', async () => {
    const db = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), space: 0, trackDirty: true })
    const write = async (round: number) => {
      for (let i = 0; i < 2000; i++) db.set(b(keyName(i)), { type: 'string', data: b(`v${round}-${i}`.padEnd(40, '.')) }, 0)
      expect((await store.flush([db], round + 1, async () => true)).installed).to.equal(true)
    }
    for (let round = 0; round < 2; round++) await write(round)
    await store.compact(() => NOW)
    const deep = store.segments.filter((s) => s.level > 0)
    expect(deep.length).to.be.greaterThan(2)

    const prefix = storeKeyPrefix(0, store.generation(0))
    const scan = store.scanLive(prefix, prefixEnd(prefix), { now: NOW, values: false })
    const seen: string[] = []
    const first = await scan.next()
    for (const e of first.value ?? []) seen.push(e.key.subarray(prefix.length).toString('latin1'))

    // Every key written again: the compaction rewrites deeper segments the scan has not reached.
    for (let round = 2; round < 4; round++) await write(round)
    await store.compact(() => NOW)
    expect(deep.filter((d) => !store.segments.some((s) => s.id === d.id)).length).to.be.greaterThan(1)

    for (let next = await scan.next(); !next.done; next = await scan.next()) {
      for (const e of next.value) seen.push(e.key.subarray(prefix.length).toString('latin1'))
    }
    expect(seen).to.deep.equal(Array.from({ length: 2000 }, (_, i) => keyName(i)))
  })
})
