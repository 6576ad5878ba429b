// Data larger than maxmemory, against the real server: most keys are evicted to the store, and
// every command still sees exactly the data a plain map holds (the model): GET, EXISTS, DBSIZE,
// KEYS, SCAN and RANDOMKEY, overwrites and deletes of evicted keys, expiry, FLUSHDB; after a
// clean restart and after SIGKILL, where start-up reads no segment data and counts keys in the
// background. Writes that outrun flushes and eviction wait (a write stall), and the stall ends
// once nothing evictable is left, the tenant registry's pinned records notwithstanding.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { serverPool, type RunningServer } from '../support/server.js'
import { checkpoint, infoField, waitFor } from '../support/info.js'
import { scanAll } from '../support/scan.js'
import { quietClient } from '../support/clients.js'

const pool = serverPool('wtr-ltm-')
const ARGS = [
  '--maxmemory', '3mb',
  '--appendfsync', 'everysec',
  '--wal-segment-size', '1mb',
  '--wal-checkpoint-bytes', '1mb',
]
const KEYS = 20_000
const VALUE = 120

const connect = async (server: RunningServer): Promise<Redis> => {
  const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 })
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

const infoOf = async (redis: Redis, section: string, name: string): Promise<number> => infoField(await redis.info(section), name)

const key = (i: number): string => `k:${String(i).padStart(6, '0')}`
const value = (i: number, round: number): string => `${round}:${i}:`.padEnd(VALUE, String.fromCharCode(97 + (i % 26)))

/** Every model key has its value, and DBSIZE, KEYS, SCAN and EXISTS agree with the model. */
const checkAgainst = async (redis: Redis, model: Map<string, string>, deleted: readonly string[]): Promise<void> => {
  expect(await redis.dbsize()).to.equal(model.size)
  const names = [...model.keys()]
  for (let i = 0; i < names.length; i += 500) {
    const chunk = names.slice(i, i + 500)
    const got = await redis.mget(...chunk)
    chunk.forEach((k, j) => {
      if (got[j] !== model.get(k)) expect.fail(`GET ${k}: ${String(got[j])?.slice(0, 20)} expected ${model.get(k)?.slice(0, 20)}`)
    })
  }
  const gone = deleted.filter((k) => !model.has(k)).slice(0, 300)
  if (gone.length > 0) expect(await redis.exists(...gone)).to.equal(0)
  const keys = await redis.keys('k:*')
  const extra = keys.filter((k) => !model.has(k))
  if (extra.length > 0) {
    const sample = extra.slice(0, 5)
    expect.fail(`KEYS returned ${extra.length} keys that do not exist, e.g. ${sample.join(' ')} (GET: ${JSON.stringify(await redis.mget(...sample))}, EXISTS: ${await redis.exists(...sample)})`)
  }
  expect(keys.length).to.equal(model.size)
  expect(new Set(keys)).to.deep.equal(new Set(names))
  const prefixed = await redis.keys('k:0001*')
  expect(prefixed.sort()).to.deep.equal(names.filter((k) => k.startsWith('k:0001')).sort())
  const scanned = await scanAll(redis, 97)
  const scannedExtra = [...scanned].filter((k) => !model.has(k))
  if (scannedExtra.length > 0) {
    const sample = scannedExtra.slice(0, 5)
    expect.fail(`SCAN returned ${scannedExtra.length} keys that do not exist, e.g. ${sample.join(' ')} (GET: ${JSON.stringify(await redis.mget(...sample))}, EXISTS: ${await redis.exists(...sample)})`)
  }
  expect(scanned.size).to.equal(model.size)
  for (const k of names) if (!scanned.has(k)) expect.fail(`SCAN missed ${k}`)
  const random = await redis.randomkey()
  expect(random !== null && model.has(random)).to.equal(true)
}

