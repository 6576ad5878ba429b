// Tenants over TCP with real clients: AUTH <tenant> <password> selects an isolated keyspace, the
// admin (requirepass) manages tenants, tenants are refused admin commands, and every error text
// is Redis's. ioredis, node-redis (HELLO 3 AUTH) and redis-cli --user/--pass log in unchanged.

import { expect } from 'chai'
import { execFileSync, spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { startServer, type RunningServer } from '../support/server.js'
import { errorOf } from '../support/errors.js'
import { fieldsOf, quietClient } from '../support/clients.js'
import { rawClient } from '../support/raw.js'
import { infoField } from '../support/info.js'
import { runScript } from '../support/big-strings.js'
import { crc64 } from '../../src/commands/generic/dump-payload.js'

const have = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

const ADMIN_PASSWORD = 'admin-secret'

describe('tenants: authentication and isolation over TCP', function () {
  this.timeout(60_000)
  let server: RunningServer
  let admin: Redis
  const opened: Redis[] = []

  const connect = (options: { username?: string; password?: string } = {}): Redis => {
    const redis = quietClient(server.port, options)
    opened.push(redis)
    return redis
  }

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN_PASSWORD] })
    admin = connect({ password: ADMIN_PASSWORD })
    expect(await admin.call('TENANT', 'CREATE', 't1', 'p1')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 't2', 'p2', 'MAXKEYS', '1000')).to.equal('OK')
  })

  after(async () => {
    for (const redis of opened) redis.disconnect()
    await server.stop()
  })

  it('answers -NOAUTH before AUTH and -WRONGPASS for a wrong tenant password or unknown tenant', async () => {
    const anonymous = connect()
    expect(await errorOf(anonymous.get('k'))).to.include('NOAUTH Authentication required.')
    expect(await errorOf(anonymous.call('AUTH', 't1', 'wrong'))).to.include('WRONGPASS invalid username-password pair or user is disabled.')
    expect(await errorOf(anonymous.call('AUTH', 'nobody', 'p1'))).to.include('WRONGPASS invalid username-password pair or user is disabled.')
    expect(await errorOf(anonymous.call('AUTH', 'wrong-admin-password'))).to.include('WRONGPASS invalid username-password pair or user is disabled.')
    // Still not logged in after failures.
    expect(await errorOf(anonymous.get('k'))).to.include('NOAUTH')
    expect(await anonymous.call('AUTH', 't1', 'p1')).to.equal('OK')
    expect(await anonymous.call('ACL', 'WHOAMI')).to.equal('t1')
  })

  it('gives each tenant its own keys under the same names, invisible to the others and to the admin', async () => {
    const t1 = connect({ username: 't1', password: 'p1' })
    const t2 = connect({ username: 't2', password: 'p2' })
    await t1.set('shared', 'from-t1')
    await t2.set('shared', 'from-t2')
    await admin.set('shared', 'from-admin')
    await t1.mset('only-t1', '1', 'x', '2')
    expect(await t1.get('shared')).to.equal('from-t1')
    expect(await t2.get('shared')).to.equal('from-t2')
    expect(await admin.get('shared')).to.equal('from-admin')
    expect(await t2.get('only-t1')).to.equal(null)
    expect((await t1.keys('*')).sort()).to.deep.equal(['only-t1', 'shared', 'x'])
    expect(await t2.keys('*')).to.deep.equal(['shared'])
    expect(await t2.dbsize()).to.equal(1)
    const [, scanned] = await t1.scan('0', 'COUNT', 100)
    expect(scanned.sort()).to.deep.equal(['only-t1', 'shared', 'x'])
    expect(['only-t1', 'shared', 'x']).to.include(await t1.randomkey())
    // FLUSHALL by a tenant empties only that tenant.
    expect(await t2.flushall()).to.equal('OK')
    expect(await t2.dbsize()).to.equal(0)
    expect(await t1.get('shared')).to.equal('from-t1')
    expect(await admin.get('shared')).to.equal('from-admin')
    // Databases are per tenant too.
    await t1.select(3)
    await t1.set('in-db3', 'v')
    await t2.select(3)
    expect(await t2.get('in-db3')).to.equal(null)
    const keyspace = await t1.info('keyspace')
    expect(keyspace).to.match(/^db0:keys=3,/m)
    expect(keyspace).to.match(/^db3:keys=1,/m)
    expect(await admin.info('keyspace')).to.not.match(/^db3:/m)
  })

  it('refuses admin commands to tenants with -NOPERM and scopes CLIENT LIST to the tenant', async () => {
    const t1 = connect({ username: 't1', password: 'p1' })
    connect({ username: 't2', password: 'p2' })
    await t1.ping()
    expect(await errorOf(t1.call('CONFIG', 'SET', 'maxclients', '10'))).to.include(
      "NOPERM User t1 has no permissions to run the 'config|set' command",
    )
    expect(await errorOf(t1.call('CONFIG', 'GET', 'requirepass'))).to.include('NOPERM')
    expect(await errorOf(t1.call('TENANT', 'LIST'))).to.include("NOPERM User t1 has no permissions to run the 'tenant|list' command")
    expect(await errorOf(t1.call('TENANT', 'DROP', 't2'))).to.include('NOPERM')
    expect(await errorOf(t1.call('SHUTDOWN'))).to.include('NOPERM')
    const list = (await t1.call('CLIENT', 'LIST')) as string
    const users = list.trim().split('\n').map((line) => /user=(\S+)/.exec(line)![1])
    expect(users.length).to.be.greaterThan(0)
    expect(new Set(users)).to.deep.equal(new Set(['t1']))
    const all = (await admin.call('CLIENT', 'LIST')) as string
    expect(all).to.match(/user=t2 /)
    expect(await admin.call('TENANT', 'LIST')).to.deep.equal(['t1', 't2'])
  })

  it('keeps each tenant\'s hashes to itself: fields, scans, types, and the quota counts them', async () => {
    const t1 = connect({ username: 't1', password: 'p1' })
    const t2 = connect({ username: 't2', password: 'p2' })
    await t1.select(5)
    await t2.select(5)
    expect(await t1.hset('profile', 'name', 'one', 'plan', 'gold')).to.equal(2)
    expect(await t2.hset('profile', 'name', 'two')).to.equal(1)
    await admin.select(5)
    expect(await admin.hset('profile', 'admin', 'yes')).to.equal(1)
    expect(await t1.hgetall('profile')).to.deep.equal({ name: 'one', plan: 'gold' })
    expect(await t2.hgetall('profile')).to.deep.equal({ name: 'two' })
    expect(await admin.hgetall('profile')).to.deep.equal({ admin: 'yes' })
    expect(await t2.hget('profile', 'plan')).to.equal(null)
    expect(await t2.hincrby('profile', 'visits', 3)).to.equal(3)
    expect(await t1.hexists('profile', 'visits')).to.equal(0)
    expect(await t2.hdel('profile', 'name', 'visits')).to.equal(2)
    expect(await t2.exists('profile')).to.equal(0)
    expect(await t1.type('profile')).to.equal('hash')
    expect(await t2.scan('0', 'TYPE', 'hash')).to.deep.equal(['0', []])
    expect((await t1.scan('0', 'TYPE', 'hash'))[1]).to.deep.equal(['profile'])
    expect(await t1.hscan('profile', '0')).to.deep.equal(['0', ['name', 'one', 'plan', 'gold']])
    // A tenant's hashes count against its quota: new keys, and the bytes of fields and copies.
    expect(await admin.call('TENANT', 'CREATE', 'hq', 'pw', 'MAXKEYS', '2', 'MAXBYTES', '2500')).to.equal('OK')
    const hq = connect({ username: 'hq', password: 'pw' })
    expect(await hq.hset('a', 'f', 'x'.repeat(1400))).to.equal(1)
    expect(await hq.hset('b', 'f', '1')).to.equal(1)
    expect(await errorOf(hq.hset('c', 'f', 'v'))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(hq.copy('a', 'b', 'REPLACE'))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(hq.hset('a', 'g', 'y'.repeat(1200)))).to.include('ERR tenant quota exceeded')
    expect(await hq.hlen('a')).to.equal(1)
    expect(await hq.exists('c')).to.equal(0)
  })

  it('keeps passwords out of CONFIG GET, INFO, TENANT INFO and the log', async () => {
    const info = (await admin.call('TENANT', 'INFO', 't2')) as (string | number)[]
    const fields = fieldsOf(info)
    expect(fields).to.include({ id: 't2', maxkeys: 1000, maxbytes: 0, durability: 'default' })
    expect(fields).to.have.keys(
      'id', 'keys', 'bytes', 'ops_per_sec', 'connections', 'maxkeys', 'maxbytes', 'durability',
      'ssd_segments', 'ssd_bytes', 'hdd_segments', 'hdd_bytes',
    )
    const everything = [JSON.stringify(info), await admin.info('everything'), server.output()].join('\n')
    expect(everything).to.not.include('p1')
    expect(everything).to.not.include('p2')
  })

  it('reports a tenant\'s keys, connections and command rate in TENANT INFO', async () => {
    const t1 = connect({ username: 't1', password: 'p1' })
    const until = Date.now() + 2200
    while (Date.now() < until) await t1.get('shared')
    const info = (await admin.call('TENANT', 'INFO', 't1')) as (string | number)[]
    const fields = fieldsOf(info)
    expect(fields.ops_per_sec as number).to.be.greaterThan(0)
    expect(fields.connections as number).to.be.greaterThan(0)
    expect(fields.keys as number).to.be.greaterThan(0)
    expect(fields.bytes as number).to.be.greaterThan(0)
  })

  it('slows down and logs repeated failures on a connection, naming the tenant and the peer only', async () => {
    const guesser = connect()
    for (let i = 0; i < 4; i++) {
      expect(await errorOf(guesser.call('AUTH', 't1', `guess-number-${i}`))).to.include('WRONGPASS')
    }
    const log = server.output()
    expect(log).to.match(/AUTH failed \d+ times in a row for user 't1' from 127\.0\.0\.1:\d+/)
    expect(log).to.not.include('guess-number')
    // The same connection may still log in afterwards.
    expect(await guesser.call('AUTH', 't1', 'p1')).to.equal('OK')
  })

  it('stops reading from a client whose AUTH waits for its derivation, instead of queueing what follows', async () => {
    // 40 MB of pipelined AUTHs with a wrong password, from a client that never authenticates.
    // Each waits for its derivation; the server went on reading meanwhile and queued the rest in
    // memory, at a kilobyte and more per command: hundreds of MB in a second.
    const inputBytes = async () => infoField(await admin.info('stats'), 'total_net_input_bytes')
    const before = await inputBytes()
    const guesser = await rawClient(server.port)
    const auth = '*3\r\n$4\r\nAUTH\r\n$2\r\nt1\r\n$5\r\nwrong\r\n'.repeat(10_000)
    for (let i = 0; i < 100; i++) guesser.socket.write(auth)
    await new Promise((r) => setTimeout(r, 1000))
    // A read (64 KB) per derivation at most, instead of megabytes.
    expect((await inputBytes()) - before).to.be.below(2 * 1024 * 1024)
    const started = performance.now()
    expect(await admin.ping()).to.equal('PONG')
    expect(performance.now() - started).to.be.below(500)
    guesser.socket.destroy()
  })

  it('logs in with node-redis (HELLO 3 AUTH user pass) and with the AUTH command after connecting', async () => {
    const client = createClient({ socket: { port: server.port, host: '127.0.0.1' }, username: 't1', password: 'p1', RESP: 3 })
    await client.connect()
    try {
      expect(await client.get('shared')).to.equal('from-t1')
      expect(await client.sendCommand(['ACL', 'WHOAMI'])).to.equal('t1')
    } finally {
      await client.quit()
    }
    const wrong = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false }, username: 't1', password: 'nope', RESP: 3 })
    wrong.on('error', () => {})
    expect(await errorOf(wrong.connect())).to.include('WRONGPASS')
  })

  it('logs in with HELLO <ver> AUTH <tenant> <password> sent by ioredis, and refuses a wrong one', async () => {
    const c = connect()
    expect(await errorOf(c.call('HELLO', '2', 'AUTH', 't1', 'nope'))).to.include('WRONGPASS invalid username-password pair or user is disabled.')
    expect(await errorOf(c.get('shared'))).to.include('NOAUTH')
    const hello = fieldsOf(await c.call('HELLO', '2', 'AUTH', 't1', 'p1'))
    expect(hello).to.include({ server: 'redis', proto: 2 })
    expect(await c.call('ACL', 'WHOAMI')).to.equal('t1')
    expect(await c.get('shared')).to.equal('from-t1')
  })

  it('reads HELLO options in order, as Redis: a SETNAME name spelled "auth" stays a name, and a bad name fails before a later option', async () => {
    const c = connect()
    expect(fieldsOf(await c.call('HELLO', '2', 'SETNAME', 'auth', 'AUTH', 't1', 'p1'))).to.include({ proto: 2 })
    expect(await c.call('ACL', 'WHOAMI')).to.equal('t1')
    expect(await c.call('CLIENT', 'GETNAME')).to.equal('auth')
    expect(await errorOf(c.call('HELLO', '2', 'SETNAME', 'a b', 'FOO'))).to.include('Client names cannot contain spaces')
    expect(await c.call('CLIENT', 'GETNAME')).to.equal('auth')
  })

  it('logs in with redis-cli --user --pass', function () {
    if (!have('redis-cli')) this.skip()
    const cli = (...args: string[]): string =>
      execFileSync('redis-cli', ['-p', String(server.port), '--user', 't1', '--pass', 'p1', '--no-auth-warning', ...args], {
        encoding: 'utf8',
      }).trimEnd()
    expect(cli('GET', 'shared')).to.equal('from-t1')
    expect(cli('ACL', 'WHOAMI')).to.equal('t1')
  })

  it('enforces MAXKEYS and MAXBYTES: the write that would exceed is refused and changes nothing', async () => {
    expect(await admin.call('TENANT', 'CREATE', 'small', 'pw', 'MAXKEYS', '3', 'MAXBYTES', '1000')).to.equal('OK')
    const small = connect({ username: 'small', password: 'pw' })
    await small.mset('a', '1', 'b', '2', 'c', '3')
    expect(await errorOf(small.set('d', '4'))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(small.mset('a', '9', 'e', '5'))).to.include('ERR tenant quota exceeded')
    expect(await small.mget('a', 'd', 'e')).to.deep.equal(['1', null, null])
    expect(await small.set('a', 'overwrite')).to.equal('OK')
    expect(await small.del('b')).to.equal(1)
    expect(await small.set('d', '4')).to.equal('OK')
    expect(await errorOf(small.set('a', 'x'.repeat(2000)))).to.include('ERR tenant quota exceeded')
    expect(await small.get('a')).to.equal('overwrite')
    expect(await small.dbsize()).to.equal(3)
    // Raising the quota lets the write through.
    expect(await admin.call('TENANT', 'SET', 'small', 'MAXKEYS', '0', 'MAXBYTES', '0')).to.equal('OK')
    expect(await small.set('e', 'x'.repeat(2000))).to.equal('OK')
  })

  it('counts against MAXBYTES what a write stores beyond its arguments: offsets, copies, compressed payloads', async () => {
    expect(await admin.call('TENANT', 'CREATE', 'grow', 'pw', 'MAXBYTES', '50000')).to.equal('OK')
    const grow = connect({ username: 'grow', password: 'pw' })
    // A few bytes of arguments that would store a megabyte.
    expect(await errorOf(grow.setrange('s', 1_000_000, 'x'))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(grow.setbit('b', 8_000_000, 1))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(grow.call('BITFIELD', 'f', 'SET', 'u8', '#1000000', '1'))).to.include('ERR tenant quota exceeded')
    expect(await grow.call('BITFIELD', 'f', 'GET', 'u8', '#1000000')).to.deep.equal([0])
    expect(await grow.exists('s', 'b', 'f')).to.equal(0)
    expect(await grow.setrange('s', 100, 'x')).to.equal(101)
    // A copy stores the value a second time.
    expect(await grow.set('v', 'x'.repeat(30_000))).to.equal('OK')
    expect(await errorOf(grow.copy('v', 'v2'))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(grow.bitop('OR', 'v2', 'v'))).to.include('ERR tenant quota exceeded')
    expect(await grow.exists('v2')).to.equal(0)
    // An LZF payload of about 1 KB that loads as 100,000 bytes: a literal, then back-references
    // of 264 bytes at distance 1.
    const expanded = 100_000
    const lzf: number[] = [0x00, 0x61]
    for (let left = expanded - 1; left > 0; left -= 264) {
      const len = Math.min(264, left)
      if (len < 9) lzf.push(((len - 2) << 5) | 0, 0)
      else lzf.push(7 << 5, len - 9, 0)
    }
    const lengthField = (n: number): number[] => [0x80, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
    const body = Buffer.from([0x00, 0xc3, ...lengthField(lzf.length), ...lengthField(expanded), ...lzf, 10, 0])
    const payload = Buffer.concat([body, crc64(body)])
    expect(await errorOf(grow.restore('r', 0, payload))).to.include('ERR tenant quota exceeded')
    expect(await grow.exists('r')).to.equal(0)
    // The payload itself is sound: without a quota it loads as the 100,000 bytes it declares.
    expect(await admin.restore('r', 0, payload)).to.equal('OK')
    expect(await admin.strlen('r')).to.equal(expanded)
    expect(await admin.getrange('r', -3, -1)).to.equal('aaa')
    // A HyperLogLog may turn dense (12 KB) on any PFADD or PFMERGE: under a 10 KB quota, none.
    expect(await admin.call('TENANT', 'CREATE', 'tiny', 'pw', 'MAXBYTES', '10000')).to.equal('OK')
    const tiny = connect({ username: 'tiny', password: 'pw' })
    expect(await errorOf(tiny.pfadd('h', 'a'))).to.include('ERR tenant quota exceeded')
    expect(await errorOf(tiny.pfmerge('h2'))).to.include('ERR tenant quota exceeded')
    expect(await tiny.exists('h', 'h2')).to.equal(0)
  })

  it('drops a tenant: its connections close, its data is gone, and the id can be created afresh', async () => {
    expect(await admin.call('TENANT', 'CREATE', 'gone', 'pw')).to.equal('OK')
    const gone = connect({ username: 'gone', password: 'pw' })
    await gone.mset('k1', 'v1', 'k2', 'v2')
    const closed = new Promise<void>((resolve) => gone.once('close', () => resolve()))
    expect(await admin.call('TENANT', 'DROP', 'gone')).to.equal('OK')
    await closed
    expect(await errorOf(admin.call('TENANT', 'DROP', 'gone'))).to.include("ERR no such tenant 'gone'")
    const again = connect()
    expect(await errorOf(again.call('AUTH', 'gone', 'pw'))).to.include('WRONGPASS')
    expect(await admin.call('TENANT', 'CREATE', 'gone', 'pw2')).to.equal('OK')
    expect(await again.call('AUTH', 'gone', 'pw2')).to.equal('OK')
    expect(await again.dbsize()).to.equal(0)
    expect(await again.mget('k1', 'k2')).to.deep.equal([null, null])
  })

  it('changes a password with TENANT PASSWD: the old one stops working', async () => {
    expect(await admin.call('TENANT', 'CREATE', 'rotating', 'old')).to.equal('OK')
    const c = connect()
    expect(await c.call('AUTH', 'rotating', 'old')).to.equal('OK')
    expect(await admin.call('TENANT', 'PASSWD', 'rotating', 'new')).to.equal('OK')
    expect(await errorOf(c.call('AUTH', 'rotating', 'old'))).to.include('WRONGPASS')
    expect(await c.call('AUTH', 'rotating', 'new')).to.equal('OK')
  })

  it('validates TENANT arguments as Redis validates options', async () => {
    expect(await errorOf(admin.call('TENANT', 'CREATE', 't1', 'x'))).to.include("ERR tenant 't1' already exists")
    expect(await errorOf(admin.call('TENANT', 'CREATE', 'bad id', 'x'))).to.include('ERR invalid tenant id')
    expect(await errorOf(admin.call('TENANT', 'CREATE', 'default', 'x'))).to.include('ERR invalid tenant id')
    expect(await errorOf(admin.call('TENANT', 'CREATE', 'u', 'x', 'MAXKEYS'))).to.include('ERR syntax error')
    expect(await errorOf(admin.call('TENANT', 'CREATE', 'u', 'x', 'MAXKEYS', '-1'))).to.include('ERR MAXKEYS must be')
    expect(await errorOf(admin.call('TENANT', 'CREATE', 'u', 'x', 'DURABILITY', 'no'))).to.include('ERR DURABILITY must be')
    expect(await errorOf(admin.call('TENANT', 'NOPE'))).to.include("ERR unknown subcommand 'NOPE'")
    expect(await errorOf(admin.call('TENANT', 'INFO', 'nobody'))).to.include("ERR no such tenant 'nobody'")
  })

  it('runs commands pipelined behind a tenant AUTH under the limits of a logged-in client, as Redis', async () => {
    // The AUTH waits for its password derivation; the commands behind it in the same read must
    // not be decoded meanwhile under the unauthenticated limits (16 KB bulks, 10 arguments):
    // a 40 KB SET and a 12-argument MSET used to close the connection.
    expect(await admin.call('TENANT', 'CREATE', 'piped', 'pp')).to.equal('OK')
    const big = 'v'.repeat(40_000)
    const mset = ['MSET', ...Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? `m${i}` : 'x'))]
    const replies = await runScript(server.port, '2', [['AUTH', 'piped', 'pp'], ['SET', 'k', big], mset, ['STRLEN', 'k'], ['DBSIZE']])
    expect(replies.map((r) => r.toString())).to.deep.equal(['+OK\r\n', '+OK\r\n', '+OK\r\n', ':40000\r\n', ':7\r\n'])
    // A failed AUTH leaves the limits on: the big bulk behind it is a protocol error, as in Redis.
    const failed = await runScript(server.port, '2', [['AUTH', 'piped', 'wrong'], ['SET', 'k', big]])
    expect(failed[0]!.toString()).to.include('WRONGPASS')
    expect(failed[1]!.toString()).to.equal('-ERR Protocol error: unauthenticated bulk length\r\n')
  })
})
