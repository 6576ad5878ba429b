// Client tracking beyond what redis-server can be compared with: tenants (each tenant's tracking
// sees only its own keys and clients, named as the tenant names them), node-redis's client-side
// cache served by this server, tracking-table-max-keys with INFO's tracking figures, and records
// moved to disk under maxmemory, which are not changes.

import { expect } from 'chai'
import { BasicClientSideCache, createClient } from 'redis'
import { startServer, type RunningServer } from '../support/server.js'
import { rawClient, replies, type RawClient } from '../support/raw.js'
import { encodeCommand } from '../support/big-strings.js'

const ADMIN = 'admin-pw'

const invalidate = (...keys: string[]): string =>
  `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`
const INVALIDATE_ALL = '>2\r\n$10\r\ninvalidate\r\n_\r\n'

/** Sends one command and returns its reply (and whatever was pushed before it) as text. */
const ask = async (c: RawClient, ...argv: string[]): Promise<string> => {
  c.send(encodeCommand(argv))
  return (await c.read(replies(1))).toString('latin1')
}

/** Everything pushed to `c` since its last read, up to the PONG of a PING sent now. */
const pushed = async (c: RawClient): Promise<string> => {
  c.send(encodeCommand(['PING']))
  const stream = (await c.read((b) => b.toString('latin1').endsWith('+PONG\r\n'))).toString('latin1')
  return stream.slice(0, -'+PONG\r\n'.length)
}

const infoField = (info: string, field: string): number => Number(new RegExp(`${field}:(\\d+)`).exec(info)![1])

