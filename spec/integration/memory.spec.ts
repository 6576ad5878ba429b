// MEMORY STATS and MEMORY DOCTOR over TCP: Redis 7.0's fields in its order and its reply types,
// figures from this process, keys counted as DBSIZE counts them (keys only on disk after a restart
// included) and only the session's tenant's databases. The allocator subcommands' exact bytes are
// in the differential spec.

import { expect } from 'chai'
import { rawClient, replies } from '../support/raw.js'
import { clientPool } from '../support/clients.js'
import { haveRedis, startRedisServer } from '../support/redis-server.js'
import { startServer, type RunningServer } from '../support/server.js'
import { quietClient } from '../support/clients.js'

/** The field names of a RESP2 MEMORY STATS reply, db.N entries followed by their own fields. */
const fieldNames = (reply: unknown[]): string[] => {
  const names: string[] = []
  for (let i = 0; i < reply.length; i += 2) {
    const name = String(reply[i])
    names.push(name)
    if (name.startsWith('db.')) names.push(...fieldNames(reply[i + 1] as unknown[]).map((f) => `${name}.${f}`))
  }
  return names
}

const fieldsOf = (reply: unknown[]): Map<string, unknown> => {
  const fields = new Map<string, unknown>()
  for (let i = 0; i < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1])
  return fields
}

describe('MEMORY STATS and DOCTOR', function () {
  this.timeout(60_000)
  let server: RunningServer
  const pool = clientPool(() => server.port, 'admin-pw')
  afterEach(() => pool.disconnectAll())
  after(async () => server?.stop())

  it("names Redis 7.0's fields in Redis's order, for the databases that hold keys", async function () {
    if (!haveRedis) this.skip()
    server = await startServer({ args: ['--requirepass', 'admin-pw'] })
    const redis = await startRedisServer()
    try {
      const reference = quietClient(redis.port)
      const ours = pool.connect()
      for (const c of [reference, ours]) {
        await c.set('a', '1')
        await c.select(2)
        await c.set('b', '2', 'EX', 100)
      }
      const theirs = fieldNames((await reference.call('MEMORY', 'STATS')) as unknown[])
      reference.disconnect()
      expect(fieldNames((await ours.call('MEMORY', 'STATS')) as unknown[])).to.deep.equal(theirs)
      expect(theirs).to.include.members(['db.0', 'db.2', 'keys.count', 'fragmentation.bytes'])
    } finally {
      redis.stop()
    }
  })

  it('counts keys as DBSIZE does, those only on disk after a restart too, and only the tenant\'s', async () => {
    const dir = server.dir
    const admin = pool.connect()
    await admin.call('TENANT', 'CREATE', 'acme', 'acme-pw')
    const tenant = pool.connect({ username: 'acme', password: 'acme-pw' })
    for (let i = 0; i < 50; i++) await admin.set(`admin:${i}`, 'v')
    for (let i = 0; i < 7; i++) await tenant.set(`t:${i}`, 'v')
    await admin.call('SAVE')
    pool.disconnectAll()
    await server.kill()
    server = await startServer({ dir, args: ['--requirepass', 'admin-pw'] })
    const adminAgain = pool.connect()
    const stats = fieldsOf((await adminAgain.call('MEMORY', 'STATS')) as unknown[])
    // 51 keys in db 0 and 1 in db 2 (the first test's and these), read back from segments and the log.
    expect(stats.get('keys.count')).to.equal(52)
    expect([...stats.keys()].filter((k) => k.startsWith('db.'))).to.deep.equal(['db.0', 'db.2'])
    const tenantAgain = pool.connect({ username: 'acme', password: 'acme-pw' })
    const own = fieldsOf((await tenantAgain.call('MEMORY', 'STATS')) as unknown[])
    expect(own.get('keys.count')).to.equal(7)
    expect([...own.keys()].filter((k) => k.startsWith('db.'))).to.deep.equal(['db.0'])
    for (const name of ['peak.allocated', 'total.allocated', 'startup.allocated', 'dataset.bytes', 'allocator.resident']) {
      expect(own.get(name), name).to.be.a('number').and.to.be.greaterThan(0)
    }
    expect(Number(own.get('peak.allocated'))).to.be.at.least(Number(own.get('total.allocated')))
    // What Redis built without jemalloc answers: there is no allocator report here either.
    expect(await tenantAgain.call('MEMORY', 'MALLOC-STATS')).to.equal('Stats not supported for the current allocator')
  })

  it('is a map with doubles over RESP3, and DOCTOR a verbatim report', async () => {
    const c = await rawClient(server.port)
    try {
      c.send('*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$8\r\nadmin-pw\r\n')
      await c.read(replies(1))
      c.send('*2\r\n$6\r\nMEMORY\r\n$5\r\nSTATS\r\n*2\r\n$6\r\nMEMORY\r\n$6\r\nDOCTOR\r\n')
      const text = (await c.read(replies(2))).toString('latin1')
      expect(text).to.match(/^%\d+\r\n\+peak\.allocated\r\n:\d+\r\n/)
      expect(text).to.match(/\+peak\.percentage\r\n,[\d.e+-]+\r\n/)
      expect(text).to.match(/=\d+\r\ntxt:(Hi Sam, |Sam, I detected)[^\r]*\n\r\n$/)
    } finally {
      c.socket.destroy()
    }
  })
})
