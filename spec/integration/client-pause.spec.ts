// CLIENT PAUSE over TCP with ioredis: a paused client's commands are held, not refused, and
// complete once the pause ends (its timeout, or CLIENT UNPAUSE); under WRITE only writes (and
// PUBLISH, and EXEC of a transaction that writes) are held, reads answer at once; a tenant's
// pause holds only its own clients, the admin's every client.

import { expect } from 'chai'
import { startServer, type RunningServer } from '../support/server.js'
import { quietClient, clientPool } from '../support/clients.js'

const ADMIN = 'admin-pw'

/** The command's result and how long it took, in ms. */
const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now()
  const value = await run()
  return { value, ms: performance.now() - started }
}

describe('CLIENT PAUSE over TCP', function () {
  this.timeout(60_000)
  let server: RunningServer
  const { connect, disconnectAll } = clientPool(() => server.port, ADMIN)

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN] })
    const admin = connect()
    expect(await admin.call('TENANT', 'CREATE', 't1', 'p1')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 't2', 'p2')).to.equal('OK')
  })

  afterEach(async () => {
    await connect().call('CLIENT', 'UNPAUSE')
    disconnectAll()
  })

  after(async () => {
    await server?.stop()
  })

  it('WRITE: a write waits for the end of the pause, a read answers at once', async () => {
    const admin = connect()
    const writer = connect()
    const reader = connect()
    await writer.set('k', 'before')
    expect(await admin.call('CLIENT', 'PAUSE', '400', 'WRITE')).to.equal('OK')
    const write = timed(() => writer.set('k', 'after'))
    const read = await timed(() => reader.get('k'))
    expect(read.value).to.equal('before')
    expect(read.ms).to.be.below(200)
    const published = timed(() => reader.publish('ch', 'm'))
    expect((await write).value).to.equal('OK')
    expect((await write).ms).to.be.at.least(300)
    // PUBLISH is may_replicate: held under WRITE as in Redis.
    expect((await published).ms).to.be.at.least(250)
    expect(await reader.get('k')).to.equal('after')
  })

  it('WRITE: active expiry waits for the end of the pause, as in Redis', async () => {
    const admin = connect()
    const reader = connect()
    await admin.flushall()
    await admin.set('short', 'v', 'PX', 50)
    expect(await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE')).to.equal('OK')
    // Several cycles of the expiry actor (hz 10) pass: the expired key stays, counted by DBSIZE.
    await new Promise((r) => setTimeout(r, 500))
    expect(await reader.dbsize()).to.equal(1)
    expect(await admin.call('CLIENT', 'UNPAUSE')).to.equal('OK')
    await new Promise((r) => setTimeout(r, 500))
    expect(await reader.dbsize()).to.equal(0)
  })

  it('WRITE: queued writes and EXEC of a writing transaction are held; a read-only EXEC is not', async () => {
    const admin = connect()
    const a = connect()
    const b = connect()
    expect(await admin.call('CLIENT', 'PAUSE', '400', 'WRITE')).to.equal('OK')
    const reading = await timed(() => a.multi().get('x').exec())
    expect(reading.value).to.deep.equal([[null, null]])
    expect(reading.ms).to.be.below(200)
    const writing = await timed(() => b.multi().set('x', '1').exec())
    expect(writing.value).to.deep.equal([[null, 'OK']])
    expect(writing.ms).to.be.at.least(250)
  })

  it('ALL: every command waits, reads too, and its own connection with them; UNPAUSE from another tenant does not end it', async () => {
    const admin = connect()
    const other = connect()
    const tenant = connect({ username: 't1', password: 'p1' })
    for (const c of [admin, other, tenant]) expect(await c.ping()).to.equal('PONG')
    expect(await admin.call('CLIENT', 'PAUSE', '400', 'ALL')).to.equal('OK')
    const read = timed(() => other.get('k'))
    const own = timed(() => admin.ping())
    // A tenant cannot end the admin's pause, and is held by it.
    const unpause = timed(() => tenant.call('CLIENT', 'UNPAUSE'))
    for (const r of [await read, await own, await unpause]) expect(r.ms).to.be.at.least(300)
  })

  it('UNPAUSE ends the pause at once: the held commands complete, in order', async () => {
    const admin = connect()
    const writer = connect()
    expect(await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE')).to.equal('OK')
    const started = performance.now()
    const replies = Promise.all([writer.set('a', '1'), writer.incr('a'), writer.get('a')])
    await new Promise((r) => setTimeout(r, 200))
    expect(await admin.call('CLIENT', 'UNPAUSE')).to.equal('OK')
    expect(await replies).to.deep.equal(['OK', 2, '2'])
    expect(performance.now() - started).to.be.below(5000)
  })

  it("a tenant's pause holds only that tenant's clients", async () => {
    const t1 = connect({ username: 't1', password: 'p1' })
    const t1b = connect({ username: 't1', password: 'p1' })
    const t2 = connect({ username: 't2', password: 'p2' })
    const admin = connect()
    // Connected and authenticated first (a tenant's AUTH derives its password: it takes a while).
    for (const c of [t1, t1b, t2, admin]) expect(await c.ping()).to.equal('PONG')
    expect(await t1.call('CLIENT', 'PAUSE', '400', 'WRITE')).to.equal('OK')
    const held = timed(() => t1b.set('k', 'v'))
    const free = await timed(() => t2.set('k', 'v'))
    const adminFree = await timed(() => admin.set('k', 'v'))
    expect(free.ms).to.be.below(200)
    expect(adminFree.ms).to.be.below(200)
    expect((await held).ms).to.be.at.least(300)
  })

  it('commands refused before running (unknown, wrong arity) answer at once during a pause', async () => {
    const admin = connect()
    const c = connect()
    expect(await admin.call('CLIENT', 'PAUSE', '2000', 'ALL')).to.equal('OK')
    const refused = await timed(() => c.call('NOSUCH').catch((e: Error) => e.message))
    expect(refused.value).to.match(/^ERR unknown command 'NOSUCH'/)
    expect(refused.ms).to.be.below(1000)
  })

  it('a shutdown ends the pause: held commands are answered before the server exits', async () => {
    const own = await startServer()
    try {
      const admin = quietClient(own.port)
      const writer = quietClient(own.port)
      expect(await writer.ping()).to.equal('PONG')
      expect(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE')).to.equal('OK')
      const held = writer.set('k', 'v')
      await new Promise((r) => setTimeout(r, 100))
      const started = performance.now()
      const exit = own.stop()
      expect(await held).to.equal('OK')
      expect(await exit).to.equal(0)
      expect(performance.now() - started).to.be.below(10_000)
      admin.disconnect()
      writer.disconnect()
    } finally {
      await own.stop()
    }
  })
})
