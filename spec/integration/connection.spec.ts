// Connection commands over TCP with real clients: HELLO/AUTH/SELECT/QUIT/RESET and CLIENT, as
// ioredis and node-redis use them, and the exact bytes where the protocol version matters.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { createClient, RESP_TYPES } from 'redis'
import { rawClient, endsWith } from '../support/raw.js'
import { startServer, type RunningServer } from '../support/server.js'

describe('connection commands over TCP', function () {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server.stop()
  })

  it('HELLO 3 switches the connection to RESP3 replies', async () => {
    const c = await rawClient(server.port)
    c.send('*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n')
    const hello = (await c.read(endsWith('$7\r\nmodules\r\n*0\r\n'))).toString('latin1')
    expect(hello).to.match(/^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$\d+\r\n[\d.]+\r\n\$5\r\nproto\r\n:3\r\n\$2\r\nid\r\n:\d+\r\n/)
    c.send('*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n')
    expect((await c.read(endsWith('_\r\n'))).toString('latin1')).to.equal('_\r\n')
    c.end()
  })

  it('QUIT answers OK and closes the connection', async () => {
    const c = await rawClient(server.port)
    c.send('*1\r\n$4\r\nQUIT\r\n')
    await c.closed()
    expect((await c.read(() => true)).toString('latin1')).to.equal('+OK\r\n')
  })

  /** connected_clients of INFO clients. */
  const connectedClients = async (io: Redis): Promise<number> => Number(/^connected_clients:(\d+)\r$/m.exec(await io.info('clients'))![1])

  /** CLIENT LIST, polled for up to `ms` until it no longer shows client `id`. */
  const listWithout = async (io: Redis, id: string, ms: number): Promise<string> => {
    const deadline = Date.now() + ms
    for (;;) {
      const list = String(await io.call('CLIENT', 'LIST'))
      if (!list.includes(`id=${id} `) || Date.now() >= deadline) return list
      await new Promise((r) => setTimeout(r, 2))
    }
  }

  it('QUIT: once +OK is read, the client is gone from CLIENT LIST and INFO clients, whether or not the peer closes its side', async () => {
    const io = new Redis({ port: server.port })
    try {
      for (const peerKeepsItsSideOpen of [true, false]) {
        const c = await rawClient(server.port)
        c.socket.allowHalfOpen = peerKeepsItsSideOpen
        c.send('*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n')
        const id = /^:(\d+)\r\n$/.exec((await c.read(endsWith('\r\n'))).toString('latin1'))![1]!
        const before = await connectedClients(io)
        c.send('*1\r\n$4\r\nQUIT\r\n')
        expect((await c.read(endsWith('+OK\r\n'))).toString('latin1')).to.equal('+OK\r\n')
        // Redis frees the client once the reply is written: a few ms for the close to be seen.
        expect(await listWithout(io, id, 50)).to.not.include(`id=${id} `)
        expect(await connectedClients(io)).to.equal(before - 1)
        c.socket.destroy()
      }
    } finally {
      io.disconnect()
    }
  })

  it('QUIT: what follows it in the same read, or arrives before the close, is not run', async () => {
    const io = new Redis({ port: server.port })
    try {
      await io.del('quit:a', 'quit:b', 'quit:c')
      const c = await rawClient(server.port)
      c.send('*3\r\n$3\r\nSET\r\n$6\r\nquit:a\r\n$1\r\n1\r\n*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$6\r\nquit:b\r\n$1\r\n2\r\n')
      c.send('*3\r\n$3\r\nSET\r\n$6\r\nquit:c\r\n$1\r\n3\r\n')
      await c.closed()
      expect((await c.read(() => true)).toString('latin1')).to.equal('+OK\r\n+OK\r\n')
      expect(await io.get('quit:a')).to.equal('1')
      expect(await io.exists('quit:b', 'quit:c')).to.equal(0)
    } finally {
      io.disconnect()
    }
  })

  it('QUIT: a large reply before it reaches a client that reads late, whole, then the close', async () => {
    const io = new Redis({ port: server.port })
    try {
      const value = Buffer.alloc(8 << 20, 'q')
      await io.set('quit:big', value)
      const c = await rawClient(server.port)
      c.socket.pause()
      c.send('*2\r\n$3\r\nGET\r\n$8\r\nquit:big\r\n*1\r\n$4\r\nQUIT\r\n')
      await new Promise((r) => setTimeout(r, 300))
      c.socket.resume()
      await c.closed()
      const received = await c.read(() => true)
      const expected = Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n+OK\r\n')])
      expect(received.length).to.equal(expected.length)
      expect(received.equals(expected)).to.equal(true)
    } finally {
      await io.del('quit:big')
      io.disconnect()
    }
  })

  it('SELECT keeps databases apart per connection', async () => {
    const a = new Redis({ port: server.port, db: 3, lazyConnect: true })
    const b = new Redis({ port: server.port, lazyConnect: true })
    await a.connect()
    await b.connect()
    await a.set('conn:select', 'three')
    expect(await b.get('conn:select')).to.equal(null)
    expect(await b.select(3)).to.equal('OK')
    expect(await b.get('conn:select')).to.equal('three')
    const error = await b.select(16).then(() => undefined, (e: Error) => e.message)
    expect(error).to.equal('ERR DB index is out of range')
    a.disconnect()
    b.disconnect()
  })

  it('CLIENT SETNAME/GETNAME/ID/LIST/KILL from ioredis', async () => {
    // No reconnection: the spec kills this connection on purpose.
    const a = new Redis({ port: server.port, connectionName: 'alpha', retryStrategy: () => null })
    const b = new Redis({ port: server.port })
    try {
      expect(await a.client('GETNAME')).to.equal('alpha')
      const idA = (await a.client('ID')) as number
      const list = (await b.client('LIST')) as string
      const line = list.split('\n').find((l) => l.startsWith(`id=${idA} `))
      expect(line).to.match(/ name=alpha /)
      // ioredis announces itself with CLIENT SETINFO.
      expect(line).to.match(/ resp=2 lib-name=ioredis lib-ver=\S+$/)
      const closed = new Promise((resolve) => a.once('end', resolve))
      expect(await b.client('KILL', 'ID', String(idA))).to.equal(1)
      await closed
    } finally {
      a.disconnect()
      b.disconnect()
    }
  })

  it('node-redis over RESP3 handshakes with HELLO 3 and CLIENT SETINFO', async () => {
    const client = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP: 3, name: 'nr' })
    await client.connect()
    const info = await client.clientInfo()
    expect(info.name).to.equal('nr')
    expect(info.resp).to.equal(3)
    expect(info.libName).to.match(/^node-redis/)
    const hello = (await client.withTypeMapping({ [RESP_TYPES.MAP]: Map }).hello()) as unknown as Map<string, unknown>
    expect(hello.get('proto')).to.equal(3)
    expect(hello.get('mode')).to.equal('standalone')
    await client.quit()
  })
})