describe('client tracking: tenants', function () {
  this.timeout(60_000)
  let server: RunningServer
  const open: RawClient[] = []

  /** A RESP3 connection logged in as `user` (the admin without one). */
  const login = async (...user: string[]): Promise<RawClient> => {
    const c = await rawClient(server.port)
    open.push(c)
    c.send(Buffer.concat([encodeCommand(['AUTH', ...(user.length === 0 ? [ADMIN] : user)]), encodeCommand(['HELLO', '3'])]))
    await c.read(replies(2))
    return c
  }

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN] })
    const admin = await login()
    expect(await ask(admin, 'TENANT', 'CREATE', 't1', 'p1')).to.equal('+OK\r\n')
    expect(await ask(admin, 'TENANT', 'CREATE', 't2', 'p2')).to.equal('+OK\r\n')
  })

  afterEach(() => {
    while (open.length > 0) open.pop()!.socket.destroy()
  })

  after(async () => {
    await server?.stop()
  })

  it('a change invalidates the readers of its own tenant only, with the key as the tenant names it', async () => {
    const readers = [await login(), await login('t1', 'p1'), await login('t2', 'p2')]
    const broadcasts = [await login(), await login('t1', 'p1'), await login('t2', 'p2')]
    const writers = [await login(), await login('t1', 'p1'), await login('t2', 'p2')]
    for (let i = 0; i < 3; i++) {
      expect(await ask(readers[i]!, 'CLIENT', 'TRACKING', 'ON')).to.equal('+OK\r\n')
      expect(await ask(readers[i]!, 'GET', 'k')).to.equal('_\r\n')
      expect(await ask(broadcasts[i]!, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'k')).to.equal('+OK\r\n')
    }
    // Tenant t1 writes k: only t1's reader and t1's broadcast client hear of it.
    expect(await ask(writers[1]!, 'SET', 'k', 'v')).to.equal('+OK\r\n')
    expect(await pushed(readers[1]!)).to.equal(invalidate('k'))
    expect(await pushed(broadcasts[1]!)).to.equal(invalidate('k'))
    for (const i of [0, 2]) {
      expect(await pushed(readers[i]!), `tenant ${i}'s reader`).to.equal('')
      expect(await pushed(broadcasts[i]!), `tenant ${i}'s broadcast client`).to.equal('')
    }
    // The admin's and t2's readers still hold k: their own tenants' writes reach them.
    expect(await ask(writers[2]!, 'SELECT', '3')).to.equal('+OK\r\n')
    expect(await ask(writers[2]!, 'INCR', 'k')).to.equal(':1\r\n')
    expect(await pushed(readers[2]!)).to.equal(invalidate('k'))
    expect(await pushed(broadcasts[2]!)).to.equal(invalidate('k'))
    expect(await pushed(readers[0]!)).to.equal('')
    expect(await ask(writers[0]!, 'DEL', 'k')).to.equal(':0\r\n')
    expect(await pushed(readers[0]!), 'DEL of an absent key changes nothing').to.equal('')
    expect(await ask(writers[0]!, 'SET', 'k', 'admin')).to.equal('+OK\r\n')
    expect(await pushed(readers[0]!)).to.equal(invalidate('k'))
    expect(await pushed(broadcasts[0]!)).to.equal(invalidate('k'))

    // A tenant's FLUSHALL: a null to that tenant's tracking clients only.
    expect(await ask(writers[1]!, 'FLUSHALL')).to.equal('+OK\r\n')
    expect(await pushed(readers[1]!)).to.equal(INVALIDATE_ALL)
    expect(await pushed(broadcasts[1]!)).to.equal(INVALIDATE_ALL)
    for (const i of [0, 2]) {
      expect(await pushed(readers[i]!)).to.equal('')
      expect(await pushed(broadcasts[i]!)).to.equal('')
    }
  })

  it('REDIRECT reaches only a connection of the same tenant; one that leaves the tenant breaks it', async () => {
    const t1 = await login('t1', 'p1')
    const t1Target = await login('t1', 'p1')
    const t2Target = await login('t2', 'p2')
    const adminTarget = await login()
    const idOf = async (c: RawClient): Promise<string> => (await ask(c, 'CLIENT', 'ID')).slice(1, -2)
    const missing = '-ERR The client ID you want redirect to does not exist\r\n'
    expect(await ask(t1, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', await idOf(t2Target))).to.equal(missing)
    expect(await ask(t1, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', await idOf(adminTarget))).to.equal(missing)
    const targetId = await idOf(t1Target)
    expect(await ask(t1, 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', targetId)).to.equal('+OK\r\n')
    expect(await ask(t1, 'CLIENT', 'GETREDIR')).to.equal(`:${targetId}\r\n`)
    expect(await ask(t1, 'GET', 'r')).to.equal('_\r\n')
    // The target is the writer itself: the invalidation goes ahead of its reply, as in Redis.
    expect(await ask(t1Target, 'SET', 'r', '1')).to.equal(invalidate('r') + '+OK\r\n')
    expect(await ask(t1, 'GET', 'r')).to.equal('$1\r\n1\r\n')
    expect(await ask(t2Target, 'SET', 'r', 'other tenant')).to.equal('+OK\r\n')
    expect(await pushed(t1Target)).to.equal('')
    // The target logs in as another tenant: for t1 it is gone.
    expect(await ask(t1Target, 'AUTH', 't2', 'p2')).to.equal('+OK\r\n')
    expect(await ask(await login('t1', 'p1'), 'SET', 'r', '2')).to.equal('+OK\r\n')
    expect(await pushed(t1)).to.equal(`>2\r\n$21\r\ntracking-redir-broken\r\n:${targetId}\r\n`)
    expect(await pushed(t1Target)).to.equal('')
    expect(await ask(t1, 'CLIENT', 'TRACKINGINFO')).to.contain('broken_redirect')
  })

  it('AUTH as another tenant and RESET turn tracking off; INFO counts each tenant\'s own', async () => {
    const t1 = await login('t1', 'p1')
    const t1b = await login('t1', 'p1')
    const t2 = await login('t2', 'p2')
    await ask(t1, 'CLIENT', 'TRACKING', 'ON')
    await ask(t1, 'MGET', 'a', 'b', 'c')
    await ask(t1b, 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'y')
    await ask(t2, 'CLIENT', 'TRACKING', 'ON')
    await ask(t2, 'GET', 'a')
    const info1 = await ask(t1, 'INFO')
    expect([infoField(info1, 'tracking_clients'), infoField(info1, 'tracking_total_keys'), infoField(info1, 'tracking_total_items'),
      infoField(info1, 'tracking_total_prefixes')]).to.deep.equal([2, 3, 3, 2])
    const info2 = await ask(t2, 'INFO')
    expect([infoField(info2, 'tracking_clients'), infoField(info2, 'tracking_total_keys')]).to.deep.equal([1, 1])
    const admin = await ask(await login(), 'INFO')
    expect([infoField(admin, 'tracking_clients'), infoField(admin, 'tracking_total_keys')]).to.deep.equal([3, 4])

    expect(await ask(t1, 'AUTH', 't2', 'p2')).to.equal('+OK\r\n')
    expect(await ask(t1, 'CLIENT', 'TRACKINGINFO')).to.contain('off')
    expect(await ask(t1b, 'RESET')).to.equal('+RESET\r\n')
    expect(await ask(t1b, 'AUTH', 't1', 'p1')).to.equal('+OK\r\n')
    const after = await ask(t1b, 'INFO')
    // Nobody tracks in t1 any more: its table is gone with what it remembered.
    expect([infoField(after, 'tracking_clients'), infoField(after, 'tracking_total_keys'), infoField(after, 'tracking_total_prefixes')])
      .to.deep.equal([0, 0, 0])
  })
})

describe('client tracking: node-redis client-side cache', function () {
  this.timeout(60_000)
  let server: RunningServer

  before(async () => {
    server = await startServer()
  })

  after(async () => {
    await server?.stop()
  })

  it('serves repeated reads from the cache until the server invalidates them', async () => {
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 })
    const cached = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP: 3, clientSideCache: cache })
    const writer = createClient({ socket: { port: server.port, host: '127.0.0.1' } })
    await cached.connect()
    await writer.connect()
    try {
      // node-redis turned tracking on, with no redirection: its own connection gets the pushes.
      expect(await cached.sendCommand(['CLIENT', 'GETREDIR'])).to.equal(0)
      await writer.set('k', 'one')
      expect(await cached.get('k')).to.equal('one')
      expect(await cached.get('k')).to.equal('one')
      expect(cache.stats().hitCount).to.equal(1)
      expect(cache.stats().missCount).to.equal(1)

      // A change by another client: the next read goes to the server and sees it.
      await writer.set('k', 'two')
      await waitUntil(() => cache.size() === 0)
      expect(await cached.get('k')).to.equal('two')
      expect(cache.stats().missCount).to.equal(2)
      expect(await cached.get('k')).to.equal('two')
      expect(cache.stats().hitCount).to.equal(2)

      // Expiry and FLUSHALL are changes too.
      await writer.set('e', 'soon', { PX: 100 })
      expect(await cached.get('e')).to.equal('soon')
      expect(cache.size()).to.equal(2)
      await waitUntil(() => cache.size() === 1, 3000)
      expect(await cached.get('e')).to.equal(null)
      expect(await cached.get('k')).to.equal('two')
      await writer.flushAll()
      await waitUntil(() => cache.size() === 0)
      expect(await cached.get('k')).to.equal(null)

      // Its own writes invalidate its own cache as well.
      await cached.set('k', 'three')
      expect(await cached.get('k')).to.equal('three')
      await cached.set('k', 'four')
      await waitUntil(() => cache.size() === 0)
      expect(await cached.get('k')).to.equal('four')
    } finally {
      await cached.quit()
      await writer.quit()
    }
  })
})

