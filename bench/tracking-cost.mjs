// bench/tracking-cost.mjs: the hot-path cost of tiering's access tracking, in process and
// without the noise of a disk: point reads (LsmStore.lookup) of keys in cached blocks of a
// 100k-key store, with tier-tracking on and off in alternating rounds. Prints ns per read and
// the on/off ratio per round and their median. Needs `npm run build`.
//
//   node bench/tracking-cost.mjs [rounds=7] [reads=500000]

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LsmStore } from '../dist/storage/lsm-store.js'
import { MemoryKeyspace } from '../dist/storage/memory-keyspace.js'
import { newKeyspaceStats } from '../dist/storage/keyspace.js'
import { encodeStoreKey } from '../dist/storage/store-keys.js'

const rounds = Number(process.argv[2] ?? 7)
const reads = Number(process.argv[3] ?? 500_000)
const KEYS = 100_000
const root = mkdtempSync(join(tmpdir(), 'wtr-tracking-'))
const store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd'), blockCacheBytes: 64 << 20 })
try {
  // Four overlapping level-0 segments, so a read consults several segments, as in a real tree.
  for (let flush = 0; flush < 4; flush++) {
    const db = new MemoryKeyspace({ clock: () => Date.now(), stats: newKeyspaceStats(), trackDirty: true })
    for (let i = flush; i < KEYS; i += 4) db.set(Buffer.from(`key:${String(i).padStart(8, '0')}`), { type: 'string', data: Buffer.alloc(100, 97) }, 0)
    await store.flush([db], flush + 1, async () => true)
  }
  const keys = Array.from({ length: 4096 }, () => encodeStoreKey(0, 0, `key:${String(Math.floor(Math.random() * KEYS)).padStart(8, '0')}`))
  const run = async () => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < reads; i++) await store.lookup(keys[i & 4095])
    return Number(process.hrtime.bigint() - started) / reads
  }
  store.trackAccess = true
  await run() // warm the block cache and the JIT
  const ratios = []
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [true, false] : [false, true]
    const ns = {}
    for (const on of order) {
      store.trackAccess = on
      ns[on] = await run()
    }
    ratios.push(ns[true] / ns[false])
    console.log(`round ${r + 1}: on ${ns[true].toFixed(0)} ns/read, off ${ns[false].toFixed(0)} ns/read, on/off ${(ns[true] / ns[false]).toFixed(3)}`)
  }
  const sorted = [...ratios].sort((a, b) => a - b)
  console.log(`median on/off time per read: ${sorted[Math.floor(sorted.length / 2)].toFixed(3)}`)
} finally {
  await store.close()
  rmSync(root, { recursive: true, force: true })
}
