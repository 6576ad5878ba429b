// MONITOR over TCP: a monitoring connection (raw RESP2 and RESP3, and ioredis's monitor()) is
// shown the commands the connections of its tenant run (its own after their replies), as Redis
// formats them; another
// tenant's commands never; passwords redacted; admin commands and refused commands not shown;
// RESET and QUIT end it.

import { expect } from 'chai'
import { startServer, type RunningServer } from '../support/server.js'
import { clientPool } from '../support/clients.js'
import { rawClient, replies, type RawClient } from '../support/raw.js'
import { encodeCommand } from '../support/big-strings.js'

const ADMIN = 'admin-pw'
const LINE = /^\+(\d+)\.(\d{6}) \[(\d+) (127\.0\.0\.1:\d+)\] (.*)$/

/** A raw connection in MONITOR mode, authenticated as `user`, speaking `resp`. */
const monitorAs = async (port: number, user: string, password: string, resp: '2' | '3'): Promise<RawClient> => {
  const c = await rawClient(port)
  c.send(Buffer.concat([encodeCommand(['HELLO', resp, 'AUTH', user, password]), encodeCommand(['MONITOR'])]))
  await c.read((b) => b.toString('latin1').endsWith('+OK\r\n'))
  return c
}

/** The monitor lines received until `last` matches one, without `+`: [line, ...]. */
const linesUntil = async (c: RawClient, last: RegExp): Promise<string[]> => {
  const text = (await c.read((b) => b.toString('latin1').split('\r\n').some((l) => last.test(l)))).toString('latin1')
  const all = text.split('\r\n').filter((l) => l.startsWith('+') && l !== '+OK')
  return all.slice(0, all.findIndex((l) => last.test(l)) + 1)
}

