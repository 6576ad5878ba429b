// DEBUG SET-ACTIVE-EXPIRE: with the active cycle off, keys whose TTL passed stay until a command
// touches them (DBSIZE counts them, EXISTS does not and reclaims the key); on again, the cycle
// reclaims them. The same script runs against redis-server, where it holds as well. And DEBUG is
// an admin command: a tenant is refused with -NOPERM.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { startServer, type RunningServer } from '../support/server.js'
import { haveRedis, startRedisServer, type RedisServer } from '../support/redis-server.js'
import { quietClient } from '../support/clients.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** DBSIZE once it is `size`, polled for up to `ms`; the last value read otherwise. */
const dbsizeBecomes = async (client: Redis, size: number, ms: number): Promise<number> => {
  const until = Date.now() + ms
  let n = await client.dbsize()
  while (n !== size && Date.now() < until) {
    await sleep(50)
    n = await client.dbsize()
  }
  return n
}

const script = async (client: Redis): Promise<void> => {
  await client.flushall()
  expect(await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).to.equal('OK')
  for (let i = 0; i < 20; i++) await client.set(`k${i}`, 'v', 'PX', 100)
  await client.set('keep', 'v')
  // Several cycles (hz 10) pass while the cycle is off.
  await sleep(700)
  expect(await client.dbsize()).to.equal(21)
  expect(await client.exists('k0')).to.equal(0)
  expect(await client.dbsize()).to.equal(20)
  expect(await client.get('k1')).to.equal(null)
  expect(await client.dbsize()).to.equal(19)
  expect(await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')).to.equal('OK')
  expect(await dbsizeBecomes(client, 1, 5000)).to.equal(1)
  expect(await client.exists('keep')).to.equal(1)
}

describe('DEBUG SET-ACTIVE-EXPIRE', function () {
  this.timeout(30_000)
  let ours: RunningServer
  let client: Redis

  before(async () => {
    ours = await startServer({ args: ['--enable-debug-command', 'yes'] })
    client = quietClient(ours.port)
  })

  after(async () => {
    client?.disconnect()
    await ours?.stop()
  })

  it('0 keeps expired keys until they are touched (DBSIZE counts them); 1 lets the cycle reclaim them', async () => {
    await script(client)
  })

  it('redis-server does the same', async function () {
    if (!haveRedis) this.skip()
    const redis: RedisServer = await startRedisServer(['--enable-debug-command', 'yes'])
    const theirs = quietClient(redis.port)
    try {
      await script(theirs)
    } finally {
      theirs.disconnect()
      redis.stop()
    }
  })

  it('is refused to a tenant with -NOPERM naming DEBUG', async () => {
    expect(await client.call('TENANT', 'CREATE', 't1', 'pw1')).to.equal('OK')
    const tenant = quietClient(ours.port, { username: 't1', password: 'pw1' })
    try {
      const refused = await tenant.call('DEBUG', 'SLEEP', '0').then(() => 'no error', (e: Error) => e.message)
      expect(refused).to.equal("NOPERM User t1 has no permissions to run the 'debug' command")
      const help = await tenant.call('DEBUG', 'HELP').then(() => 'no error', (e: Error) => e.message)
      expect(help).to.equal("NOPERM User t1 has no permissions to run the 'debug' command")
    } finally {
      tenant.disconnect()
    }
  })
})
