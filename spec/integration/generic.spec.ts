// The generic (keyspace) commands over TCP against the real server, with ioredis.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { connect } from 'node:net'
import { startServer, type RunningServer } from '../support/server.js'
import { waitFor } from '../support/info.js'

/** The error text a command fails with, or the reply if it does not fail. */
const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    return await p
  } catch (e) {
    return (e as Error).message
  }
}

/** Sends raw RESP and collects the bytes that arrive until `until` matches. */
const raw = (port: number, payload: string, until: RegExp): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`timeout; got ${JSON.stringify(data)}`))
    }, 5000)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      data += chunk
      if (until.test(data)) {
        clearTimeout(timer)
        socket.destroy()
        resolve(data)
      }
    })
    socket.on('error', reject)
    socket.write(payload)
  })

const resp = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`

describe('generic commands (integration)', function () {
  let server: RunningServer
  let redis: Redis

  before(async () => {
    server = await startServer()
    redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
  })

  after(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  beforeEach(async () => {
    for (let db = 0; db < 16; db++) {
      await redis.select(db)
      const keys = await redis.keysBuffer('*')
      if (keys.length > 0) await redis.del(...keys)
    }
    await redis.select(0)
  })

  it('DEL, UNLINK, EXISTS and TOUCH count as Redis does', async () => {
    await redis.mset('a', '1', 'b', '2', 'c', '3')
    expect(await redis.exists('a', 'a', 'b', 'x')).to.equal(3)
    expect(await redis.touch('a', 'a', 'x')).to.equal(2)
    expect(await redis.del('a', 'a', 'x')).to.equal(1)
    expect(await redis.unlink('b', 'c', 'b')).to.equal(2)
    expect(await redis.exists('a', 'b', 'c')).to.equal(0)
    expect(await failure(redis.call('del'))).to.equal("ERR wrong number of arguments for 'del' command")
  })

  it('TYPE replies string or none', async () => {
    await redis.set('s', 'v')
    expect(await redis.type('s')).to.equal('string')
    expect(await redis.type('nothing')).to.equal('none')
  })

  it('KEYS handles glob features and binary keys', async () => {
    const keys = ['hello', 'hallo', 'hxllo', 'hllo', 'heeello', 'h*llo', 'foo:1', 'foo:2', 'foo:10']
    for (const key of keys) await redis.set(key, 'v')
    const binary = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2a])
    await redis.set(binary, 'v')
    const sorted = async (pattern: string) => (await redis.keys(pattern)).sort()
    expect(await sorted('h?llo')).to.deep.equal(['h*llo', 'hallo', 'hello', 'hxllo'])
    expect(await sorted('h*llo')).to.deep.equal(['h*llo', 'hallo', 'heeello', 'hello', 'hllo', 'hxllo'])
    expect(await sorted('h[ae]llo')).to.deep.equal(['hallo', 'hello'])
    expect(await sorted('h[^e]llo')).to.deep.equal(['h*llo', 'hallo', 'hxllo'])
    expect(await sorted('h[a-b]llo')).to.deep.equal(['hallo'])
    expect(await sorted('h\\*llo')).to.deep.equal(['h*llo'])
    expect(await sorted('foo:?')).to.deep.equal(['foo:1', 'foo:2'])
    expect(await sorted('foo:*')).to.deep.equal(['foo:1', 'foo:10', 'foo:2'])
    expect(await sorted('nomatch*')).to.deep.equal([])
    const found = (await redis.callBuffer('keys', Buffer.from([0x00, 0x2a]))) as Buffer[]
    expect(found).to.have.length(1)
    expect(found[0]!.equals(binary)).to.equal(true)
  })

  it('KEYS and SCAN MATCH with a huge pattern answer at once and keep other clients served', async () => {
    await redis.set('abc', 'v')
    await redis.set('a'.repeat(1200), 'v')
    const other = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 })
    await other.connect()
    try {
      // A million classes (2 MB): compiled up front, they took seconds and a gigabyte.
      const started = performance.now()
      const pings = Promise.all(Array.from({ length: 5 }, () => other.ping()))
      expect(await redis.keys('[]'.repeat(1_000_000))).to.deep.equal([])
      expect(await redis.scan('0', 'MATCH', '[a-z]'.repeat(500_000), 'COUNT', '100')).to.deep.equal(['0', []])
      await pings
      expect(performance.now() - started).to.be.below(1000)
      // Redis 7.0 finds no match past 1000 nested stars (stringmatchlen's nesting limit).
      expect(await redis.keys('*a'.repeat(1000))).to.deep.equal(['a'.repeat(1200)])
      expect(await redis.keys('*a'.repeat(1001))).to.deep.equal([])
    } finally {
      other.disconnect()
    }
  })

  it('SCAN iterates to completion while keys are added and deleted', async () => {
    const stable = Array.from({ length: 500 }, (_, i) => `stable:${i}`)
    await redis.mset(...stable.flatMap((k) => [k, 'v']))
    const seen = new Set<string>()
    let cursor = '0'
    let calls = 0
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 17)
      for (const key of keys) seen.add(key)
      // Churn between calls: add new keys, delete some of the earlier churn.
      await redis.set(`churn:${calls}`, 'v')
      if (calls % 2 === 0) await redis.del(`churn:${calls >> 1}`)
      cursor = next
      calls++
      expect(calls).to.be.below(10_000)
    } while (cursor !== '0')
    for (const key of stable) expect(seen.has(key), key).to.equal(true)
  })

  it('SCAN applies MATCH, COUNT and TYPE and validates them', async () => {
    await redis.mset('user:1', 'a', 'user:2', 'b', 'order:1', 'c')
    const all = async (...options: (string | number)[]) => {
      const out: string[] = []
      let cursor = '0'
      do {
        const [next, keys] = (await redis.call('scan', cursor, ...options)) as [string, string[]]
        out.push(...keys)
        cursor = next
      } while (cursor !== '0')
      return out.sort()
    }
    expect(await all('MATCH', 'user:*', 'COUNT', 1)).to.deep.equal(['user:1', 'user:2'])
    expect(await all('TYPE', 'String')).to.deep.equal(['order:1', 'user:1', 'user:2'])
    expect(await all('TYPE', 'list')).to.deep.equal([])
    expect(await failure(redis.call('scan', '0', 'COUNT', '0'))).to.equal('ERR syntax error')
    expect(await failure(redis.call('scan', '0', 'COUNT', 'x'))).to.equal('ERR value is not an integer or out of range')
    expect(await failure(redis.call('scan', 'abc'))).to.equal('ERR invalid cursor')
    expect(await failure(redis.call('scan', '0', 'MATCH'))).to.equal('ERR syntax error')
  })

  it('RANDOMKEY returns a key or nil', async () => {
    expect(await redis.randomkey()).to.equal(null)
    await redis.set('only', 'v')
    expect(await redis.randomkey()).to.equal('only')
  })

  it('RENAME and RENAMENX move the value with its TTL', async () => {
    await redis.set('a', 'va', 'EX', 100)
    await redis.set('b', 'vb')
    expect(await redis.rename('a', 'b')).to.equal('OK')
    expect(await redis.get('b')).to.equal('va')
    expect(await redis.ttl('b')).to.be.within(99, 100)
    expect(await redis.exists('a')).to.equal(0)
    expect(await redis.rename('b', 'b')).to.equal('OK')
    expect(await redis.renamenx('b', 'b')).to.equal(0)
    expect(await failure(redis.rename('nope', 'x'))).to.equal('ERR no such key')
    expect(await failure(redis.renamenx('nope', 'x'))).to.equal('ERR no such key')
    await redis.set('c', 'vc')
    expect(await redis.renamenx('b', 'c')).to.equal(0)
    expect(await redis.renamenx('b', 'd')).to.equal(1)
    expect(await redis.get('d')).to.equal('va')
  })

  it('COPY copies within and across databases', async () => {
    await redis.set('src', 'v', 'PX', 100_000)
    expect(await redis.copy('src', 'dst')).to.equal(1)
    expect(await redis.get('dst')).to.equal('v')
    expect(await redis.pttl('dst')).to.be.within(99_000, 100_000)
    expect(await redis.copy('src', 'dst')).to.equal(0)
    await redis.set('src', 'w')
    expect(await redis.copy('src', 'dst', 'REPLACE')).to.equal(1)
    expect(await redis.get('dst')).to.equal('w')
    expect(await redis.copy('src', 'src', 'DB', 3)).to.equal(1)
    await redis.select(3)
    expect(await redis.get('src')).to.equal('w')
    await redis.select(0)
    expect(await failure(redis.copy('src', 'src'))).to.equal('ERR source and destination objects are the same')
    expect(await failure(redis.copy('src', 'x', 'DB', 16))).to.equal('ERR DB index is out of range')
    expect(await failure(redis.call('copy', 'src', 'x', 'DB'))).to.equal('ERR syntax error')
  })

  it('EXPIRE options follow Redis 7 (matrix over key states)', async () => {
    // [setup TTL seconds or null, options, new seconds, reply, TTL afterwards]
    const matrix: [number | null, string[], number, number, number][] = [
      [null, [], 50, 1, 50],
      [null, ['NX'], 50, 1, 50],
      [null, ['XX'], 50, 0, -1],
      [null, ['GT'], 50, 0, -1],
      [null, ['LT'], 50, 1, 50],
      [null, ['LT'], -1, 1, -2],
      [100, ['NX'], 50, 0, 100],
      [100, ['XX'], 50, 1, 50],
      [100, ['GT'], 50, 0, 100],
      [100, ['GT'], 150, 1, 150],
      [100, ['LT'], 50, 1, 50],
      [100, ['LT'], 150, 0, 100],
      [100, ['XX', 'GT'], 150, 1, 150],
      [100, ['XX', 'LT'], -1, 1, -2],
      [100, [], -1, 1, -2],
    ]
    for (const [ttl, options, seconds, reply, after] of matrix) {
      await redis.del('k')
      if (ttl === null) await redis.set('k', 'v')
      else await redis.set('k', 'v', 'EX', ttl)
      const label = `${ttl} EXPIRE k ${seconds} ${options.join(' ')}`
      expect(await redis.call('expire', 'k', seconds, ...options), label).to.equal(reply)
      expect(await redis.ttl('k'), label).to.equal(after)
    }
    expect(await redis.call('expire', 'missing', 10)).to.equal(0)
    expect(await failure(redis.call('expire', 'k', 10, 'NX', 'XX'))).to.equal(
      'ERR NX and XX, GT or LT options at the same time are not compatible',
    )
    expect(await failure(redis.call('expire', 'k', 10, 'GT', 'LT'))).to.equal(
      'ERR GT and LT options at the same time are not compatible',
    )
    expect(await failure(redis.call('expire', 'k', 10, 'foo'))).to.equal('ERR Unsupported option foo')
    expect(await failure(redis.call('expire', 'k', '9223372036854775807'))).to.equal(
      "ERR invalid expire time in 'expire' command",
    )
    expect(await failure(redis.call('pexpire', 'k', '9223372036854775807'))).to.equal(
      "ERR invalid expire time in 'pexpire' command",
    )
  })

  it('PEXPIRE, EXPIREAT, PEXPIREAT, TTL family and PERSIST', async () => {
    await redis.set('k', 'v')
    expect(await redis.ttl('k')).to.equal(-1)
    expect(await redis.pttl('missing')).to.equal(-2)
    expect(await redis.call('expiretime', 'k')).to.equal(-1)
    expect(await redis.call('pexpiretime', 'missing')).to.equal(-2)
    const at = Math.floor(Date.now() / 1000) + 1000
    expect(await redis.expireat('k', at)).to.equal(1)
    expect(await redis.call('expiretime', 'k')).to.equal(at)
    expect(await redis.call('pexpiretime', 'k')).to.equal(at * 1000)
    expect(await redis.pexpireat('k', at * 1000 + 1234)).to.equal(1)
    expect(await redis.call('pexpiretime', 'k')).to.equal(at * 1000 + 1234)
    expect(await redis.pexpire('k', 200)).to.equal(1)
    expect(await redis.pttl('k')).to.be.within(150, 200)
    expect(await redis.persist('k')).to.equal(1)
    expect(await redis.persist('k')).to.equal(0)
    expect(await redis.ttl('k')).to.equal(-1)
    await redis.pexpire('k', 30)
    await new Promise((r) => setTimeout(r, 60))
    expect(await redis.exists('k')).to.equal(0)
  })

  it('expiry times beyond 2^53 ms are accepted, kept as the latest storage holds, and checkpoint', async () => {
    // Redis takes any int64 of milliseconds. Storage keeps expiry times as safe integers: such a
    // time once failed the command (the WAL op) or every checkpoint after it (the segment).
    const latest = Number.MAX_SAFE_INTEGER
    await redis.set('a', 'v')
    expect(await redis.call('pexpireat', 'a', '9223372036854775807')).to.equal(1)
    expect(await redis.call('pexpiretime', 'a')).to.equal(latest)
    expect(await redis.call('set', 'b', 'v', 'PXAT', '9223372036854775807', 'GET')).to.equal(null)
    expect(await redis.call('pexpiretime', 'b')).to.equal(latest)
    await redis.set('c', 'v')
    expect(await redis.call('expire', 'c', '922337203685477')).to.equal(1)
    expect(await redis.call('getex', 'c', 'EXAT', '9223372036854775')).to.equal('v')
    expect(await redis.call('setex', 'd', '922337203685477', 'v')).to.equal('OK')
    for (const key of ['c', 'd']) expect(await redis.call('pexpiretime', key)).to.equal(latest)
    expect(await redis.ttl('a')).to.be.above(0)
    await waitFor('a BGSAVE that starts', () =>
      redis.bgsave().then(
        () => true,
        (e: Error) => {
          if (/Background save already in progress/.test(e.message)) return false
          throw e
        },
      ),
    )
    await waitFor('the checkpoint', async () => /^rdb_bgsave_in_progress:0/m.test(await redis.info('persistence')))
    expect(await redis.info('persistence')).to.match(/^rdb_last_bgsave_status:ok/m)
  })

  it('OBJECT subcommands', async () => {
    await redis.set('i', '123')
    await redis.set('e', 'hello')
    await redis.set('r', 'x'.repeat(45))
    expect(await redis.object('ENCODING', 'i')).to.equal('int')
    expect(await redis.object('ENCODING', 'e')).to.equal('embstr')
    expect(await redis.object('ENCODING', 'r')).to.equal('raw')
    expect(await redis.object('ENCODING', 'missing')).to.equal(null)
    expect(await redis.object('REFCOUNT', 'i')).to.equal(2147483647)
    expect(await redis.object('REFCOUNT', 'e')).to.equal(1)
    expect(await redis.object('IDLETIME', 'e')).to.be.within(0, 1)
    expect(await failure(redis.object('FREQ', 'e'))).to.match(/^ERR An LFU maxmemory policy is not selected/)
    const help = (await redis.object('HELP')) as string[]
    expect(help[0]).to.equal('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:')
    expect(await failure(redis.call('object', 'foo'))).to.equal("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    expect(await failure(redis.call('object', 'encoding'))).to.equal(
      "ERR wrong number of arguments for 'object|encoding' command",
    )
    expect(await failure(redis.call('object', 'help', 'x'))).to.equal(
      "ERR wrong number of arguments for 'object|help' command",
    )
  })

  it('replies with RESP3 nulls where Redis does', async () => {
    const hello = resp('HELLO', '3')
    const out = await raw(
      server.port,
      hello + resp('OBJECT', 'ENCODING', 'missing') + resp('RANDOMKEY') + resp('SCAN', '0'),
      /\*2\r\n\$1\r\n0\r\n\*0\r\n$/,
    )
    expect(out.endsWith('_\r\n_\r\n*2\r\n$1\r\n0\r\n*0\r\n')).to.equal(true)
  })
})