describe('authentication over TCP', function () {
  let server: RunningServer
  before(async () => {
    server = await startServer({ args: ['--requirepass', 's3cret'] })
  })
  after(async () => {
    await server.stop()
  })

  it('refuses commands until AUTH, then accepts them', async () => {
    const c = await rawClient(server.port)
    c.send('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nAUTH\r\n$5\r\nwrong\r\n*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n*1\r\n$4\r\nPING\r\n')
    const got = await c.read(endsWith('+PONG\r\n'))
    expect(got.toString('latin1')).to.equal(
      '-NOAUTH Authentication required.\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '+OK\r\n+PONG\r\n',
    )
    c.end()
  })

  it('ioredis and node-redis authenticate with the password', async () => {
    const io = new Redis({ port: server.port, password: 's3cret' })
    expect(await io.ping()).to.equal('PONG')
    io.disconnect()
    const nr = createClient({ url: `redis://127.0.0.1:${server.port}`, password: 's3cret', RESP: 3 })
    await nr.connect()
    expect(await nr.ping()).to.equal('PONG')
    await nr.quit()
  })

  it('RESET logs the connection out again', async () => {
    const c = await rawClient(server.port)
    c.send('*3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$6\r\ns3cret\r\n*1\r\n$5\r\nRESET\r\n*1\r\n$4\r\nPING\r\n')
    const got = await c.read(endsWith('required.\r\n'))
    expect(got.toString('latin1')).to.equal('+OK\r\n+RESET\r\n-NOAUTH Authentication required.\r\n')
    c.end()
  })
})
