// Transactions on the real server, driven by ioredis's multi() and raw commands: queueing and
// EXECABORT, runtime errors inside EXEC, optimistic locking with WATCH (broken by another
// client, by expiry, by FLUSHDB, by RENAME), tenants (keys and watches isolated), the RESP3
// null array, CLIENT LIST and INFO commandstats, atomicity against other clients, and EXEC
// refused while writes are (a disk failing under the faultfs shim).

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer, type RunningServer } from '../support/server.js'
import { quietClient } from '../support/clients.js'
import { rawClient, replies } from '../support/raw.js'
import { encodeCommand } from '../support/big-strings.js'
import { buildFaultfs, faultfsEnv, setFault } from '../support/faultfs.js'
import { infoField, waitFor } from '../support/info.js'

const ADMIN = 'admin-pw'

/** An ioredis EXEC result as [error message or null, reply] pairs, errors as their text. */
const settled = (result: [Error | null, unknown][] | null): unknown[] | null =>
  result === null ? null : result.map(([e, reply]) => (e === null ? reply : e.message))

const errorOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (reply) => `no error: ${JSON.stringify(reply)}`,
    (e: unknown) => (e as Error).message,
  )

describe('transactions (MULTI, EXEC, DISCARD, WATCH, UNWATCH) over TCP', function () {
  this.timeout(30_000)
  let server: RunningServer
  const clients: Redis[] = []
  const admin = (): Redis => {
    const c = quietClient(server.port, { password: ADMIN })
    clients.push(c)
    return c
  }

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN] })
    const a = admin()
    expect(await a.call('TENANT', 'CREATE', 'tx1', 'p1')).to.equal('OK')
    expect(await a.call('TENANT', 'CREATE', 'tx2', 'p2')).to.equal('OK')
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect()
    await quietClient(server.port, { password: ADMIN }).flushall()
  })
  after(async () => {
    await server?.stop()
  })

  it('multi().exec() answers every queued command in order, runtime errors in place', async () => {
    const redis = admin()
    await redis.set('s', 'abc')
    const result = await redis.multi().set('a', '1').incr('a').incr('s').get('a').mget('a', 's').exec()
    expect(settled(result)).to.deep.equal(['OK', 2, 'ERR value is not an integer or out of range', '2', ['2', 'abc']])
    expect(await redis.get('a')).to.equal('2')
  })

  it('a command refused while queueing makes EXEC answer EXECABORT, and nothing runs', async () => {
    const redis = admin()
    expect(await redis.call('MULTI')).to.equal('OK')
    expect(await redis.call('SET', 'q', '1')).to.equal('QUEUED')
    expect(await errorOf(redis.call('NOSUCH', 'x'))).to.match(/^ERR unknown command 'NOSUCH'/)
    expect(await errorOf(redis.call('GET'))).to.equal("ERR wrong number of arguments for 'get' command")
    expect(await errorOf(redis.call('EXEC'))).to.equal('EXECABORT Transaction discarded because of previous errors.')
    expect(await redis.exists('q')).to.equal(0)
    expect(await errorOf(redis.call('EXEC'))).to.equal('ERR EXEC without MULTI')
    expect(await errorOf(redis.call('DISCARD'))).to.equal('ERR DISCARD without MULTI')
  })

  it('DISCARD drops the queue; nested MULTI and WATCH inside MULTI are refused without flagging', async () => {
    const redis = admin()
    await redis.call('MULTI')
    await redis.call('SET', 'd', '1')
    expect(await redis.call('DISCARD')).to.equal('OK')
    expect(await redis.exists('d')).to.equal(0)
    await redis.call('MULTI')
    expect(await errorOf(redis.call('MULTI'))).to.equal('ERR MULTI calls can not be nested')
    expect(await errorOf(redis.call('WATCH', 'd'))).to.equal('ERR WATCH inside MULTI is not allowed')
    expect(await redis.call('SET', 'd', '2')).to.equal('QUEUED')
    expect(await redis.call('EXEC')).to.deep.equal(['OK'])
  })

  it('WATCH: a change by another client makes EXEC answer null and run nothing', async () => {
    const [a, b] = [admin(), admin()]
    await a.set('balance', '10')
    expect(await a.watch('balance')).to.equal('OK')
    const seen = Number(await a.get('balance'))
    await b.incrby('balance', 5)
    expect(await a.multi().set('balance', String(seen - 3)).set('spent', '3').exec()).to.equal(null)
    expect(await a.mget('balance', 'spent')).to.deep.equal(['15', null])
    // Retried, as an optimistic lock is: nothing changes it this time.
    await a.watch('balance')
    const now = Number(await a.get('balance'))
    expect(settled(await a.multi().set('balance', String(now - 3)).set('spent', '3').exec())).to.deep.equal(['OK', 'OK'])
    expect(await a.mget('balance', 'spent')).to.deep.equal(['12', '3'])
  })

  it('WATCH: broken by expiry, by FLUSHDB and by RENAME; UNWATCH forgets', async () => {
    const [a, b] = [admin(), admin()]
    await a.set('ttl', 'v', 'PX', 40)
    await a.watch('ttl')
    await sleep(80)
    expect(await a.multi().ping().exec(), 'expired').to.equal(null)

    await a.set('f', 'v')
    await a.watch('f')
    await b.flushdb()
    expect(await a.multi().ping().exec(), 'FLUSHDB').to.equal(null)

    await a.mset('src', '1', 'dst', '2')
    await a.watch('src')
    await b.rename('src', 'moved')
    expect(await a.multi().ping().exec(), 'RENAME source').to.equal(null)
    await a.watch('dst')
    await b.rename('moved', 'dst')
    expect(await a.multi().ping().exec(), 'RENAME destination').to.equal(null)

    await a.watch('dst')
    await b.set('dst', 'x')
    expect(await a.unwatch()).to.equal('OK')
    expect(settled(await a.multi().ping().exec()), 'after UNWATCH').to.deep.equal(['PONG'])
  })

  it('answers a broken watch with *-1 in RESP2 and _ in RESP3', async () => {
    for (const [resp, nullArray] of [['2', '*-1\r\n'], ['3', '_\r\n']] as const) {
      const c = await rawClient(server.port)
      const other = admin()
      try {
        const send = async (...argv: string[]): Promise<string> => {
          c.send(encodeCommand(argv))
          return (await c.read(replies(1))).toString('latin1')
        }
        await send('HELLO', resp, 'AUTH', 'default', ADMIN)
        expect(await send('WATCH', 'w')).to.equal('+OK\r\n')
        await other.set('w', '1')
        expect(await send('MULTI')).to.equal('+OK\r\n')
        expect(await send('GET', 'w')).to.equal('+QUEUED\r\n')
        expect(await send('EXEC')).to.equal(nullArray)
        expect(await send('MULTI')).to.equal('+OK\r\n')
        expect(await send('EXEC')).to.equal('*0\r\n')
      } finally {
        c.socket.destroy()
      }
    }
  })

  it('a tenant queues and watches its own keys only', async () => {
    const root = admin()
    const t1 = quietClient(server.port, { username: 'tx1', password: 'p1' })
    const t1b = quietClient(server.port, { username: 'tx1', password: 'p1' })
    const t2 = quietClient(server.port, { username: 'tx2', password: 'p2' })
    clients.push(t1, t1b, t2)
    await root.set('k', 'admin')
    await t2.set('k', 'tx2')
    expect(settled(await t1.multi().set('k', 'tx1').append('k', '!').get('k').exec())).to.deep.equal(['OK', 4, 'tx1!'])
    expect([await root.get('k'), await t1.get('k'), await t2.get('k')]).to.deep.equal(['admin', 'tx1!', 'tx2'])

    // The same key name changed in another tenant and in the default one breaks nothing.
    await t1.watch('k')
    await t2.set('k', 'again')
    await root.set('k', 'again')
    expect(settled(await t1.multi().incr('n').exec())).to.deep.equal([1])
    // Changed in its own tenant, by another of its connections, it does.
    await t1.watch('k')
    await t1b.set('k', 'changed')
    expect(await t1.multi().incr('n').exec()).to.equal(null)
    expect(await t1.get('n')).to.equal('1')
    // Admin-only commands queued by a tenant are refused while queueing.
    await t1.call('MULTI')
    expect(await errorOf(t1.call('CONFIG', 'GET', 'hz'))).to.include('NOPERM')
    expect(await errorOf(t1.call('EXEC'))).to.equal('EXECABORT Transaction discarded because of previous errors.')
  })

  it("a transaction that would cross its tenant's quota is refused whole at EXEC, and one within it runs", async () => {
    const root = admin()
    expect(await root.call('TENANT', 'CREATE', 'txq', 'pq', 'MAXKEYS', '3')).to.equal('OK')
    const q = quietClient(server.port, { username: 'txq', password: 'pq' })
    clients.push(q)
    await q.set('k0', 'v')
    // Each SET fits alone (so each is QUEUED); together they would make 4 keys of 3.
    await q.call('MULTI')
    for (const k of ['a', 'b', 'c']) expect(await q.call('SET', k, '1')).to.equal('QUEUED')
    expect(await errorOf(q.call('EXEC'))).to.match(/^EXECABORT Transaction discarded because of: tenant quota exceeded/)
    expect(await q.exists('a', 'b', 'c')).to.equal(0)
    expect(settled(await q.multi().set('a', '1').set('b', '2').exec())).to.deep.equal(['OK', 'OK'])
    expect(await q.dbsize()).to.equal(3)
  })

  it('CLIENT LIST shows x and the queued count; RESET ends the transaction', async () => {
    const redis = admin()
    await redis.call('CLIENT', 'SETNAME', 'txlist')
    await redis.call('MULTI')
    await redis.call('SET', 'a', '1')
    await redis.call('SET', 'b', '2')
    const line = (list: string): string => list.split('\n').find((l) => l.includes('name=txlist'))!
    const other = admin()
    expect(line(String(await other.call('CLIENT', 'LIST')))).to.match(/ flags=x .* multi=2 .* cmd=set /)
    const [info] = (await redis.call('EXEC').then(() => redis.multi().call('CLIENT', 'INFO').exec()))!
    expect(String(info![1])).to.match(/ flags=x .* multi=1 .* cmd=exec /)
    expect(line(String(await other.call('CLIENT', 'LIST')))).to.match(/ flags=N .* multi=-1 /)
    await redis.call('MULTI')
    expect(await redis.call('RESET')).to.equal('RESET')
    expect(await errorOf(redis.call('EXEC'))).to.equal('NOAUTH Authentication required.')
  })

  it('INFO commandstats counts MULTI and EXEC, and the queued commands once they run', async () => {
    const redis = admin()
    await redis.call('CONFIG', 'RESETSTAT')
    await redis.multi().set('c', '1').incr('c').incr('c').exec()
    await redis.call('MULTI')
    await redis.call('INCR', 'c')
    await redis.call('DISCARD')
    const stats = await redis.info('commandstats')
    const calls = (name: string): number => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
    expect([calls('multi'), calls('exec'), calls('discard'), calls('set'), calls('incr')]).to.deep.equal([2, 1, 1, 1, 2])
  })

  it('runs a transaction with nothing from another client in between', async () => {
    const writers = Array.from({ length: 8 }, () => admin())
    const observer = admin()
    let stop = false
    const torn: string[] = []
    const watching = (async () => {
      while (!stop) {
        const [x, y] = await observer.mget('x', 'y')
        if (x !== y) torn.push(`${x} ${y}`)
      }
    })()
    await Promise.all(
      writers.map(async (w, i) => {
        for (let n = 0; n < 200; n++) await w.multi().set('x', `${i}:${n}`).incr('ops').set('y', `${i}:${n}`).exec()
      }),
    )
    stop = true
    await watching
    expect(torn).to.deep.equal([])
    expect(await observer.get('ops')).to.equal('1600')
  })
})