describe('MONITOR over TCP', function () {
  this.timeout(60_000)
  let server: RunningServer
  const raws: RawClient[] = []
  const { connect, track, disconnectAll } = clientPool(() => server.port, ADMIN)

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN] })
    const admin = connect()
    expect(await admin.call('TENANT', 'CREATE', 't1', 'p1')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 't2', 'p2')).to.equal('OK')
  })

  afterEach(() => {
    disconnectAll()
    while (raws.length > 0) raws.pop()!.socket.destroy()
  })

  after(async () => {
    await server?.stop()
  })

  for (const resp of ['2', '3'] as const) {
    it(`RESP${resp}: each command as Redis prints it, after it ran; AUTH redacted; admin and refused commands left out`, async () => {
      // Connected first: its handshake (AUTH, CLIENT SETINFO) is not what this test looks at.
      const c = connect()
      await c.ping()
      const m = await monitorAs(server.port, 'default', ADMIN, resp)
      raws.push(m)
      await c.set('k', 'v')
      await c.call('ECHO', 'a\tb"\\\x01é')
      await c.call('CONFIG', 'GET', 'maxmemory')
      await c.call('NOSUCH').catch(() => undefined)
      await c.call('GET').catch(() => undefined)
      await c.call('AUTH', ADMIN)
      await c.select(3)
      await c.multi().set('a', '1').get('a').exec()
      await c.call('PING', 'end')
      const lines = await linesUntil(m, /"PING" "end"$/)
      const parsed = lines.map((l) => LINE.exec(l))
      for (const p of parsed) expect(p, String(lines)).to.not.equal(null)
      expect(parsed.map((p) => `[${p![3]}] ${p![5]}`)).to.deep.equal([
        '[0] "set" "k" "v"',
        '[0] "ECHO" "a\\tb\\"\\\\\\x01\\xc3\\xa9"',
        '[0] "AUTH" "(redacted)"',
        '[3] "select" "3"',
        '[3] "multi"',
        '[3] "set" "a" "1"',
        '[3] "get" "a"',
        '[3] "exec"',
        '[3] "PING" "end"',
      ])
      const seconds = Number(parsed[0]![1])
      expect(Math.abs(seconds - Date.now() / 1000)).to.be.below(10)
    })
  }

  it("a tenant's monitor sees only its tenant's commands; the admin's sees none of a tenant's", async () => {
    const m1 = await monitorAs(server.port, 't1', 'p1', '2')
    const m2 = await monitorAs(server.port, 't2', 'p2', '3')
    const m0 = await monitorAs(server.port, 'default', ADMIN, '2')
    raws.push(m1, m2, m0)
    const t1 = connect({ username: 't1', password: 'p1' })
    const t2 = connect({ username: 't2', password: 'p2' })
    const admin = connect()
    await t1.set('secret1', 'x')
    await t2.set('secret2', 'y')
    await admin.set('mine', 'z')
    await t1.call('PING', 'done1')
    await t2.call('PING', 'done2')
    await admin.call('PING', 'done0')
    const seen1 = (await linesUntil(m1, /"done1"/)).join('\n')
    const seen2 = (await linesUntil(m2, /"done2"/)).join('\n')
    const seen0 = (await linesUntil(m0, /"done0"/)).join('\n')
    expect(seen1).to.include('"set" "secret1" "x"').and.not.include('secret2').and.not.include('mine')
    expect(seen2).to.include('"set" "secret2" "y"').and.not.include('secret1').and.not.include('mine')
    expect(seen0).to.include('"set" "mine" "z"').and.not.include('secret1').and.not.include('secret2')
    // The tenant's AUTH, redacted, in its own tenant's monitor.
    expect(seen1).to.include('"auth" "(redacted)" "(redacted)"')
  })

  it('CLIENT LIST shows flag O; RESET ends monitoring; QUIT closes the monitor', async () => {
    const m = await monitorAs(server.port, 'default', ADMIN, '2')
    raws.push(m)
    const c = connect()
    expect(await c.call('CLIENT', 'LIST')).to.match(/flags=O /)
    m.send(encodeCommand(['RESET']))
    await m.read((b) => b.toString('latin1').includes('+RESET\r\n'))
    m.send(Buffer.concat([encodeCommand(['AUTH', ADMIN]), encodeCommand(['PING', 'after'])]))
    await c.set('unseen', '1')
    const after = (await m.read((b) => b.toString('latin1').includes('after'))).toString('latin1')
    expect(after).to.not.include('unseen')
    expect(await c.call('CLIENT', 'LIST')).to.not.match(/flags=O /)
    const q = await monitorAs(server.port, 'default', ADMIN, '3')
    q.send(encodeCommand(['QUIT']))
    await q.closed()
  })

  it('a monitor is never held by CLIENT PAUSE, as Redis never pauses a replica; its keyspace commands are refused at once', async () => {
    // Connected first: its handshake is not what the monitor is to show here.
    const c = connect()
    await c.ping()
    const m = await monitorAs(server.port, 'default', ADMIN, '2')
    raws.push(m)
    expect(await c.call('CLIENT', 'PAUSE', '20000', 'ALL')).to.equal('OK')
    try {
      m.send(Buffer.concat([encodeCommand(['PING', 'paused']), encodeCommand(['GET', 'k'])]))
      const text = (await m.read((b) => b.toString('latin1').includes('keyspace'), 2000)).toString('latin1')
      expect(text).to.match(/^\$6\r\npaused\r\n\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "PING" "paused"\r\n-ERR Replica can't interact with the keyspace\r\n$/)
    } finally {
      await c.call('CLIENT', 'UNPAUSE')
    }
  })

  it('ioredis monitor(): the monitor event carries the time, the arguments and the source', async () => {
    const c = connect()
    const m = track(await connect().monitor())
    const seen = new Promise<[string, string[], string, string]>((resolve) =>
      m.on('monitor', (time: string, args: string[], source: string, database: string) => {
        if (args[0] === 'set') resolve([time, args, source, database])
      }),
    )
    await c.set('watched', 'value')
    const [time, args, source, database] = await seen
    expect(time).to.match(/^\d+\.\d{6}$/)
    expect(args).to.deep.equal(['set', 'watched', 'value'])
    expect(source).to.match(/^127\.0\.0\.1:\d+$/)
    expect(database).to.equal('0')
  })

  it("a monitor's own commands are shown to it after their replies, as Redis", async () => {
    const m = await monitorAs(server.port, 'default', ADMIN, '2')
    raws.push(m)
    m.send(Buffer.concat([encodeCommand(['PING']), encodeCommand(['ECHO', 'x'])]))
    const text = (await m.read((b) => b.toString('latin1').includes('"ECHO" "x"'))).toString('latin1')
    expect(text).to.match(/^\+PONG\r\n\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "PING"\r\n\$1\r\nx\r\n\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "ECHO" "x"\r\n$/)
  })

  it('MONITOR inside MULTI is refused at EXEC, as Redis', async () => {
    const c = await rawClient(server.port)
    raws.push(c)
    c.send(Buffer.concat([['AUTH', ADMIN], ['MULTI'], ['MONITOR'], ['EXEC']].map(encodeCommand)))
    const text = (await c.read(replies(4))).toString('latin1')
    expect(text).to.equal("+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n")
  })
})
