// Tiering over the real server: a tenant nobody uses goes cold and its segments move to the HDD
// directory while a tenant in use stays on SSD; the moved data reads back the same, also after a
// restart. SIGKILL during migrations, again and again: no acknowledged write is lost, and after
// each start-up's cleanup every segment file exists exactly once, in the tier the manifest names.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/server.js'
import { infoField, waitFor } from '../support/info.js'
import { LsmStore } from '../../src/storage/lsm-store.js'
import { fieldsOf, quietClient } from '../support/clients.js'

const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.seg')).sort()

describe('tiering: cold tenants move to the HDD directory and back', function () {
  this.timeout(240_000)
  let root: string
  let server: RunningServer | undefined
  const clients: Redis[] = []
  const open = (options: { username?: string; password?: string } = {}): Redis => {
    const redis = quietClient(server!.port, options)
    clients.push(redis)
    return redis
  }
  const dirs = () => ({ dir: join(root, 'data'), hdd: join(root, 'hdd') })
  const start = async (extra: string[] = []): Promise<RunningServer> =>
    (server = await startServer({
      dir: dirs().dir,
      args: ['--hdd-dir', dirs().hdd, '--tier-cold-after', '1', '--tier-scan-interval', '1', '--wal-checkpoint-bytes', '1mb', ...extra],
    }))

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'wtr-tiering-'))
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect()
    await server?.kill()
    server = undefined
    rmSync(root, { recursive: true, force: true })
  })

  it('moves the idle tenant’s segments to HDD while the busy one stays on SSD; both read back, also after a restart', async () => {
    await start()
    const admin = open()
    for (const id of ['busy', 'idle']) expect(await admin.call('TENANT', 'CREATE', id, 'pw')).to.equal('OK')
    const busy = open({ username: 'busy', password: 'pw' })
    const idle = open({ username: 'idle', password: 'pw' })
    const value = (tenant: string, i: number): string => `${tenant}-${i}-${'v'.repeat(100)}`
    for (const [name, c] of [['busy', busy], ['idle', idle]] as const) {
      const pipeline = c.pipeline()
      for (let i = 0; i < 2000; i++) pipeline.set(`key:${i}`, value(name, i))
      await pipeline.exec()
    }
    await admin.bgsave()
    await waitFor('the flush', async () => infoField(await admin.info('persistence'), 'rdb_bgsave_in_progress') === 0)

    // Keep the busy tenant busy until the idle one's segments have all moved.
    let reading = true
    const reader = (async () => {
      let i = 0
      while (reading) {
        expect(await busy.get(`key:${i % 2000}`)).to.equal(value('busy', i % 2000))
        i++
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await waitFor(
      'the idle tenant on HDD',
      async () => {
        const t = fieldsOf(await admin.call('TENANT', 'INFO', 'idle'))
        return (t.hdd_segments as number) > 0 && t.ssd_segments === 0
      },
      30_000,
    )
    reading = false
    await reader
    const busyInfo = fieldsOf(await admin.call('TENANT', 'INFO', 'busy'))
    expect(busyInfo.ssd_segments as number, 'busy tenant segments on SSD').to.be.greaterThan(0)
    expect(busyInfo.hdd_segments, 'busy tenant segments on HDD').to.equal(0)
    expect(segmentFiles(dirs().hdd).length).to.be.greaterThan(0)
    const tiering = await admin.info('tiering')
    expect(infoField(tiering, 'tier_migrations')).to.be.greaterThan(0)
    expect(infoField(tiering, 'tier_hdd_bytes')).to.be.greaterThan(0)
    expect(fieldsOf(await admin.call('TIERING', 'STATUS')).migrations as number).to.be.greaterThan(0)
    await expect_values(idle, 'idle')

    // After a restart the idle tenant's keys are read from the HDD segments.
    expect(await server!.stop()).to.equal(0)
    await start(['--tier-scan-interval', '3600'])
    const idleAgain = open({ username: 'idle', password: 'pw' })
    await expect_values(idleAgain, 'idle')
    expect(fieldsOf(await open().call('TENANT', 'INFO', 'idle')).hdd_segments as number).to.be.greaterThan(0)
    expect(infoField(await open().info('memory'), 'wtr_disk_reads')).to.be.greaterThan(0)

    async function expect_values(c: Redis, tenant: string): Promise<void> {
      const keys = Array.from({ length: 2000 }, (_, i) => `key:${i}`)
      const got = await c.mget(...keys)
      expect(got.filter((v, i) => v !== value(tenant, i)).length, `${tenant} values wrong or missing`).to.equal(0)
    }
  })

  it('promotes an HDD tenant back to SSD after sustained reads from disk, and TIERING RUN runs a pass at once', async () => {
    await start(['--tier-scan-interval', '3600', '--tier-promote-heat', '4', '--maxmemory', '1mb'])
    const admin = open()
    expect(await admin.call('TENANT', 'CREATE', 'sleepy', 'pw')).to.equal('OK')
    const sleepy = open({ username: 'sleepy', password: 'pw' })
    const pipeline = sleepy.pipeline()
    for (let i = 0; i < 5000; i++) pipeline.set(`key:${i}`, `value-${i}-${'x'.repeat(300)}`)
    await pipeline.exec()
    // Memory pressure may have started a flush already: wait for it, then flush the rest.
    await waitFor('a flush to start', async () => {
      if (infoField(await admin.info('persistence'), 'rdb_bgsave_in_progress') === 1) return false
      return (await admin.bgsave().then(() => true, () => false))
    })
    await waitFor('the flush', async () => infoField(await admin.info('persistence'), 'rdb_bgsave_in_progress') === 0)
    // A pass closes the period in which the tenant was busy writing; after a quiet second the
    // next one finds its range cold.
    await admin.call('TIERING', 'RUN')
    await new Promise((r) => setTimeout(r, 1500))
    // Taken before the pass that demotes: the server's move time is no earlier.
    const demotedAt = Date.now()
    const run = fieldsOf(await admin.call('TIERING', 'RUN'))
    expect(run.moved as number, JSON.stringify(run)).to.be.greaterThan(0)
    expect(fieldsOf(await admin.call('TENANT', 'INFO', 'sleepy')).ssd_segments).to.equal(0)
    // Reads that reach the disk (maxmemory keeps most keys there), pass after pass. A segment
    // stays where it was moved for at least tier-cold-after (1 s here, the hysteresis), so the
    // passes go on for a while, however fast the reads are.
    let promotedAt: number | undefined
    while (promotedAt === undefined && Date.now() - demotedAt < 10_000) {
      for (let i = 0; i < 5000; i += 7) expect(await sleepy.get(`key:${i}`)).to.equal(`value-${i}-${'x'.repeat(300)}`)
      await admin.call('TIERING', 'RUN')
      if ((fieldsOf(await admin.call('TENANT', 'INFO', 'sleepy')).ssd_segments as number) > 0) promotedAt = Date.now()
    }
    expect(promotedAt, 'promoted after sustained reads').not.to.equal(undefined)
    expect(promotedAt! - demotedAt, 'not before the segment stayed tier-cold-after where it was moved').to.be.at.least(1000)
    expect(infoField(await admin.info('tiering'), 'tier_promotions')).to.be.greaterThan(0)
  })

  it('loses nothing and leaves exactly one copy of every segment when killed during migrations, cycle after cycle', async () => {
    const acked = new Map<string, Map<string, string>>([['t1', new Map()], ['t2', new Map()]])
    let killedMidPass = 0
    for (let cycle = 0; cycle < 5; cycle++) {
      await start()
      const admin = open()
      if (cycle === 0) for (const id of acked.keys()) await admin.call('TENANT', 'CREATE', id, 'pw')
      // Every acknowledged write so far reads back.
      for (const [id, keys] of acked) {
        const c = open({ username: id, password: 'pw' })
        const names = [...keys.keys()]
        for (let i = 0; i < names.length; i += 500) {
          const slice = names.slice(i, i + 500)
          const got = await c.mget(...slice)
          const lost = slice.filter((k, j) => got[j] !== keys.get(k))
          expect(lost, `${id} lost after restart ${cycle}`).to.deep.equal([])
        }
      }
      // Each cycle one tenant writes and the other rests (its segments go cold and move).
      const writer = cycle % 2 === 0 ? 't1' : 't2'
      const c = open({ username: writer, password: 'pw' })
      const ledger = acked.get(writer)!
      let stop = false
      const writing = (async () => {
        for (let n = 0; !stop; n++) {
          const key = `c${cycle}:k${n}`
          const value = `${writer}-${cycle}-${n}-${'y'.repeat(200)}`
          try {
            await c.set(key, value)
            ledger.set(key, value)
          } catch {
            return
          }
        }
      })()
      const deadline = Date.now() + 8000
      await new Promise((r) => setTimeout(r, 1200))
      let caught = false
      while (!caught && Date.now() < deadline) {
        caught = infoField(await admin.info('tiering'), 'tier_pass_in_progress') === 1
      }
      await server!.kill()
      if (caught) killedMidPass++
      stop = true
      await writing
      for (const x of clients.splice(0)) x.disconnect()
      server = undefined

      // What start-up does first: open the store (deleting whatever copy the manifest does not
      // name). Then every live segment is in exactly one directory, the one its tier names.
      const { dir, hdd } = dirs()
      const store = await LsmStore.open({ dir: join(dir, 'manifest'), ssdDir: join(dir, 'ssd'), hddDir: hdd })
      try {
        const ssdFiles = segmentFiles(join(dir, 'ssd'))
        const hddFiles = segmentFiles(hdd)
        expect(ssdFiles.filter((f) => hddFiles.includes(f)), 'files in both tiers').to.deep.equal([])
        expect(ssdFiles).to.deep.equal(store.segments.filter((s) => s.tier === 'ssd').map((s) => s.file).sort())
        expect(hddFiles).to.deep.equal(store.segments.filter((s) => s.tier === 'hdd').map((s) => s.file).sort())
      } finally {
        await store.close()
      }
    }
    await start()
    for (const [id, keys] of acked) {
      const c = open({ username: id, password: 'pw' })
      const names = [...keys.keys()]
      expect(names.length).to.be.greaterThan(0)
      const got = await c.mget(...names)
      expect(names.filter((k, j) => got[j] !== keys.get(k)), `${id} lost at the end`).to.deep.equal([])
    }
    expect(infoField(await open().info('tiering'), 'tier_hdd_segments'), 'segments on HDD at the end').to.be.greaterThan(0)
    expect(killedMidPass, 'kills that landed during a tiering pass').to.be.greaterThan(0)
  })
})
