// The durability options, against the real server: appendfsync at runtime (CONFIG GET/SET and
// what INFO persistence shows of syncing), appendonly no (memory only: no WAL, nothing survives a
// restart), wal-direct-io (a crash cycle with O_DIRECT segments) and wal-dir (the WAL elsewhere).

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { serverPool, startServer, type RunningServer } from '../support/server.js'
import { segmentFiles, storedRecords } from '../wal/segment-layout.js'
import { infoField } from '../support/info.js'

const client = async (port: number): Promise<Redis> => {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

const lsns = async (redis: Redis): Promise<{ last: number; synced: number }> => {
  const info = await redis.info('persistence')
  return { last: infoField(info, 'wal_last_lsn'), synced: infoField(info, 'wal_synced_lsn') }
}

const errorOf = (reply: Promise<unknown>): Promise<string> =>
  reply.then(
    (value) => `no error, replied ${JSON.stringify(value)}`,
    (e: Error) => e.message,
  )

/** Small segments: less to preallocate per start-up, and nothing here needs more room. */
const SMALL_SEGMENTS = ['--wal-segment-size', '1mb']

/** O_DIRECT as the kernel reports it in /proc/<pid>/fdinfo flags (octal). */
const O_DIRECT = process.arch === 'arm' || process.arch === 'arm64' ? 0o200000 : 0o40000

/** The open flags of every WAL segment (not free file) the process holds open. */
const segmentOpenFlags = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    let target: string
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      return []
    }
    if (!/\/[0-9a-f]{16}\.wal$/.test(target)) return []
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))
    return flags === null ? [] : [parseInt(flags[1]!, 8)]
  })

