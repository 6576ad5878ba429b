// Disk errors on the real server. It runs under the faultfs shim (spec/support/faultfs.ts) with
// a control file, so a spec can make every write fail with ENOSPC or every fdatasync fail with
// EIO while it serves clients, and heal the disk again. The rules (docs/durability.md, "Disk
// errors"): a write whose batch failed is never answered OK and is undone in memory, further
// writes are refused with Redis's MISCONF text while reads keep working, writes resume once a
// probe reaches the disk again, and nothing acknowledged is lost, even by a power cut afterwards.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildFaultfs, faultfsEnv, revertToLastSync, setFault, type FaultMode } from '../support/faultfs.js'
import { startServer, type RunningServer } from '../support/server.js'

const MISCONF = 'MISCONF Errors writing to the AOF file: '
const ENOSPC_TEXT = `${MISCONF}No space left on device`
const EIO_TEXT = `${MISCONF}Input/output error`
/** The server probes the disk once a second; a few probes' worth is ample to see it resume. */
const RESUME_WITHIN_MS = 5000
const WRITERS = 10
const FAULT_CYCLES: readonly FaultMode[] = ['enospc', 'eio-fsync', 'enospc']

interface Sandbox {
  readonly root: string
  readonly dir: string
  readonly journalDir: string
  readonly control: string
}

const sandbox = (): Sandbox => {
  const root = mkdtempSync(join(tmpdir(), 'wtr-disk-errors-'))
  const dir = join(root, 'data')
  const journalDir = join(root, 'journal')
  mkdirSync(dir)
  mkdirSync(journalDir)
  return { root, dir, journalDir, control: join(root, 'fault') }
}

const startUnderShim = async (box: Sandbox): Promise<RunningServer> => {
  await setFault(box.control, 'healthy')
  const env = faultfsEnv({ dir: box.dir, journalDir: box.journalDir, controlFile: box.control })
  return startServer({ dir: box.dir, env })
}

const client = (port: number): Redis => {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  // The SIGKILL resets every connection.
  redis.on('error', () => {})
  return redis
}

/** The reply to SET: 'OK', or the error text. */
const trySet = (redis: Redis, key: string, value: string): Promise<string> =>
  redis.set(key, value).then(
    (reply) => String(reply),
    (e: unknown) => (e as Error).message,
  )

/**
 * Sends the commands in one write, so that the server most likely runs them in one socket read
 * and commits them as one batch; returns each reply ('OK', a number, or the error text).
 */
const pipelined = async (redis: Redis, commands: readonly (readonly string[])[]): Promise<string[]> => {
  const results = (await redis.pipeline(commands.map((c) => [...c])).exec()) ?? []
  return results.map(([error, reply]) => (error === null ? String(reply) : error.message))
}

const lastWriteStatus = async (redis: Redis): Promise<string | undefined> =>
  /aof_last_write_status:(\w+)/.exec(await redis.info('persistence'))?.[1]

/** Retries a SET of fresh keys until one is answered OK; returns every key answered OK. */
const waitForWrites = async (redis: Redis, prefix: string): Promise<Map<string, string>> => {
  const acked = new Map<string, string>()
  const deadline = Date.now() + RESUME_WITHIN_MS
  const replies: string[] = []
  for (let n = 0; Date.now() < deadline; n++) {
    const key = `${prefix}:${n}`
    const reply = await trySet(redis, key, `resumed-${n}`)
    if (reply === 'OK') {
      acked.set(key, `resumed-${n}`)
      return acked
    }
    replies.push(reply)
    await sleep(100)
  }
  throw new Error(`writes did not resume within ${RESUME_WITHIN_MS} ms; replies: ${[...new Set(replies)].join(' | ')}`)
}

/** Keys of `expected` that are missing or hold another value. */
const missing = async (redis: Redis, expected: ReadonlyMap<string, string>): Promise<string[]> => {
  const keys = [...expected.keys()]
  const lost: string[] = []
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500)
    const values = await redis.mget(...slice)
    slice.forEach((key, j) => {
      if (values[j] !== expected.get(key)) lost.push(`${key}=${values[j]}`)
    })
  }
  return lost
}

