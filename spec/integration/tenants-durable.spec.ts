// Tenants are data: the registry, passwords, quotas and durability settings survive a graceful
// restart and SIGKILL, as do the tenants' keys. Dropping a tenant of a million keys is a range
// delete (a new generation per database), nothing of it is readable afterwards, also after a
// restart. A tenant created with DURABILITY everysec is answered before fdatasync while the
// server's other writes keep fsync-before-reply.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/server.js'
import { errorOf } from '../support/errors.js'
import { checkpoint, infoField } from '../support/info.js'
import { fieldsOf, quietClient } from '../support/clients.js'

const ADMIN = 'admin-pw'

describe('tenants survive restarts and kill -9; drop; per-tenant durability', function () {
  this.timeout(180_000)
  let dir: string
  let server: RunningServer | undefined
  const clients: Redis[] = []
  const open = (options: { username?: string; password?: string } = {}): Redis => {
    const redis = quietClient(server!.port, options)
    clients.push(redis)
    return redis
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wtr-tenants-'))
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect()
    await server?.kill()
    server = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps tenants, passwords, quotas, durability and each tenant’s keys across SHUTDOWN and SIGKILL', async () => {
    server = await startServer({ dir, args: ['--requirepass', ADMIN] })
    const admin = open({ password: ADMIN })
    expect(await admin.call('TENANT', 'CREATE', 'alpha', 'pa', 'MAXKEYS', '5', 'DURABILITY', 'everysec')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 'beta', 'pb')).to.equal('OK')
    const alpha = open({ username: 'alpha', password: 'pa' })
    const beta = open({ username: 'beta', password: 'pb' })
    await alpha.mset('k', 'alpha-v', 'n', '1')
    await beta.mset('k', 'beta-v', 'm', '2')
    await admin.set('k', 'admin-v')
    expect(await admin.call('TENANT', 'PASSWD', 'beta', 'pb2')).to.equal('OK')

    // A restart after SIGKILL: only the WAL holds the registry and the keys.
    await server.kill()
    server = await startServer({ dir, args: ['--requirepass', ADMIN] })
    const check = async (): Promise<void> => {
      const a = open({ username: 'alpha', password: 'pa' })
      expect(await a.mget('k', 'n', 'm')).to.deep.equal(['alpha-v', '1', null])
      const b = open()
      expect(await errorOf(b.call('AUTH', 'beta', 'pb'))).to.include('WRONGPASS')
      expect(await b.call('AUTH', 'beta', 'pb2')).to.equal('OK')
      expect(await b.mget('k', 'm', 'n')).to.deep.equal(['beta-v', '2', null])
      const root = open({ password: ADMIN })
      expect(await root.get('k')).to.equal('admin-v')
      expect(await root.call('TENANT', 'LIST')).to.deep.equal(['alpha', 'beta'])
      expect(fieldsOf(await root.call('TENANT', 'INFO', 'alpha'))).to.include({ maxkeys: 5, durability: 'everysec', keys: 2 })
      // The quota still holds.
      await a.mset('x1', '1', 'x2', '2', 'x3', '3')
      expect(await errorOf(a.set('x4', '4'))).to.include('ERR tenant quota exceeded')
      await a.del('x1', 'x2', 'x3')
    }
    await check()
    // Through a checkpoint (the registry in segments) and a graceful restart.
    const root = open({ password: ADMIN })
    await checkpoint(root)
    expect(await server.stop()).to.equal(0)
    server = await startServer({ dir, args: ['--requirepass', ADMIN] })
    await check()
  })

  it('drops a tenant of a million keys with one range delete: nothing of it is readable, also after a restart', async () => {
    server = await startServer({ dir, args: ['--requirepass', ADMIN] })
    const admin = open({ password: ADMIN })
    expect(await admin.call('TENANT', 'CREATE', 'big', 'pw')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 'neighbour', 'pw')).to.equal('OK')
    const big = open({ username: 'big', password: 'pw' })
    const neighbour = open({ username: 'neighbour', password: 'pw' })
    await neighbour.set('key:1', 'neighbour-value')
    const KEYS = 1_000_000
    const BATCH = 5_000
    for (let start = 0; start < KEYS; start += BATCH * 10) {
      const pipeline = big.pipeline()
      for (let b = start; b < Math.min(KEYS, start + BATCH * 10); b += BATCH) {
        const args: string[] = []
        for (let i = b; i < Math.min(KEYS, b + BATCH); i++) args.push(`key:${i}`, `v${i}`)
        pipeline.mset(...args)
      }
      await pipeline.exec()
    }
    expect(await big.dbsize()).to.equal(KEYS)
    // Part of it in segments, part only in the WAL and memory.
    await checkpoint(admin)

    const started = performance.now()
    expect(await admin.call('TENANT', 'DROP', 'big')).to.equal('OK')
    const tookMs = performance.now() - started
    console.log(`      TENANT DROP of ${KEYS} keys answered in ${tookMs.toFixed(1)} ms`)

    expect(await admin.call('TENANT', 'CREATE', 'big', 'pw')).to.equal('OK')
    const reborn = open({ username: 'big', password: 'pw' })
    expect(await reborn.dbsize()).to.equal(0)
    expect(await reborn.mget('key:0', 'key:1', `key:${KEYS - 1}`)).to.deep.equal([null, null, null])
    expect(await reborn.scan('0', 'COUNT', 1000)).to.deep.equal(['0', []])
    expect(await neighbour.get('key:1')).to.equal('neighbour-value')

    await server.kill()
    server = await startServer({ dir, args: ['--requirepass', ADMIN] })
    const after = open({ username: 'big', password: 'pw' })
    expect(await after.dbsize()).to.equal(0)
    expect(await after.mget('key:0', 'key:500000', `key:${KEYS - 1}`)).to.deep.equal([null, null, null])
    expect(await after.keys('key:99999*')).to.deep.equal([])
    const n = open({ username: 'neighbour', password: 'pw' })
    expect(await n.get('key:1')).to.equal('neighbour-value')
  })

  it('answers an everysec tenant before fdatasync and an always tenant after it, on one shared WAL', async () => {
    server = await startServer({ dir, args: ['--requirepass', ADMIN, '--appendfsync', 'always'] })
    const admin = open({ password: ADMIN })
    expect(await admin.call('TENANT', 'CREATE', 'relaxed', 'pw', 'DURABILITY', 'everysec')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 'strict', 'pw', 'DURABILITY', 'always')).to.equal('OK')
    const relaxed = open({ username: 'relaxed', password: 'pw' })
    const strict = open({ username: 'strict', password: 'pw' })
    const lsns = async (): Promise<{ last: number; synced: number }> => {
      const info = await admin.info('persistence')
      return { last: infoField(info, 'wal_last_lsn'), synced: infoField(info, 'wal_synced_lsn') }
    }
    // An always tenant's acknowledged write is synced when the reply arrives, every time.
    for (let i = 0; i < 20; i++) {
      await strict.set('k', `v${i}`)
      const { last, synced } = await lsns()
      expect(synced, `strict write ${i}`).to.equal(last)
    }
    // An everysec tenant's is acknowledged once written: the sync comes within a second.
    let unsyncedSeen = 0
    for (let i = 0; i < 20; i++) {
      await relaxed.set('k', `v${i}`)
      const { last, synced } = await lsns()
      if (synced < last) unsyncedSeen++
    }
    expect(unsyncedSeen, 'everysec replies seen before their fdatasync').to.be.greaterThan(0)
    await new Promise((r) => setTimeout(r, 1500))
    const settled = await lsns()
    expect(settled.synced).to.equal(settled.last)
    // Switching the tenant to always at runtime takes effect for its next write.
    expect(await admin.call('TENANT', 'SET', 'relaxed', 'DURABILITY', 'always')).to.equal('OK')
    for (let i = 0; i < 10; i++) {
      await relaxed.set('k', `w${i}`)
      const { last, synced } = await lsns()
      expect(synced, `relaxed write ${i} after SET DURABILITY always`).to.equal(last)
    }
    expect(await relaxed.get('k')).to.equal('w9')
  })
})
