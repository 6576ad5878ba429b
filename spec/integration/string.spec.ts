// The string commands over TCP against the real server, with ioredis and a raw RESP3 socket.
import { expect } from 'chai'
import { Redis } from 'ioredis'
import { connect } from 'node:net'
import { startServer, type RunningServer } from '../support/server.js'

/** Sends raw RESP bytes and collects what arrives until `until` matches the accumulated reply. */
const raw = (port: number, request: string, until: RegExp): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`timed out; got ${JSON.stringify(got)}`))
    }, 5000)
    socket.on('data', (d) => {
      got += d.toString('latin1')
      if (until.test(got)) {
        clearTimeout(timer)
        socket.end()
        resolve(got)
      }
    })
    socket.on('error', reject)
    socket.write(request)
  })

const resp = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`

describe('string commands over TCP', function () {
  let server: RunningServer
  let redis: Redis

  before(async function () {
    this.timeout(20_000)
    server = await startServer()
    redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
  })

  after(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  beforeEach(async () => {
    await redis.del('k', 'a', 'b', 'c', 'bin', 'f', 'r', 'missing')
  })

  it('SET and GET round-trip binary values', async () => {
    const value = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x24, 0x80, 0])
    expect(await redis.set('bin', value)).to.equal('OK')
    expect((await redis.getBuffer('bin'))!.equals(value)).to.equal(true)
    expect(await redis.strlen('bin')).to.equal(7)
    expect(await redis.get('missing')).to.equal(null)
  })

  it('SET options: NX, XX, GET, expiry and their conflicts', async () => {
    expect(await redis.set('k', 'a', 'XX')).to.equal(null)
    expect(await redis.set('k', 'a', 'NX')).to.equal('OK')
    expect(await redis.call('SET', 'k', 'b', 'NX', 'GET')).to.equal('a')
    expect(await redis.call('SET', 'k', 'b', 'GET')).to.equal('a')
    expect(await redis.set('k', 'c', 'EX', 100)).to.equal('OK')
    expect(await redis.ttl('k')).to.equal(100)
    expect(await redis.call('SET', 'k', 'd', 'KEEPTTL')).to.equal('OK')
    expect(await redis.ttl('k')).to.equal(100)
    expect(await redis.set('k', 'e')).to.equal('OK')
    expect(await redis.ttl('k')).to.equal(-1)
    await expectError(redis.call('SET', 'k', 'v', 'NX', 'XX'), 'ERR syntax error')
    await expectError(redis.call('SET', 'k', 'v', 'EX', '10', 'PX', '10'), 'ERR syntax error')
    await expectError(redis.call('SET', 'k', 'v', 'EX', '0'), "ERR invalid expire time in 'set' command")
    await expectError(redis.call('SET', 'k', 'v', 'EX', 'x'), 'ERR value is not an integer or out of range')
    await expectError(redis.call('SET', 'k'), "ERR wrong number of arguments for 'set' command")
    expect(await redis.get('k')).to.equal('e')
  })

  it('an absolute expiry in the past deletes the key', async () => {
    await redis.set('k', 'v')
    expect(await redis.call('SET', 'k', 'w', 'PXAT', '1')).to.equal('OK')
    expect(await redis.exists('k')).to.equal(0)
    await redis.set('k', 'v')
    expect(await redis.call('GETEX', 'k', 'EXAT', '1')).to.equal('v')
    expect(await redis.exists('k')).to.equal(0)
  })

  it('GETEX, GETDEL, GETSET, SETEX, PSETEX, SETNX', async () => {
    await redis.set('k', 'v')
    expect(await redis.call('GETEX', 'k', 'PX', '50000')).to.equal('v')
    expect(await redis.pttl('k')).to.be.within(49_000, 50_000)
    expect(await redis.call('GETEX', 'k', 'PERSIST')).to.equal('v')
    expect(await redis.ttl('k')).to.equal(-1)
    await expectError(redis.call('GETEX', 'k', 'PERSIST', 'EX', '1'), 'ERR syntax error')
    await expectError(redis.call('GETEX', 'k', 'EX', '-1'), "ERR invalid expire time in 'getex' command")
    expect(await redis.getset('k', 'w')).to.equal('v')
    expect(await redis.getdel('k')).to.equal('w')
    expect(await redis.exists('k')).to.equal(0)
    expect(await redis.setex('k', 10, 'x')).to.equal('OK')
    expect(await redis.ttl('k')).to.equal(10)
    expect(await redis.psetex('a', 5000, 'y')).to.equal('OK')
    expect(await redis.pttl('a')).to.be.within(4000, 5000)
    await expectError(redis.setex('k', 0, 'x'), "ERR invalid expire time in 'setex' command")
    expect(await redis.setnx('k', 'z')).to.equal(0)
    expect(await redis.setnx('b', 'z')).to.equal(1)
  })

  it('MSET, MGET, MSETNX', async () => {
    expect(await redis.mset('a', '1', 'b', '2')).to.equal('OK')
    expect(await redis.mget('a', 'missing', 'b')).to.deep.equal(['1', null, '2'])
    expect(await redis.msetnx('c', '3', 'a', 'x')).to.equal(0)
    expect(await redis.exists('c')).to.equal(0)
    expect(await redis.msetnx('c', '3', 'k', '4')).to.equal(1)
    await expectError(redis.call('MSET', 'a', '1', 'b'), "ERR wrong number of arguments for 'mset' command")
  })

  it('INCR family: exact 64-bit results and overflow errors', async () => {
    await redis.set('k', '9223372036854775806')
    // ioredis reads integers into doubles, so the exact reply is checked on the wire.
    const wire = await raw(server.port, resp('INCR', 'k'), /\r\n$/)
    expect(wire).to.equal(':9223372036854775807\r\n')
    expect(await redis.get('k')).to.equal('9223372036854775807')
    await expectError(redis.incr('k'), 'ERR increment or decrement would overflow')
    expect(await redis.decrby('a', 5)).to.equal(-5)
    expect(await redis.incrby('a', 7)).to.equal(2)
    await expectError(redis.call('DECRBY', 'a', '-9223372036854775808'), 'ERR decrement would overflow')
    await redis.set('b', 'x')
    await expectError(redis.incr('b'), 'ERR value is not an integer or out of range')
  })

  it('INCRBYFLOAT formats as Redis does and replies a bulk string', async () => {
    await redis.set('f', '10.5')
    expect(await redis.incrbyfloat('f', 0.1)).to.equal('10.6')
    await redis.set('f', '5.0e3')
    expect(await redis.incrbyfloat('f', '2.0e2')).to.equal('5200')
    await expectError(redis.incrbyfloat('f', 'inf'), 'ERR increment would produce NaN or Infinity')
    await expectError(redis.incrbyfloat('f', 'abc'), 'ERR value is not a valid float')
  })

  it('INCRBYFLOAT and a missing GET under RESP3', async () => {
    const got = await raw(
      server.port,
      resp('HELLO', '3') + resp('INCRBYFLOAT', 'r', '1.5') + resp('GET', 'missing') + resp('DEL', 'r'),
      /:\d+\r\n$/,
    )
    expect(got).to.contain('$3\r\n1.5\r\n_\r\n:1\r\n')
  })

  it('APPEND, GETRANGE, SUBSTR, SETRANGE', async () => {
    expect(await redis.append('k', 'hello')).to.equal(5)
    expect(await redis.append('k', ' world')).to.equal(11)
    expect(await redis.getrange('k', -5, -1)).to.equal('world')
    expect(await redis.getrange('k', 0, -100)).to.equal('h')
    expect(await redis.call('SUBSTR', 'k', '0', '3')).to.equal('hell')
    expect(await redis.setrange('r', 3, 'ab')).to.equal(5)
    expect((await redis.getBuffer('r'))!.equals(Buffer.from([0, 0, 0, 0x61, 0x62]))).to.equal(true)
    await expectError(redis.setrange('r', -1, 'x'), 'ERR offset is out of range')
    await expectError(
      redis.setrange('r', 536870912, 'x'),
      'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
    )
  })
})

async function expectError(promise: Promise<unknown>, message: string): Promise<void> {
  try {
    await promise
  } catch (e) {
    expect((e as Error).message).to.equal(message)
    return
  }
  throw new Error(`expected the error ${message}`)
}
