// SWAPDB over databases whose keys are mostly on disk (maxmemory far below the data, and restarts,
// after which every key is read back on demand): the swapped databases answer GET, MGET, DBSIZE,
// KEYS, SCAN and RANDOMKEY exactly as a model of the two databases does, writes over disk-only
// keys see the values they replace, and so it stays across a checkpoint, compaction and SIGKILL.
// Then swaps racing with commands whose keys are read from disk: what a command read back before
// another connection swapped its database is not used, so no command misses a key on disk.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { quietClient } from '../support/clients.js'
import { serverPool, type RunningServer } from '../support/server.js'
import { checkpoint, infoField, waitFor } from '../support/info.js'
import { scanAll } from '../support/scan.js'

const pool = serverPool('wtr-swapdb-disk-')
const ARGS = ['--maxmemory', '3mb', '--appendfsync', 'everysec', '--wal-segment-size', '1mb', '--wal-checkpoint-bytes', '1mb']
const KEYS = 12_000
const VALUE = 120

const connect = (server: RunningServer): Redis => quietClient(server.port)

const key = (i: number): string => `k:${String(i).padStart(6, '0')}`
/** The value key `i` holds in the keyspace that database `db` showed when it was written. */
const value = (db: number, i: number): string => `${db}:${i}:`.padEnd(VALUE, String.fromCharCode(97 + (i % 26)))

/** KEYS keys in databases 0 and 1, each value naming its database; returns them as models. */
const fill = async (redis: Redis): Promise<Map<string, string>[]> => {
  const models = [new Map<string, string>(), new Map<string, string>()]
  for (const db of [0, 1]) {
    await redis.select(db)
    for (let i = 0; i < KEYS; i += 500) {
      const pairs: string[] = []
      for (let j = i; j < i + 500; j++) {
        pairs.push(key(j), value(db, j))
        models[db]!.set(key(j), value(db, j))
      }
      await redis.mset(...pairs)
    }
  }
  return models
}

/** Database `db` (selected on `redis`) holds exactly `model`, by every command that lists or reads keys. */
const expectDatabase = async (redis: Redis, db: number, model: Map<string, string>): Promise<void> => {
  await redis.select(db)
  expect(await redis.dbsize(), `DBSIZE of db ${db}`).to.equal(model.size)
  const names = [...model.keys()]
  for (let i = 0; i < names.length; i += 1000) {
    const chunk = names.slice(i, i + 1000)
    const got = await redis.mget(...chunk)
    chunk.forEach((k, j) => {
      if (got[j] !== model.get(k)) expect.fail(`db ${db}, GET ${k}: ${String(got[j]).slice(0, 24)}, expected ${model.get(k)?.slice(0, 24)}`)
    })
  }
  expect(new Set(await redis.keys('*')), `KEYS of db ${db}`).to.deep.equal(new Set(names))
  expect(await scanAll(redis, 500), `SCAN of db ${db}`).to.deep.equal(new Set(names))
  const random = await redis.randomkey()
  expect(random === null ? model.size === 0 : model.has(random), `RANDOMKEY of db ${db}: ${random}`).to.equal(true)
}