describe('durability modes', function () {
  this.timeout(20_000)
  const { freshDir, start } = serverPool('wtr-modes-')

  describe('appendfsync at runtime', () => {
    let server: RunningServer
    let redis: Redis

    before(async () => {
      server = await startServer({ dir: freshDir(), args: SMALL_SEGMENTS })
      redis = await client(server.port)
    })
    after(async () => {
      redis.disconnect()
      await server.kill()
    })

    it('is always by default: a write is synced before its reply', async () => {
      expect(await redis.config('GET', 'appendfsync')).to.deep.equal(['appendfsync', 'always'])
      for (let i = 0; i < 5; i++) {
        await redis.set(`always:${i}`, 'v')
        const { last, synced } = await lsns(redis)
        expect(synced, 'wal_synced_lsn right after an acknowledged write').to.equal(last)
      }
    })

    it('everysec: accepted at runtime; wal_synced_lsn trails right after a write, then catches up', async () => {
      expect(await redis.config('SET', 'appendfsync', 'everysec')).to.equal('OK')
      expect(await redis.config('GET', 'appendfsync')).to.deep.equal(['appendfsync', 'everysec'])
      // A reply no longer waits for fdatasync; the background sync runs once a second, so the
      // moment right after a write almost always finds it behind (a few tries rule out the rest).
      let trailing: { last: number; synced: number } | undefined
      for (let i = 0; i < 20 && trailing === undefined; i++) {
        await redis.set(`everysec:${i}`, 'v')
        const seen = await lsns(redis)
        if (seen.synced < seen.last) trailing = seen
      }
      expect(trailing, 'wal_synced_lsn behind wal_last_lsn after some write').not.to.equal(undefined)
      const deadline = Date.now() + 5000
      let now = await lsns(redis)
      while (now.synced < trailing!.last && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        now = await lsns(redis)
      }
      expect(now.synced, 'the background sync reached the write').to.be.at.least(trailing!.last)
      expect(await redis.get('everysec:0')).to.equal('v')
    })

    it('no: accepted at runtime, and writes still work', async () => {
      expect(await redis.config('SET', 'appendfsync', 'no')).to.equal('OK')
      expect(await redis.config('GET', 'appendfsync')).to.deep.equal(['appendfsync', 'no'])
      expect(await redis.set('no:1', 'v')).to.equal('OK')
      expect(await redis.get('no:1')).to.equal('v')
      expect(await redis.config('SET', 'appendfsync', 'ALWAYS')).to.equal('OK')
      expect(await redis.config('GET', 'appendfsync')).to.deep.equal(['appendfsync', 'always'])
    })

    // Redis 7.0 lists the choices in its own order (everysec, always, no). Fails today: the
    // option table lists them as always, everysec, no; see the report on src/config/options.ts.
    it('an invalid value is refused with Redis\'s error text and changes nothing', async () => {
      expect(await errorOf(redis.config('SET', 'appendfsync', 'sometimes'))).to.equal(
        "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no",
      )
      expect(await errorOf(redis.config('SET', 'appendfsync'))).to.equal("ERR wrong number of arguments for 'config|set' command")
      expect(await redis.config('GET', 'appendfsync')).to.deep.equal(['appendfsync', 'always'])
    })
  })

  it('appendonly no: no WAL directory, aof_enabled:0, BGSAVE refused, nothing survives a restart', async () => {
    const dir = freshDir()
    const args = ['--appendonly', 'no']
    const server = await start({ dir, args })
    const redis = await client(server.port)
    try {
      expect(await redis.set('volatile', 'v')).to.equal('OK')
      expect(await redis.config('GET', 'appendonly')).to.deep.equal(['appendonly', 'no'])
      const info = await redis.info('persistence')
      expect(info).to.match(/^aof_enabled:0\r?$/m)
      expect(info).not.to.include('wal_last_lsn')
      expect(await errorOf(redis.bgsave())).to.match(/^ERR /)
    } finally {
      redis.disconnect()
    }
    expect(await server.stop(), 'exit code of a graceful stop').to.equal(0)
    expect(existsSync(join(dir, 'wal')), 'the WAL directory').to.equal(false)
    expect(readdirSync(dir), 'files in the data directory').to.deep.equal([])

    const restarted = await start({ dir, args })
    const again = await client(restarted.port)
    try {
      expect(await again.get('volatile')).to.equal(null)
      expect(await again.dbsize()).to.equal(0)
    } finally {
      again.disconnect()
    }
  })

  it('wal-direct-io yes: segments are opened O_DIRECT, and every acknowledged write survives kill -9', async () => {
    const dir = freshDir()
    const args = ['--wal-direct-io', 'yes', ...SMALL_SEGMENTS]
    const server = await start({ dir, args })
    const acked = new Map<string, string>()
    const stop = { now: false }
    const clients = await Promise.all(Array.from({ length: 8 }, () => client(server.port)))
    const payload = 'd'.repeat(1000)
    const writers = clients.map(async (redis, id) => {
      for (let n = 0; !stop.now; n++) {
        const key = `dio:${id}:${n}`
        const value = `${n}:${Math.random().toString(36).slice(2)}:${payload}`
        try {
          if ((await redis.set(key, value)) !== 'OK') return
        } catch {
          return
        }
        acked.set(key, value)
      }
    })
    try {
      await new Promise((r) => setTimeout(r, 300))
      const flags = segmentOpenFlags(server.process.pid!)
      expect(flags.length, 'open WAL segments').to.be.greaterThan(0)
      for (const f of flags) expect(f & O_DIRECT, `flags ${f.toString(8)} include O_DIRECT`).to.not.equal(0)
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 400))
    } finally {
      await server.kill()
      stop.now = true
      await Promise.all(writers)
      for (const c of clients) c.disconnect()
    }
    expect(acked.size, 'writes acknowledged before the kill').to.be.greaterThan(0)

    const restarted = await start({ dir, args })
    const redis = await client(restarted.port)
    try {
      const keys = [...acked.keys()]
      const lost: string[] = []
      for (let i = 0; i < keys.length; i += 500) {
        const slice = keys.slice(i, i + 500)
        const values = await redis.mget(...slice)
        slice.forEach((key, j) => {
          if (values[j] !== acked.get(key)) lost.push(key)
        })
      }
      expect(lost, `of ${keys.length} acknowledged`).to.deep.equal([])
    } finally {
      redis.disconnect()
    }
  })

  it('wal-dir: the WAL lives in the given directory, and recovery reads it from there', async () => {
    const dir = freshDir()
    const walDir = join(freshDir(), 'elsewhere')
    const args = ['--wal-dir', walDir, ...SMALL_SEGMENTS]
    const server = await start({ dir, args })
    const redis = await client(server.port)
    try {
      for (let i = 0; i < 20; i++) expect(await redis.set(`wd:${i}`, `v${i}`)).to.equal('OK')
    } finally {
      redis.disconnect()
    }
    await server.kill()
    expect(existsSync(join(dir, 'wal')), 'the default WAL directory').to.equal(false)
    expect(segmentFiles(walDir).length, 'segments in wal-dir').to.be.greaterThan(0)
    expect(storedRecords(walDir).length, 'records in wal-dir').to.equal(20)

    const restarted = await start({ dir, args })
    const again = await client(restarted.port)
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `wd:${i}`)
      expect(await again.mget(...keys)).to.deep.equal(keys.map((_, i) => `v${i}`))
    } finally {
      again.disconnect()
    }
  })

  it('a client pipelining writes faster than the disk syncs pauses at the backlog bound, and loses nothing', async () => {
    // wal-batch-max-bytes 64kb puts the backlog bound at 256 KB; 8 MB of pipelined SETs exceed it.
    const dir = freshDir()
    const server = await start({ dir, args: [...SMALL_SEGMENTS, '--wal-batch-max-bytes', '64kb'] })
    const redis = await client(server.port)
    const value = 'v'.repeat(1000)
    const pipeline = redis.pipeline()
    for (let i = 0; i < 8000; i++) pipeline.set(`k${i}`, `${i}:${value}`)
    const replies = await pipeline.exec()
    expect(replies!.every(([e, r]) => e === null && r === 'OK')).to.equal(true)
    const info = await redis.info('persistence')
    expect(infoField(info, 'wal_backlog_pauses')).to.be.greaterThan(0)
    expect(infoField(info, 'wal_backlog_bytes')).to.equal(0)
    redis.disconnect()
    await server.kill()
    const again = await start({ dir, args: SMALL_SEGMENTS })
    const check = await client(again.port)
    try {
      expect(await check.dbsize()).to.equal(8000)
      expect(await check.get('k7999')).to.equal(`7999:${value}`)
    } finally {
      check.disconnect()
    }
  })

  it('INFO reports the store: resident record bytes, segments, flushes and compactions', async () => {
    const server = await start({ dir: freshDir(), args: SMALL_SEGMENTS })
    const redis = await client(server.port)
    try {
      const empty = infoField(await redis.info('memory'), 'wtr_resident_records_bytes')
      for (let round = 0; round < 5; round++) {
        const pipeline = redis.pipeline()
        for (let i = 0; i < 200; i++) pipeline.set(`k${round}:${i}`, 'v'.repeat(100))
        await pipeline.exec()
        expect(await redis.bgsave()).to.equal('Background saving started')
        let info = ''
        for (let wait = 0; wait < 100; wait++) {
          info = await redis.info('persistence')
          if (infoField(info, 'rdb_bgsave_in_progress') === 0 && infoField(info, 'store_flushes') > round) break
          await new Promise((r) => setTimeout(r, 50))
        }
        expect(infoField(info, 'store_flushes')).to.equal(round + 1)
        expect(infoField(info, 'store_dirty_keys')).to.equal(0)
      }
      // Five level-0 segments pass the compaction trigger (4): they go down a level (here by a
      // move: the rounds' key ranges do not overlap).
      let info = ''
      for (let wait = 0; wait < 100; wait++) {
        info = await redis.info('persistence')
        if (infoField(info, 'store_compactions') > 0) break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(infoField(info, 'store_compactions'), server.output()).to.be.greaterThan(0)
      expect(infoField(info, 'store_segments')).to.be.greaterThan(0)
      expect(infoField(info, 'store_segment_bytes')).to.be.greaterThan(1000 * 100)
      const resident = infoField(await redis.info('memory'), 'wtr_resident_records_bytes')
      expect(resident - empty).to.be.greaterThan(1000 * 100)
    } finally {
      redis.disconnect()
    }
  })
})