const waitUntil = async (condition: () => boolean, timeoutMs = 2000): Promise<void> => {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for the cache to be invalidated')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('client tracking: tracking-table-max-keys', function () {
  this.timeout(60_000)
  let server: RunningServer
  const open: RawClient[] = []

  before(async () => {
    server = await startServer()
  })

  afterEach(() => {
    while (open.length > 0) open.pop()!.socket.destroy()
  })

  after(async () => {
    await server?.stop()
  })

  it('over the limit, the oldest keys remembered are invalidated as if changed, before the next command', async () => {
    const reader = await rawClient(server.port)
    const other = await rawClient(server.port)
    open.push(reader, other)
    expect(await ask(reader, 'HELLO', '3')).to.contain('proto')
    expect(await ask(other, 'CONFIG', 'GET', 'tracking-table-max-keys')).to.equal('*2\r\n$23\r\ntracking-table-max-keys\r\n$7\r\n1000000\r\n')
    await ask(reader, 'CLIENT', 'TRACKING', 'ON')
    expect(await ask(reader, 'MGET', 'k1', 'k2', 'k3', 'k4')).to.equal('*4\r\n_\r\n_\r\n_\r\n_\r\n')
    expect(await ask(other, 'CONFIG', 'SET', 'tracking-table-max-keys', '2')).to.equal('+OK\r\n')
    // The next command (the reader's PING) trims the table first: k1 and k2, ahead of its reply.
    expect(await pushed(reader)).to.equal(invalidate('k1') + invalidate('k2'))
    const info = await ask(other, 'INFO', 'stats')
    expect([infoField(info, 'tracking_total_keys'), infoField(info, 'tracking_total_items')]).to.deep.equal([2, 2])
    // A read that takes the table over the limit: the next command (by anyone) trims it.
    expect(await ask(reader, 'GET', 'k5')).to.equal('_\r\n')
    expect(await ask(other, 'PING')).to.equal('+PONG\r\n')
    expect(await pushed(reader)).to.equal(invalidate('k3'))
    // Nothing changed for the keys kept: their next change invalidates them as usual.
    expect(await ask(other, 'MSET', 'k3', '1', 'k4', '1', 'k5', '1')).to.equal('+OK\r\n')
    expect(await pushed(reader)).to.equal(invalidate('k4') + invalidate('k5'))
    expect(await ask(other, 'CONFIG', 'SET', 'tracking-table-max-keys', '0')).to.equal('+OK\r\n')
    expect(await ask(reader, 'MGET', 'a', 'b', 'c')).to.equal('*3\r\n_\r\n_\r\n_\r\n')
    expect(await pushed(reader), 'no limit').to.equal('')
    expect(await ask(other, 'CONFIG', 'SET', 'tracking-table-max-keys', '-1')).to.contain('must be between 0 and')
  })
})