describe('transactions while writes are refused (faultfs: ENOSPC)', function () {
  this.timeout(20_000)
  let root: string
  let server: RunningServer | undefined
  let redis: Redis

  before(async () => {
    await buildFaultfs()
    root = mkdtempSync(join(tmpdir(), 'wtr-tx-disk-'))
    const dir = join(root, 'data')
    const journalDir = join(root, 'journal')
    mkdirSync(dir)
    mkdirSync(journalDir)
    const control = join(root, 'fault')
    await setFault(control, 'healthy')
    server = await startServer({ dir, env: faultfsEnv({ dir, journalDir, controlFile: control }) })
    redis = quietClient(server.port)
    await redis.set('kept', 'before')
    await redis.call('MULTI')
    expect(await redis.call('SET', 'queued', 'healthy')).to.equal('QUEUED')
    await setFault(control, 'enospc')
  })
  after(async () => {
    redis?.disconnect()
    await server?.kill()
    rmSync(root, { recursive: true, force: true })
  })

  it('a transaction whose batch fails is undone whole, every reply the MISCONF error', async () => {
    const other = quietClient(server!.port)
    try {
      const result = await other.multi().set('t1', 'a').set('t2', 'b').incr('t3').exec().then(
        (r) => JSON.stringify(r),
        (e: unknown) => (e as Error).message,
      )
      expect(result).to.include('MISCONF Errors writing to the AOF file: No space left on device')
      expect(await other.mget('t1', 't2', 't3')).to.deep.equal([null, null, null])
    } finally {
      other.disconnect()
    }
  })

  it('refuses writes while queueing (EXECABORT), and EXEC of a transaction that writes', async () => {
    // Queued before the disk failed: EXEC itself is refused, naming the reason.
    expect(await errorOf(redis.call('EXEC'))).to.equal('EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF file: No space left on device')
    expect(await redis.exists('queued')).to.equal(0)
    await redis.call('MULTI')
    expect(await errorOf(redis.call('SET', 'x', '1'))).to.equal('MISCONF Errors writing to the AOF file: No space left on device')
    expect(await errorOf(redis.call('EXEC'))).to.equal('EXECABORT Transaction discarded because of previous errors.')
    // Reads only: runs.
    expect(settled(await redis.multi().get('kept').exists('x').exec())).to.deep.equal(['before', 0])
  })
})

