// SLOWLOG over TCP with ioredis and raw RESP3: with slowlog-log-slower-than 0 every command is
// logged, in Redis's entry shape; slowlog-max-len trims; RESET empties; arguments are cut as
// Redis cuts them and passwords redacted; each tenant sees only its own entries. (Durations
// differ from run to run, so this is not a byte-for-byte differential script.)

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { startServer, type RunningServer } from '../support/server.js'
import { clientPool } from '../support/clients.js'
import { rawClient, replies } from '../support/raw.js'
import { encodeCommand } from '../support/big-strings.js'

const ADMIN = 'admin-pw'

type Entry = [number, number, number, string[], string, string]

describe('SLOWLOG over TCP', function () {
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
    const admin = connect()
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128')
    await admin.call('SLOWLOG', 'RESET')
    disconnectAll()
  })

  after(async () => {
    await server?.stop()
  })

  it('defaults: 10000 µs and 128 entries; a fast command at the default is not logged', async () => {
    const admin = connect()
    expect(await admin.call('CONFIG', 'GET', 'slowlog-*')).to.deep.equal(['slowlog-log-slower-than', '10000', 'slowlog-max-len', '128'])
    await admin.call('SLOWLOG', 'RESET')
    await admin.get('k')
    expect(await admin.call('SLOWLOG', 'LEN')).to.equal(0)
    expect(await admin.call('SLOWLOG', 'GET')).to.deep.equal([])
  })

  it('threshold 0 logs every command as [id, time, µs, args, addr, name], newest first', async () => {
    const admin = connect()
    await admin.call('CLIENT', 'SETNAME', 'logger')
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0')
    await admin.call('SLOWLOG', 'RESET')
    await admin.set('k', 'v')
    await admin.get('k')
    const entries = (await admin.call('SLOWLOG', 'GET')) as Entry[]
    // RESET itself was logged first (after it ran), then SET and GET.
    expect(entries.map((e) => e[3])).to.deep.equal([['get', 'k'], ['set', 'k', 'v'], ['SLOWLOG', 'RESET']])
    const [id, time, micros, , addr, name] = entries[0]!
    expect(id).to.equal(entries[1]![0] + 1)
    expect(Math.abs(time - Date.now() / 1000)).to.be.below(10)
    expect(micros).to.be.a('number').and.at.least(0)
    expect(addr).to.match(/^127\.0\.0\.1:\d+$/)
    expect(name).to.equal('logger')
    expect(await admin.call('SLOWLOG', 'LEN')).to.equal(4)
    expect(((await admin.call('SLOWLOG', 'GET', '1')) as Entry[]).length).to.equal(1)
    expect(((await admin.call('SLOWLOG', 'GET', '-1')) as Entry[]).length).to.equal(6)
    expect(await admin.call('SLOWLOG', 'GET', '-2').catch((e: Error) => e.message)).to.equal('ERR count should be greater than or equal to -1')
  })

  it('slowlog-max-len trims the oldest entries; RESET empties; -1 logs nothing', async () => {
    const admin = connect()
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '3')
    for (let i = 0; i < 10; i++) await admin.set(`k${i}`, 'v')
    const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as Entry[]
    expect(entries.map((e) => e[3])).to.deep.equal([['set', 'k9', 'v'], ['set', 'k8', 'v'], ['set', 'k7', 'v']])
    expect(await admin.call('SLOWLOG', 'RESET')).to.equal('OK')
    // RESET is logged once it has run.
    expect(await admin.call('SLOWLOG', 'LEN')).to.equal(1)
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1')
    await admin.call('SLOWLOG', 'RESET')
    await admin.set('x', 'y')
    expect(await admin.call('SLOWLOG', 'LEN')).to.equal(0)
  })

  it('arguments as Redis logs them: 32 at most, strings cut at 128 bytes, passwords redacted', async () => {
    const admin = connect()
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0')
    const keys = Array.from({ length: 40 }, (_, i) => `key${i}`)
    await admin.call('DEL', ...keys)
    await admin.set('long', 'x'.repeat(200))
    await admin.call('AUTH', ADMIN)
    await admin.call('CONFIG', 'SET', 'requirepass', ADMIN, 'slowlog-max-len', '128')
    const entries = (await admin.call('SLOWLOG', 'GET', '4')) as Entry[]
    const [config, auth, set, del] = entries.map((e) => e[3])
    expect(del).to.deep.equal(['DEL', ...keys.slice(0, 30), '... (10 more arguments)'])
    expect(set).to.deep.equal(['set', 'long', 'x'.repeat(128) + '... (72 more bytes)'])
    expect(auth).to.deep.equal(['AUTH', '(redacted)'])
    expect(config).to.deep.equal(['CONFIG', 'SET', 'requirepass', '(redacted)', 'slowlog-max-len', '128'])
  })

  it('each tenant sees and resets only its own entries', async () => {
    const admin = connect()
    const t1 = connect({ username: 't1', password: 'p1' })
    const t2 = connect({ username: 't2', password: 'p2' })
    for (const c of [t1, t2]) expect(await c.ping()).to.equal('PONG')
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0')
    await t1.call('SLOWLOG', 'RESET')
    await t2.call('SLOWLOG', 'RESET')
    await t1.set('secret1', 'a')
    await t2.set('secret2', 'b')
    const seen = async (c: Redis): Promise<string[][]> => ((await c.call('SLOWLOG', 'GET', '-1')) as Entry[]).map((e) => e[3])
    expect(await seen(t1)).to.deep.equal([['set', 'secret1', 'a'], ['SLOWLOG', 'RESET']])
    // A command is logged once it has run: SLOWLOG GET does not list itself.
    expect(await seen(t2)).to.deep.equal([['set', 'secret2', 'b'], ['SLOWLOG', 'RESET']])
    const adminSeen = (await seen(admin)).flat()
    expect(adminSeen).to.not.include('secret1').and.not.include('secret2')
    expect(await t1.call('SLOWLOG', 'RESET')).to.equal('OK')
    expect(await t1.call('SLOWLOG', 'LEN')).to.equal(1)
    expect(await t2.call('SLOWLOG', 'LEN')).to.equal(3)
  })

  it('RESP3: an entry is an array of integers, an array of bulk strings, and two bulk strings', async () => {
    const admin = connect()
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0')
    const c = await rawClient(server.port)
    try {
      c.send(Buffer.concat([encodeCommand(['HELLO', '3', 'AUTH', 'default', ADMIN]), encodeCommand(['SLOWLOG', 'GET', '1'])]))
      const text = (await c.read(replies(2))).toString('latin1')
      const get = text.slice(text.lastIndexOf('*1\r\n*6\r\n'))
      expect(get).to.match(/^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*5\r\n\$5\r\nHELLO\r\n\$1\r\n3\r\n\$4\r\nAUTH\r\n\$10\r\n\(redacted\)\r\n\$10\r\n\(redacted\)\r\n\$15\r\n127\.0\.0\.1:\d+\r\n\$0\r\n\r\n$/)
    } finally {
      c.socket.destroy()
    }
  })
})