describe('data larger than maxmemory (real server)', function () {
  this.timeout(120_000)

  it('evicts to the store and keeps every command exact, across restarts and SIGKILL', async () => {
    const dir = pool.freshDir()
    let server = await pool.start({ dir, args: ARGS })
    let redis = await connect(server)
    const model = new Map<string, string>()
    try {
      for (let i = 0; i < KEYS; i += 1000) {
        const batch: string[] = []
        for (let j = i; j < i + 1000; j++) {
          batch.push(key(j), value(j, 0))
          model.set(key(j), value(j, 0))
        }
        await redis.mset(...batch)
      }
      await waitFor('keys evicted to the store', async () => (await infoOf(redis, 'memory', 'wtr_disk_only_keys')) > KEYS / 2, 20_000)
      expect(await infoOf(redis, 'memory', 'wtr_resident_keys')).to.be.below(KEYS / 2)

      // Overwrite and delete keys that are (mostly) only on disk; expire some.
      const deleted: string[] = []
      for (let i = 0; i < KEYS; i += 7) {
        await redis.set(key(i), value(i, 1))
        model.set(key(i), value(i, 1))
      }
      for (let i = 3; i < KEYS; i += 11) {
        expect(await redis.del(key(i))).to.equal(model.delete(key(i)) ? 1 : 0)
        deleted.push(key(i))
      }
      expect(await redis.incr('counter')).to.equal(1)
      model.set('counter', '1')
      for (let i = 5; i < 500; i += 50) {
        expect(await redis.pexpire(key(i), 1)).to.equal(model.delete(key(i)) ? 1 : 0)
        deleted.push(key(i))
      }
      await new Promise((r) => setTimeout(r, 20))
      // Expired keys count in DBSIZE until reclaimed, as in Redis: reading them reclaims them.
      for (let i = 5; i < 500; i += 50) expect(await redis.exists(key(i))).to.equal(0)
      expect(await redis.get('counter')).to.equal('1')
      model.delete('counter')
      await redis.del('counter')
      await checkAgainst(redis, model, deleted)

      // A clean restart reads no segment data: the store is opened, the WAL tail replayed.
      await redis.quit()
      await server.stop()
      server = await pool.start({ dir, args: ARGS })
      redis = await connect(server)
      // Few keys are resident yet: RANDOMKEY draws from a random point among the keys on disk.
      const drawn = new Set<string>()
      for (let i = 0; i < 40; i++) drawn.add(String(await redis.randomkey()))
      expect(drawn.size).to.be.greaterThan(10)
      for (const k of drawn) if (!model.has(k)) expect.fail(`RANDOMKEY returned ${k}, which does not exist`)
      await checkAgainst(redis, model, deleted)

      // SIGKILL under writes: every acknowledged write survives.
      for (let i = 1; i < KEYS; i += 13) {
        await redis.set(key(i), value(i, 2))
        model.set(key(i), value(i, 2))
      }
      await redis.quit()
      await server.kill()
      server = await pool.start({ dir, args: ARGS })
      redis = await connect(server)
      await checkAgainst(redis, model, deleted)

      // FLUSHDB empties the database at once, on disk too, and stays empty after a restart.
      await redis.flushdb()
      expect(await redis.dbsize()).to.equal(0)
      expect(await redis.get(key(2))).to.equal(null)
      expect(await redis.keys('*')).to.deep.equal([])
      await redis.set('after', 'flush')
      await redis.quit()
      await server.kill()
      server = await pool.start({ dir, args: ARGS })
      redis = await connect(server)
      expect(await redis.dbsize()).to.equal(1)
      expect(await redis.get(key(2))).to.equal(null)
      expect(await redis.get('after')).to.equal('flush')
    } finally {
      redis.disconnect()
      await server.stop()
    }
  })

  it('gives the data what the rest of the process leaves of maxmemory, and reports the parts', async () => {
    const maxmemory = 48 * 1024 * 1024
    const server = await pool.start({ dir: pool.freshDir(), args: ['--maxmemory', '48mb', '--appendfsync', 'everysec'] })
    const redis = await connect(server)
    try {
      // About 64 MB of records, more than the whole limit.
      for (let i = 0; i < 200_000; i += 2000) {
        const pipeline = redis.pipeline()
        for (let j = i; j < i + 2000; j++) pipeline.set(`m:${j}`, `${j}:`.padEnd(300, 'x'))
        for (const [err] of (await pipeline.exec())!) expect(err).to.equal(null)
      }
      const memory = async (name: string): Promise<number> => infoOf(redis, 'memory', name)
      const rest = await memory('wtr_memory_overhead_bytes')
      const budget = await memory('wtr_data_budget_bytes')
      // The process's own heap and buffers are counted: they take tens of megabytes here.
      expect(rest).to.be.greaterThan(4 * 1024 * 1024)
      expect(budget).to.be.at.least(Math.max(maxmemory / 4, 8 * 1024 * 1024))
      expect(budget).to.be.at.most(maxmemory)
      // Eviction brings the data under its budget (not merely under maxmemory) within a few ticks.
      // Each check reads one INFO snapshot: the budget moves with the process's own memory, and a
      // flush still installing adds to the store's part until the next eviction tick, so values
      // read by separate calls (as this check once did) need not belong together.
      const snapshot = async (): Promise<{ dataset: number; resident: number; store: number; budget: number }> => {
        const info = await redis.info('memory')
        return {
          dataset: infoField(info, 'used_memory_dataset'),
          resident: infoField(info, 'wtr_resident_records_bytes'),
          store: infoField(info, 'wtr_store_memory_bytes'),
          budget: infoField(info, 'wtr_data_budget_bytes'),
        }
      }
      await waitFor('the data within its budget', async () => {
        const m = await snapshot()
        return m.dataset <= m.budget && m.resident + m.store <= m.budget
      })
      const m = await snapshot()
      expect(m.dataset, 'used_memory_dataset is the data: the resident records and the store').to.equal(m.resident + m.store)
      expect(await redis.get('m:0')).to.equal('0:'.padEnd(300, 'x'))
      expect(await redis.get('m:199999')).to.equal('199999:'.padEnd(300, 'x'))
      // Without a limit there is no budget.
      await redis.config('SET', 'maxmemory', '0')
      await waitFor('the budget lifted', async () => (await memory('wtr_data_budget_bytes')) === 0)
    } finally {
      redis.disconnect()
      await server.stop()
    }
  })

  it('holds writes that outrun flushes and eviction, keeps reads going, and loses nothing', async () => {
    const maxmemory = 2 * 1024 * 1024
    const server = await pool.start({ dir: pool.freshDir(), args: ['--maxmemory', String(maxmemory), '--appendfsync', 'everysec'] })
    const writers = await Promise.all([1, 2, 3, 4].map(() => connect(server)))
    const reader = await connect(server)
    const monitor = await connect(server)
    const WRITER_KEYS = 15_000
    const big = (w: number, i: number): string => `${w}:${i}:`.padEnd(300, String.fromCharCode(97 + ((w + i) % 26)))
    try {
      await reader.set('probe', 'still here')
      let loading = true
      let peakResident = 0
      let reads = 0
      const sampling = (async () => {
        while (loading) {
          peakResident = Math.max(peakResident, await infoOf(monitor, 'memory', 'wtr_resident_records_bytes'))
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      const reading = (async () => {
        while (loading) {
          expect(await reader.get('probe')).to.equal('still here')
          reads++
        }
      })()
      // About 20 MB of records, ten times maxmemory, pipelined as fast as the server takes them.
      await Promise.all(
        writers.map(async (redis, w) => {
          for (let i = 0; i < WRITER_KEYS; i += 500) {
            const pipeline = redis.pipeline()
            for (let j = i; j < i + 500; j++) pipeline.set(`w${w}:${j}`, big(w, j))
            for (const [err] of (await pipeline.exec())!) expect(err).to.equal(null)
          }
        }),
      )
      loading = false
      await Promise.all([sampling, reading])
      expect(await infoOf(monitor, 'memory', 'wtr_write_stalls')).to.be.greaterThan(0)
      // Stalls begin at maxmemory, checked every 25 ms: writes overshoot by what arrives meanwhile.
      expect(peakResident).to.be.at.most(2 * maxmemory)
      expect(reads).to.be.greaterThan(20)
      expect(await monitor.dbsize()).to.equal(4 * WRITER_KEYS + 1)
      for (let w = 0; w < 4; w++) {
        for (let i = 0; i < WRITER_KEYS; i += 1000) {
          const names = Array.from({ length: 1000 }, (_, j) => `w${w}:${i + j}`)
          const got = await monitor.mget(...names)
          got.forEach((v, j) => {
            if (v !== big(w, i + j)) expect.fail(`GET ${names[j]}: ${String(v).slice(0, 20)}`)
          })
        }
      }
    } finally {
      for (const r of [...writers, reader, monitor]) r.disconnect()
      await server.stop()
    }
  })

  it('lets writes run after a restart with a tenant once only the registry is left, though the block cache alone fills the budget', async () => {
    // Under --maxmemory 1mb the block cache's floor (1 MB) is the whole data budget: once reads
    // after a restart have filled it, the store alone keeps the data over the budget and no
    // eviction brings it back. A write stall must end once nothing evictable is resident; the
    // tenant registry's keyspace is pinned, and its records, read back clean, are not evictable.
    // (Writes straight after a restart meet an empty cache and never stall: the differential
    // fuzzer's tenants mode found this because it reads every key back after each restart.)
    const dir = pool.freshDir()
    const args = ['--requirepass', 'admin', '--maxmemory', '1mb', '--appendfsync', 'everysec']
    let server = await pool.start({ dir, args })
    const names = Array.from({ length: 8000 }, (_, i) => `k:${String(i).padStart(5, '0')}`)
    const small = (i: number): string => `${i}:`.padEnd(200, String.fromCharCode(97 + (i % 26)))
    const clients: Redis[] = []
    const open = (username: string, password: string): Redis => {
      const redis = quietClient(server.port, { username, password })
      clients.push(redis)
      return redis
    }
    try {
      const setup = open('default', 'admin')
      expect(await setup.call('TENANT', 'CREATE', 't1', 'p1')).to.equal('OK')
      // About 1.7 MB of keys and values: more blocks than the cache holds.
      const writer = open('t1', 'p1')
      for (let i = 0; i < names.length; i += 1000) {
        await writer.mset(...names.slice(i, i + 1000).flatMap((k, j) => [k, small(i + j)]))
      }
      // Everything in segments: the restart replays nothing, so no flush (nor the compaction
      // after it, which drops cached blocks of the segments it replaces) follows it.
      await checkpoint(setup)
      await waitFor('compactions to end', async () => infoField(await setup.info('persistence'), 'store_compaction_in_progress') === 0)
      for (const c of clients.splice(0)) c.disconnect()
      await server.kill()
      server = await pool.start({ dir, args })
      const t1 = open('t1', 'p1')
      const admin = open('default', 'admin')
      const monitor = open('default', 'admin')

      // Every key read four times (a block enters the cache on its third miss); the keys read
      // back meanwhile take the data over its budget, and a stall begins.
      for (let pass = 0; pass < 4; pass++) {
        const pipeline = t1.pipeline()
        for (let i = 0; i < names.length; i += 50) pipeline.mget(...names.slice(i, i + 50))
        const replies = (await pipeline.exec())!
        replies.forEach(([err, values], n) => {
          expect(err).to.equal(null)
          ;(values as string[]).forEach((v, j) => {
            if (v !== small(n * 50 + j)) expect.fail(`GET ${names[n * 50 + j]}: ${String(v).slice(0, 20)}`)
          })
        })
      }
      const info = await monitor.info()
      expect(infoField(info, 'store_flushes'), 'no flush since the restart').to.equal(0)
      expect(infoField(info, 'wtr_write_stalls'), 'a stall has begun').to.be.above(0)
      const budget = infoField(info, 'wtr_data_budget_bytes')
      expect(infoField(info, 'wtr_store_memory_bytes'), `the store's memory (block cache, indexes, bloom filters) against the data's budget of ${budget}`).to.be.above(budget)

      // Neither t1's writes nor the admin's (on connections of their own: a connection's later
      // commands wait behind a held one) wait for ever.
      const deadline = new Promise<string>((r) => setTimeout(() => r('still held after 5 s'), 5000).unref())
      const written = Promise.all([t1.set('after', 'restart'), admin.set('after', 'restart')]).then((replies) => replies.join(' '))
      const outcome = await Promise.race([written, deadline])
      const after = await monitor.info('memory')
      const figures = ['wtr_write_stalls', 'wtr_write_stall_ms', 'wtr_resident_records_bytes', 'wtr_store_memory_bytes'].map((n) => `${n}:${infoField(after, n)}`).join(' ')
      expect(outcome, figures).to.equal('OK OK')
      expect(await t1.get('after')).to.equal('restart')
    } finally {
      for (const c of clients) c.disconnect()
      await server.stop()
    }
  })
})
