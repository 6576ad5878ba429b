// SWAPDB in a tenant: it exchanges two of the tenant's own databases and nothing of anyone else's
// (the same indexes of other tenants and of the default tenant, their connections SELECTed there,
// their WATCHes and their keyspace notifications), every tenant has the `databases` count of
// databases (16 here), and each tenant's swaps survive kill -9 on their own. A dropped tenant's
// swaps do not reach the tenant created again under its id.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { serverPool, type RunningServer } from '../support/server.js'
import { quietClient } from '../support/clients.js'

const ADMIN = 'admin-pw'
const pool = serverPool('wtr-tenants-swapdb-')

describe('SWAPDB and tenants', function () {
  this.timeout(60_000)
  const clients: Redis[] = []
  const login = (server: RunningServer, user: string): Redis => {
    const c = user === 'default' ? quietClient(server.port, { password: ADMIN }) : quietClient(server.port, { username: user, password: `${user}-pw` })
    clients.push(c)
    return c
  }
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect()
  })

  it('swaps only the tenant’s own databases, and each tenant’s swaps survive kill -9', async () => {
    const dir = pool.freshDir()
    let server = await pool.start({ dir, args: ['--requirepass', ADMIN] })
    const admin = login(server, 'default')
    for (const id of ['t1', 't2']) expect(await admin.call('TENANT', 'CREATE', id, `${id}-pw`)).to.equal('OK')
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')
    // The same names in db 0 and 1 of every tenant, each value naming its owner and database.
    for (const user of ['default', 't1', 't2']) {
      const c = login(server, user)
      await c.set('k', `${user}:0`)
      await c.select(1)
      await c.set('k', `${user}:1`)
    }
    const t1 = login(server, 't1')
    const t1InDb1 = login(server, 't1')
    await t1InDb1.select(1)
    const t2InDb0 = login(server, 't2')
    const t2Watcher = login(server, 't2')
    await t2Watcher.watch('k')
    const t2Events: string[] = []
    const t2Subscriber = login(server, 't2')
    t2Subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => t2Events.push(`${channel} ${message}`))
    await t2Subscriber.psubscribe('__key*__:*')
    const t1Events: string[] = []
    const t1Subscriber = login(server, 't1')
    t1Subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => t1Events.push(`${channel} ${message}`))
    await t1Subscriber.psubscribe('__key*__:*')

    expect(await t1.call('SWAPDB', '0', '1')).to.equal('OK')
    expect(await t1.get('k')).to.equal('t1:1')
    expect(await t1InDb1.get('k')).to.equal('t1:0')
    // Other tenants' databases 0 and 1 are as they were, and so is the default tenant's.
    expect(await t2InDb0.get('k')).to.equal('t2:0')
    expect(await admin.get('k')).to.equal('default:0')
    // t2's WATCH of k in its db 0 saw no change.
    expect(await t2Watcher.multi().ping().exec()).to.deep.equal([[null, 'PONG']])
    // Sixteen databases per tenant, as the server's `databases`: 15 is the last.
    expect(await t1.call('SWAPDB', '0', '16').catch((e: Error) => e.message)).to.equal('ERR DB index is out of range')
    expect(await t1.call('SWAPDB', '15', '2')).to.equal('OK')
    await t1.set('after', 'x')
    await t1InDb1.del('k')
    await new Promise((r) => setTimeout(r, 100))
    expect(t1Events).to.deep.equal(['__keyspace@0__:after set', '__keyevent@0__:set after', '__keyspace@1__:k del', '__keyevent@1__:del k'])
    expect(t2Events).to.deep.equal([])
    expect(await t2InDb0.call('SWAPDB', '0', '1')).to.equal('OK')
    for (const c of clients.splice(0)) c.disconnect()

    await server.kill()
    server = await pool.start({ dir, args: ['--requirepass', ADMIN] })
    const read = async (user: string): Promise<(string | null)[]> => {
      const c = login(server, user)
      const values: (string | null)[] = []
      for (const db of [0, 1, 2, 15]) {
        await c.select(db)
        values.push(await c.get('k'))
      }
      return values
    }
    expect(await read('default')).to.deep.equal(['default:0', 'default:1', null, null])
    expect(await read('t1')).to.deep.equal(['t1:1', null, null, null])
    expect(await read('t2')).to.deep.equal(['t2:1', 't2:0', null, null])

    // Dropped and created again: a new tenant, with its own databases in their own places.
    const again = login(server, 'default')
    expect(await again.call('TENANT', 'DROP', 't1')).to.equal('OK')
    expect(await again.call('TENANT', 'CREATE', 't1', 't1-pw')).to.equal('OK')
    const fresh = login(server, 't1')
    await fresh.set('k', 'new:0')
    expect(await read('t1')).to.deep.equal(['new:0', null, null, null])
  })
})