describe('SWAPDB with keys on disk (real server)', function () {
  this.timeout(180_000)

  it('swapped databases read their keys from disk exactly, across writes, a checkpoint, compaction and SIGKILL', async () => {
    const dir = pool.freshDir()
    let server = await pool.start({ dir, args: ARGS })
    let redis = connect(server)
    const models = await fill(redis)
    await checkpoint(redis)
    // Most of the data is not resident: the swap must bring keys on disk along.
    expect(infoField(await redis.info('memory'), 'wtr_disk_only_keys')).to.be.greaterThan(KEYS)
    expect(await redis.call('SWAPDB', '0', '1')).to.equal('OK')
    models.reverse()
    await expectDatabase(redis, 0, models[0]!)
    await expectDatabase(redis, 1, models[1]!)

    // Writes over keys only on disk, in the swapped databases: APPEND sees the value it extends.
    await redis.select(0)
    for (let i = 0; i < 200; i++) {
      const k = key(i * 37)
      expect(await redis.append(k, '+')).to.equal(VALUE + 1)
      models[0]!.set(k, `${models[0]!.get(k)!}+`)
      expect(await redis.del(key(i * 37 + 1))).to.equal(1)
      models[0]!.delete(key(i * 37 + 1))
    }
    await redis.select(1)
    await redis.set('only-in-1', 'x')
    models[1]!.set('only-in-1', 'x')
    await checkpoint(redis)
    expect(await redis.call('SWAPDB', '1', '0')).to.equal('OK')
    models.reverse()
    // The checkpoints so far made level-0 segments enough for compaction, which keeps both keyspaces.
    await waitFor('a compaction', async () => infoField(await redis.info('persistence'), 'store_compactions') > 0 && infoField(await redis.info('persistence'), 'store_compaction_in_progress') === 0, 60_000)
    await expectDatabase(redis, 0, models[0]!)
    redis.disconnect()
    await server.kill()

    // After the restart every key is on disk until read, and the maps come from the manifest and the WAL.
    server = await pool.start({ dir, args: ARGS })
    redis = connect(server)
    await expectDatabase(redis, 0, models[0]!)
    await expectDatabase(redis, 1, models[1]!)
    expect(await redis.call('SWAPDB', '0', '1')).to.equal('OK')
    models.reverse()
    await redis.select(1)
    await redis.flushdb()
    models[1]!.clear()
    redis.disconnect()
    await server.kill()

    server = await pool.start({ dir, args: ARGS })
    redis = connect(server)
    await expectDatabase(redis, 0, models[0]!)
    await expectDatabase(redis, 1, models[1]!)
    redis.disconnect()
  })

  it('a command whose keys were read from disk before another connection swapped its database reads them again', async () => {
    const dir = pool.freshDir()
    let server = await pool.start({ dir, args: ARGS })
    const redis = connect(server)
    await fill(redis)
    await checkpoint(redis)
    redis.disconnect()
    await server.kill()
    // Every key is on disk now: each GET and APPEND below is staged.
    server = await pool.start({ dir, args: ARGS })
    const reader = connect(server)
    const swapper = connect(server)
    let swapping = true
    let swaps = 0
    const swapLoop = (async () => {
      while (swapping) {
        await swapper.call('SWAPDB', '0', '1')
        swaps++
      }
    })()
    const misses: string[] = []
    const appended: number[] = []
    for (let round = 0; round < 40; round++) {
      const pipeline = reader.pipeline()
      for (let j = 0; j < 50; j++) {
        const i = round * 50 + j
        pipeline.get(key((i * 7919) % KEYS))
        pipeline.append(key(i), '+')
        // Gathered from the store on the thread pool, always: the widest window for a swap.
        pipeline.keys(`${key(i).slice(0, -1)}*`)
      }
      const results = (await pipeline.exec())!
      results.forEach(([e, reply], n) => {
        if (e !== null) misses.push(e.message)
        else if (n % 3 === 0 && (typeof reply !== 'string' || !/^[01]:/.test(reply))) misses.push(`GET answered ${String(reply)}`)
        else if (n % 3 === 1) appended.push(reply as number)
        else if (n % 3 === 2 && (reply as string[]).length !== 10) misses.push(`KEYS answered ${(reply as string[]).length} keys`)
      })
    }
    swapping = false
    await swapLoop
    expect(swaps).to.be.greaterThan(10)
    expect(misses).to.deep.equal([])
    // Each key appended to once, in whichever database: it had its value from disk.
    expect(appended.filter((n) => n !== VALUE + 1)).to.deep.equal([])
    reader.disconnect()
    swapper.disconnect()
  })
})