/** Keys of `refused` that exist. */
const present = async (redis: Redis, refused: Iterable<string>): Promise<string[]> => {
  const keys = [...refused]
  const found: string[] = []
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500)
    const values = await redis.mget(...slice)
    slice.forEach((key, j) => {
      if (values[j] !== null) found.push(`${key}=${values[j]}`)
    })
  }
  return found
}

describe('disk errors (faultfs: ENOSPC and fdatasync EIO)', function () {
  this.timeout(20_000)
  const cleanup: (() => Promise<unknown>)[] = []

  before(async () => {
    await buildFaultfs()
  })

  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!().catch(() => {})
  })

  /** A sandbox and the server under the shim, both removed after the spec. */
  const setUp = async (): Promise<{ box: Sandbox; server: RunningServer; redis: Redis }> => {
    const box = sandbox()
    cleanup.push(async () => rmSync(box.root, { recursive: true, force: true }))
    const server = await startUnderShim(box)
    cleanup.push(() => server.kill())
    const redis = client(server.port)
    cleanup.push(async () => redis.disconnect())
    await redis.connect()
    return { box, server, redis }
  }

  it('ENOSPC: refuses writes with MISCONF, undoes the failed one, keeps reads, and resumes once the disk heals', async () => {
    const { box, redis } = await setUp()
    for (let n = 0; n < 5; n++) expect(await redis.set(`before:${n}`, `v${n}`)).to.equal('OK')
    expect(await lastWriteStatus(redis)).to.equal('ok')

    await setFault(box.control, 'enospc')
    // The batch that meets the full disk: a new key, an overwrite and a delete, all undone.
    const failedBatch = [
      ['set', 'during:0', 'never'],
      ['set', 'before:0', 'never'],
      ['del', 'before:1'],
    ]
    expect(await pipelined(redis, failedBatch)).to.deep.equal([ENOSPC_TEXT, ENOSPC_TEXT, ENOSPC_TEXT])
    // Later writes are refused outright.
    const refused = ['during:0', 'during:1', 'during:2']
    for (const key of refused.slice(1)) expect(await trySet(redis, key, 'never')).to.equal(ENOSPC_TEXT)

    expect(await redis.mget('before:0', 'before:1', 'before:4')).to.deep.equal(['v0', 'v1', 'v4'])
    expect(await present(redis, refused)).to.deep.equal([])
    expect(await redis.exists(...refused)).to.equal(0)
    expect(await lastWriteStatus(redis)).to.equal('err')

    await setFault(box.control, 'healthy')
    const resumed = await waitForWrites(redis, 'after')
    expect(await lastWriteStatus(redis)).to.equal('ok')
    expect(await missing(redis, resumed)).to.deep.equal([])
    expect(await redis.set('after:more', 'x')).to.equal('OK')
    expect(await redis.get('before:0')).to.equal('v0')
  })

  it('PFCOUNT answers the count while writes are refused, as Redis, and stores its refreshed cache only once they resume', async () => {
    const { box, redis } = await setUp()
    expect(await redis.pfadd('hll', 'a', 'b', 'c')).to.equal(1)
    const stored = await redis.getBuffer('hll')
    await setFault(box.control, 'enospc')
    expect(await trySet(redis, 'during', 'never')).to.equal(ENOSPC_TEXT)
    // Its cache is stale after PFADD: counting would refresh it, which is a write.
    expect(await redis.pfcount('hll')).to.equal(3)
    expect(await redis.pfcount('hll')).to.equal(3)
    expect(await redis.getBuffer('hll')).to.deep.equal(stored)
    expect(await trySet(redis, 'during', 'never')).to.equal(ENOSPC_TEXT)

    await setFault(box.control, 'healthy')
    await waitForWrites(redis, 'after')
    expect(await redis.pfcount('hll')).to.equal(3)
    // Refreshed and stored now: the cache's validity bit (the top bit of byte 15) is cleared.
    expect((await redis.getBuffer('hll'))![15]! & 0x80).to.equal(0)
    expect(stored![15]! & 0x80).to.equal(0x80)
  })

  it('ENOSPC: a SWAPDB in the failed batch is undone, for the connections SELECTed into either database too', async () => {
    const { box, server, redis } = await setUp()
    const inDb1 = client(server.port)
    cleanup.push(async () => inDb1.disconnect())
    await inDb1.connect()
    await inDb1.select(1)
    expect(await redis.set('a', 'db0')).to.equal('OK')
    expect(await inDb1.set('a', 'db1')).to.equal('OK')

    await setFault(box.control, 'enospc')
    expect(await pipelined(redis, [['swapdb', '0', '1'], ['set', 'b', 'never']])).to.deep.equal([ENOSPC_TEXT, ENOSPC_TEXT])
    expect(await redis.mget('a', 'b')).to.deep.equal(['db0', null])
    expect(await inDb1.mget('a', 'b')).to.deep.equal(['db1', null])

    await setFault(box.control, 'healthy')
    await waitForWrites(redis, 'after')
    expect(await redis.call('SWAPDB', '0', '1')).to.equal('OK')
    expect(await redis.get('a')).to.equal('db1')
    expect(await inDb1.get('a')).to.equal('db0')
  })

  it('fdatasync EIO: the write in flight fails and is undone; after healing and a power cut every OK survives', async () => {
    const { box, server, redis } = await setUp()
    const acked = new Map<string, string>()
    for (let n = 0; n < 5; n++) {
      expect(await redis.set(`before:${n}`, `v${n}`)).to.equal('OK')
      acked.set(`before:${n}`, `v${n}`)
    }

    await setFault(box.control, 'eio-fsync')
    const failedBatch = [
      ['set', 'failed:0', 'never'],
      ['set', 'before:2', 'never'],
    ]
    expect(await pipelined(redis, failedBatch)).to.deep.equal([EIO_TEXT, EIO_TEXT])
    expect(await trySet(redis, 'failed:1', 'never')).to.equal(EIO_TEXT)
    expect(await redis.mget('failed:0', 'failed:1', 'before:2')).to.deep.equal([null, null, 'v2'])
    expect(await lastWriteStatus(redis)).to.equal('err')

    await setFault(box.control, 'healthy')
    for (const [key, value] of await waitForWrites(redis, 'after')) acked.set(key, value)
    for (let n = 0; n < 5; n++) {
      expect(await redis.set(`later:${n}`, `l${n}`)).to.equal('OK')
      acked.set(`later:${n}`, `l${n}`)
    }
    expect(await lastWriteStatus(redis)).to.equal('ok')

    redis.disconnect()
    await server.kill()
    await revertToLastSync(box.dir, box.journalDir)
    const restarted = await startServer({ dir: box.dir })
    cleanup.push(() => restarted.stop())
    const check = client(restarted.port)
    cleanup.push(async () => check.disconnect())
    await check.connect()
    expect(await missing(check, acked)).to.deep.equal([])
    expect(await present(check, ['failed:0', 'failed:1'])).to.deep.equal([])
  })

  it('concurrent writers while the disk fails and heals: every OK survives a power cut, no refused write does', async () => {
    const { box, server } = await setUp()
    /** key -> value for every SET answered OK; every key is sent once, with its own value. */
    const acked = new Map<string, string>()
    const refused = new Set<string>()
    const otherReplies = new Set<string>()
    const stop = { now: false }

    const clients = Array.from({ length: WRITERS }, () => client(server.port))
    for (const c of clients) cleanup.push(async () => c.disconnect())
    await Promise.all(clients.map((c) => c.connect()))
    const writers = clients.map(async (redis, id) => {
      for (let n = 0; !stop.now; n++) {
        const key = `w${id}:${n}`
        const value = `w${id}:${n}:${Math.random().toString(36).slice(2)}`
        const reply = await trySet(redis, key, value)
        if (reply === 'OK') acked.set(key, value)
        else {
          refused.add(key)
          if (!reply.startsWith(MISCONF)) otherReplies.add(reply)
          // Refusals come back at once; do not spin on them.
          await sleep(10)
        }
      }
    })

    /** Resolves once `count()` has grown past its present value. */
    const grows = async (count: () => number, what: string): Promise<void> => {
      const from = count()
      const deadline = Date.now() + RESUME_WITHIN_MS
      while (count() <= from) {
        if (Date.now() > deadline) throw new Error(`no ${what} within ${RESUME_WITHIN_MS} ms`)
        await sleep(20)
      }
    }

    try {
      for (const mode of FAULT_CYCLES) {
        await sleep(200)
        await setFault(box.control, mode)
        await grows(() => refused.size, `refusal after ${mode}`)
        await sleep(100)
        await setFault(box.control, 'healthy')
        await grows(() => acked.size, `acknowledged write after healing ${mode}`)
      }
      await sleep(100)
    } finally {
      stop.now = true
      await Promise.all(writers)
    }
    expect([...otherReplies]).to.deep.equal([])
    expect(refused.size).to.be.greaterThan(0)
    expect(acked.size).to.be.greaterThan(0)
    // Memory already matches the log: the failed batches were undone, not merely unlogged.
    expect(await missing(clients[0]!, acked), 'live, before the power cut').to.deep.equal([])
    expect(await present(clients[0]!, refused), 'live, before the power cut').to.deep.equal([])
    for (const c of clients) c.disconnect()

    await server.kill()
    await revertToLastSync(box.dir, box.journalDir)
    const restarted = await startServer({ dir: box.dir })
    cleanup.push(() => restarted.stop())
    const check = client(restarted.port)
    cleanup.push(async () => check.disconnect())
    await check.connect()
    const summary = `${acked.size} acknowledged, ${refused.size} refused`
    expect(await missing(check, acked), summary).to.deep.equal([])
    expect(await present(check, refused), summary).to.deep.equal([])
    expect(await check.dbsize(), summary).to.equal(acked.size)
  })

  // Under everysec a failed background fdatasync (or append) makes the WAL drop every record
  // appended since its last good sync; those writes were acknowledged, so the durability actor
  // writes them again in its probe record before writes resume.
  it('everysec: a write acknowledged before a failed background fdatasync survives a clean restart', async () => {
    const { box, server, redis } = await setUp()
    // A first write opens the WAL's segment (which syncs) under always; then everysec, so the
    // next write is acknowledged once appended, with no fdatasync of its own.
    expect(await redis.set('first', 'synced')).to.equal('OK')
    expect(await redis.config('SET', 'appendfsync', 'everysec')).to.equal('OK')
    const deadline = Date.now() + RESUME_WITHIN_MS

    // Acknowledged once appended; the background sync after it fails.
    await setFault(box.control, 'eio-fsync')
    expect(await redis.set('acked', 'before the failure')).to.equal('OK')
    while ((await lastWriteStatus(redis)) === 'ok' && Date.now() < deadline) await sleep(50)
    expect(await lastWriteStatus(redis)).to.equal('err')

    await setFault(box.control, 'healthy')
    const resumed = await waitForWrites(redis, 'after')
    expect(await redis.get('acked')).to.equal('before the failure')
    redis.disconnect()
    expect(await server.stop()).to.equal(0)

    const restarted = await startServer({ dir: box.dir })
    cleanup.push(() => restarted.stop())
    const check = client(restarted.port)
    cleanup.push(async () => check.disconnect())
    await check.connect()
    expect(await missing(check, new Map([...resumed, ['first', 'synced']])), 'synced before, or written after the disk healed').to.deep.equal([])
    expect(await check.get('acked'), 'acknowledged before the failure').to.equal('before the failure')
  })
})
