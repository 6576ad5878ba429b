// The eviction tick's write stall against real keyspaces and the real tenant registry: a stall
// ends once nothing it waits for can be freed. The tenant registry's keyspace is pinned (never
// evicted), so its records, read back clean after a restart, are nothing eviction can free. Under
// --maxmemory 1mb the store's block cache alone (its floor is 1 MB) can hold the data at or over
// the budget; had the registry's records counted as freeable, the stall would have held every
// write for ever (the differential fuzzer's tenants mode with restarts found it). The store and
// the checkpointer are stand-ins for the figures the tick reads of them: the store's memory, and
// a checkpointer whose last flush succeeded and that has none running.

import { expect } from 'chai'
import { evictOnce, newEvictionStats, WriteStall } from '../../src/actors/eviction.js'
import type { ServerRuntime } from '../../src/actors/server.js'
import { SYSTEM_SPACE, Tenant, Tenants } from '../../src/actors/tenants.js'
import { RuntimeConfig } from '../../src/config/store.js'
import { Logger } from '../../src/log.js'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { Keyspaces } from '../../src/storage/keyspaces.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { keyspaceNumber } from '../../src/storage/store-keys.js'

const NOW = 1_700_000_000_000
const MB = 1024 * 1024
const b = (s: string): Buffer => Buffer.from(s, 'latin1')

/**
 * A server's keyspaces as a restart leaves them with one tenant, t1: the registry's records read
 * back from the store (clean) and loaded by the real registry, which pins its keyspace; t1's
 * database 0 holding `records` clean records read back from the store.
 */
const restartedWithTenant = (records: number): { keyspaces: Keyspaces; registry: MemoryKeyspace; t1: MemoryKeyspace } => {
  const stats = newKeyspaceStats()
  // trackDirty: the store backs every keyspace, as with appendonly yes (the default).
  const keyspaces = new Keyspaces((space) => new MemoryKeyspace({ clock: () => NOW, stats, space, trackDirty: true }))
  const registry = keyspaces.get(SYSTEM_SPACE)
  const stored = new Tenant('t1', 1, [], Buffer.alloc(16, 1), Buffer.alloc(32, 2)).stored()
  registry.install(b('next-tenant-number'), { type: 'string', data: b('2') }, 0)
  registry.install(b('tenant:t1'), { type: 'string', data: Buffer.from(JSON.stringify(stored), 'utf8') }, 0)
  const tenants = new Tenants(keyspaces, 16, () => [], new Logger('nothing'), () => 'admin')
  tenants.load()
  expect(tenants.get('t1'), 'the registry loads t1').to.not.equal(undefined)
  const t1 = keyspaces.get(keyspaceNumber(1, 0))
  for (let i = 0; i < records; i++) t1.install(b(`k${i}`), { type: 'string', data: Buffer.alloc(2048, 97 + (i % 26)) }, 0)
  return { keyspaces, registry, t1 }
}

/** What evictOnce reads of a server, with the store's memory at `storeBytes`. */
const runtimeOf = (keyspaces: Keyspaces, storeBytes: number) => {
  const config = new RuntimeConfig(new Map())
  expect(config.set('maxmemory', '1mb')).to.equal(undefined)
  const runtime = {
    config,
    keyspaces,
    store: { residentBytes: storeBytes },
    checkpointer: { lastOk: true, inProgress: false, runAutomatic: () => {} },
    eviction: newEvictionStats(),
    writeStall: new WriteStall(),
    stager: undefined,
  }
  return runtime as unknown as ServerRuntime
}

describe('evictOnce: the write stall and the pinned tenant registry', () => {
  // The store's memory (block cache, indexes, bloom filters) after reads following a restart:
  // under the 1 MB budget's high mark but not its limit, as the fuzzer's run left it, and over
  // the limit, as a full block cache and the segments' indexes leave it.
  for (const [what, storeBytes] of [
    ['between the high mark and the limit', 974_988],
    ['over the limit', MB + 40 * 1024],
  ] as const) {
    it(`ends the stall once only the registry's pinned records are resident, the store's memory ${what}`, async () => {
      const { keyspaces, registry, t1 } = restartedWithTenant(200)
      const runtime = runtimeOf(keyspaces, storeBytes)
      const stall = runtime.writeStall
      expect(registry.residentCount, 'the registry is resident').to.equal(2)
      expect(registry.evict(MB, 100), 'the registry is pinned').to.equal(0)

      // t1's clean records take the data over the budget; eviction can drop them: a stall begins.
      evictOnce(runtime)
      expect(stall.count, 'a stall begins while eviction has records to drop').to.equal(1)
      let released = false
      void stall.hold().then(() => {
        released = true
      })

      for (let tick = 0; tick < 50 && t1.residentCount > 0; tick++) evictOnce(runtime)
      expect(t1.residentCount, "eviction drops t1's records").to.equal(0)
      expect(registry.residentCount, "the registry's records stay").to.equal(2)
      // Nothing left can free memory: the next tick lets the held write run.
      evictOnce(runtime)
      await new Promise((r) => setImmediate(r))
      expect(stall.wait, 'the stall has ended').to.equal(undefined)
      expect(released, 'the held write runs').to.equal(true)
      // And no stall begins again for what eviction cannot free.
      for (let tick = 0; tick < 5; tick++) evictOnce(runtime)
      expect(stall.count).to.equal(1)
    })
  }

  it('begins no stall when the data is over the budget with only the registry resident', () => {
    const { keyspaces } = restartedWithTenant(0)
    const runtime = runtimeOf(keyspaces, MB + 40 * 1024)
    evictOnce(runtime)
    expect(runtime.writeStall.wait).to.equal(undefined)
    expect(runtime.writeStall.count).to.equal(0)
  })
})
