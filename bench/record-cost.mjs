// node --expose-gc bench/record-cost.mjs [KEYS] [VALUE_BYTES]
// What one resident record really costs (JS heap + external memory, after full collections)
// against what the memory budget counts for it (MemoryKeyspace.residentBytes), with and without
// the changed-key tracking a store-backed keyspace does. RECORD_OVERHEAD in
// src/storage/memory-keyspace.ts is set from this measurement. Needs `npm run build`.
import { MemoryKeyspace } from '../dist/storage/memory-keyspace.js'

if (typeof gc !== 'function') {
  console.error('run with node --expose-gc')
  process.exit(2)
}
const keys = Number(process.argv[2] ?? 200_000)
const valueBytes = Number(process.argv[3] ?? 200)
const live = () => {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}
for (const trackDirty of [false, true]) {
  const ks = new MemoryKeyspace({ clock: () => Date.now(), stats: { hits: 0, misses: 0, expired: 0 }, trackDirty })
  const before = live()
  const rssBefore = process.memoryUsage().rss
  const value = Buffer.alloc(valueBytes, 118)
  let keyBytes = 0
  for (let i = 0; i < keys; i++) {
    const key = Buffer.from(`key:${String(i).padStart(10, '0')}`)
    keyBytes += key.length
    ks.set(key, { type: 'string', data: Buffer.from(value) }, 0)
  }
  const perRecord = (live() - before) / keys
  const payload = keyBytes / keys + valueBytes
  console.log(
    `${trackDirty ? 'store-backed' : 'memory only '}: ${keys} records of ${payload} payload bytes: ` +
      `${perRecord.toFixed(0)} B each (overhead ${(perRecord - payload).toFixed(0)} B), ` +
      `budget counts ${(ks.residentBytes / keys).toFixed(0)} B; RSS grew ${((process.memoryUsage().rss - rssBefore) / keys).toFixed(0)} B each`,
  )
  ks.flush()
}