describe('transactions over keys evicted to the store (--maxmemory 3mb)', function () {
  this.timeout(60_000)
  const KEYS = 20_000
  const key = (i: number): string => `k:${String(i).padStart(6, '0')}`
  const value = (i: number): string => `${i}:`.padEnd(120, String.fromCharCode(97 + (i % 26)))
  let server: RunningServer
  let redis: Redis

  before(async () => {
    server = await startServer({ args: ['--maxmemory', '3mb', '--appendfsync', 'everysec', '--wal-checkpoint-bytes', '1mb'] })
    redis = quietClient(server.port)
    for (let i = 0; i < KEYS; i += 1000) {
      const batch: string[] = []
      for (let j = i; j < i + 1000; j++) batch.push(key(j), value(j))
      await redis.mset(...batch)
    }
    await waitFor('keys evicted to the store', async () => infoField(await redis.info('memory'), 'wtr_disk_only_keys') > KEYS / 2, 20_000)
  })
  after(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  it('stages every queued command before EXEC runs them: reads, writes and keyspace-wide commands see the disk keys', async () => {
    const picked = [17, 4242, 9999, 15001, 19998]
    const result = await redis
      .multi()
      .get(key(picked[0]!))
      .mget(key(picked[1]!), key(picked[2]!), 'none')
      .append(key(picked[3]!), '!')
      .exists(key(picked[4]!), key(picked[0]!))
      .dbsize()
      .keys('k:00001*')
      .scan(0, 'MATCH', 'k:00002*', 'COUNT', 100_000)
      .rename(key(picked[2]!), 'renamed')
      .get('renamed')
      .exec()
    const expectedKeys = (prefix: string): string[] =>
      Array.from({ length: KEYS }, (_, i) => key(i)).filter((k) => k.startsWith(prefix)).sort()
    const [get, mget, append, exists, dbsize, keys, scan, rename, renamed] = settled(result)!
    expect(get).to.equal(value(picked[0]!))
    expect(mget).to.deep.equal([value(picked[1]!), value(picked[2]!), null])
    expect(append).to.equal(value(picked[3]!).length + 1)
    expect(exists).to.equal(2)
    expect(dbsize).to.equal(KEYS)
    expect((keys as string[]).sort()).to.deep.equal(expectedKeys('k:00001'))
    const [cursor, scanned] = scan as [string, string[]]
    expect(cursor).to.equal('0')
    expect(scanned.sort()).to.deep.equal(expectedKeys('k:00002'))
    expect(rename).to.equal('OK')
    expect(renamed).to.equal(value(picked[2]!))
  })

  it('WATCH of an evicted key: untouched, EXEC runs; changed by another client, EXEC fails', async () => {
    const other = quietClient(server.port)
    try {
      await redis.watch(key(123), key(7777))
      expect(settled(await redis.multi().get(key(123)).exec())).to.deep.equal([value(123)])
      await redis.watch(key(124))
      await other.set(key(124), 'changed')
      expect(await redis.multi().get(key(124)).exec()).to.equal(null)
    } finally {
      other.disconnect()
    }
  })
})