describe('client tracking: keys evicted to the store (--maxmemory 3mb)', function () {
  this.timeout(60_000)
  const KEYS = 20_000
  const TRACKED = 100
  const key = (i: number): string => `k:${String(i).padStart(6, '0')}`
  const value = (i: number): string => `${i}:`.padEnd(120, 'v')
  let server: RunningServer

  before(async () => {
    server = await startServer({ args: ['--maxmemory', '3mb', '--appendfsync', 'everysec', '--wal-checkpoint-bytes', '1mb'] })
  })

  after(async () => {
    await server?.stop()
  })

  it('a record moved to disk is not a change: no invalidation until the key really changes', async () => {
    const reader = await rawClient(server.port)
    const writer = await rawClient(server.port)
    try {
      await ask(reader, 'HELLO', '3')
      await ask(reader, 'CLIENT', 'TRACKING', 'ON')
      const tracked = Array.from({ length: TRACKED }, (_, i) => key(i))
      for (let i = 0; i < TRACKED; i++) expect(await ask(writer, 'SET', key(i), value(i))).to.equal('+OK\r\n')
      expect(await ask(reader, 'MGET', ...tracked)).to.match(/^\*100\r\n/)
      // Far more than memory holds, written after the tracked keys: most records go to disk.
      for (let i = TRACKED; i < KEYS; i += 1000) {
        const batch: string[] = []
        for (let j = i; j < i + 1000; j++) batch.push(key(j), value(j))
        expect(await ask(writer, 'MSET', ...batch)).to.equal('+OK\r\n')
      }
      const evicted = async (): Promise<number> => infoField(await ask(writer, 'INFO', 'memory'), 'wtr_evicted_to_disk_keys')
      const deadline = Date.now() + 20_000
      while ((await evicted()) < KEYS / 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      expect(await evicted()).to.be.at.least(KEYS / 2)
      expect(await pushed(reader), 'nothing changed for the reader').to.equal('')
      // Read back from disk, they are what was written; a real change is then told once per key.
      expect(await ask(reader, 'GET', key(7))).to.equal(`$${value(7).length}\r\n${value(7)}\r\n`)
      expect(await ask(writer, 'MSET', ...tracked.flatMap((k) => [k, 'new']))).to.equal('+OK\r\n')
      expect(await pushed(reader)).to.equal(tracked.map((k) => invalidate(k)).join(''))
    } finally {
      reader.socket.destroy()
      writer.socket.destroy()
    }
  })
})
