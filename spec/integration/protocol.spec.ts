// Exact reply bytes over TCP for protocol edge cases, as mini-redis tests them: pipelining,
// inline commands, protocol errors (reply, then close; other clients unaffected), RESP3.

import { expect } from 'chai'
import { startServer, type RunningServer } from '../support/server.js'
import { rawClient, endsWith, replies } from '../support/raw.js'

describe('protocol over TCP', function () {
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server.stop()
  })

  it('answers a deep pipeline in order in one go', async () => {
    const c = await rawClient(server.port)
    let request = ''
    let expected = ''
    for (let i = 0; i < 2000; i++) {
      request += `*3\r\n$3\r\nSET\r\n$${`k${i}`.length}\r\nk${i}\r\n$${String(i).length}\r\n${i}\r\n*2\r\n$3\r\nGET\r\n$${`k${i}`.length}\r\nk${i}\r\n`
      expected += `+OK\r\n$${String(i).length}\r\n${i}\r\n`
    }
    c.send(request)
    const got = await c.read((b) => b.length >= expected.length)
    expect(got.toString('latin1')).to.equal(expected)
    c.end()
  })

  it('keeps state across arbitrary chunk boundaries (one byte at a time)', async () => {
    const c = await rawClient(server.port)
    const request = Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\nbyte\r\n$5\r\na\r\nb\x00\r\n*2\r\n$3\r\nGET\r\n$4\r\nbyte\r\n')
    for (const b of request) {
      c.socket.write(Buffer.from([b]))
      await new Promise((r) => setImmediate(r))
    }
    const got = await c.read(endsWith('a\r\nb\x00\r\n'))
    expect(got.toString('latin1')).to.equal('+OK\r\n$5\r\na\r\nb\x00\r\n')
    c.end()
  })

  it('reads a command of a million arguments in linear time, its arguments intact', async () => {
    // Read in some 160 socket reads: each read rescanned every argument cut so far (detach), so
    // this took seconds of a blocked event loop; Redis answers in half a second.
    const c = await rawClient(server.port)
    const count = 1024 * 1024 - 1
    const parts = [`*${count + 1}\r\n$6\r\nEXISTS\r\n`]
    for (let i = 0; i < count; i++) parts.push(i === count - 1 ? '$4\r\nlast\r\n' : `$${`m${i}`.length}\r\nm${i}\r\n`)
    const setup = await rawClient(server.port)
    setup.send('SET m0 a\r\nSET m524288 b\r\nSET last c\r\n')
    await setup.read(replies(3))
    setup.end()
    const request = parts.join('')
    const started = performance.now()
    c.send(request)
    const got = await c.read(endsWith('\r\n'), 10_000)
    expect(performance.now() - started).to.be.below(1500)
    expect(got.toString()).to.equal(':3\r\n')
    c.end()
  })

  it('accepts inline commands with quotes', async () => {
    const c = await rawClient(server.port)
    c.send('SET inline "hello world"\r\nGET inline\nPING\r\n')
    const got = await c.read(endsWith('+PONG\r\n'))
    expect(got.toString()).to.equal('+OK\r\n$11\r\nhello world\r\n+PONG\r\n')
    c.end()
  })

  const protocolErrors: [string, string][] = [
    ['*1\r\n$x\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
    ['*1\r\n$-5\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
    ['*abc\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
    ['*2000000\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
    ['*1\r\nx3\r\nfoo\r\n', "-ERR Protocol error: expected '$', got 'x'\r\n"],
    ['SET a "unbalanced\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n'],
    ['*1\r\n$600000000\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
  ]
  for (const [input, reply] of protocolErrors) {
    it(`replies ${JSON.stringify(reply)} to ${JSON.stringify(input)} and closes`, async () => {
      const bystander = await rawClient(server.port)
      const c = await rawClient(server.port)
      c.send('PING\r\n' + input)
      const got = await c.read(endsWith(reply))
      expect(got.toString('latin1')).to.equal('+PONG\r\n' + reply)
      await c.closed()
      bystander.send('PING\r\n')
      expect((await bystander.read(endsWith('\r\n'))).toString()).to.equal('+PONG\r\n')
      bystander.end()
    })
  }

  it('closes an inline request longer than 64 KB without a newline', async () => {
    const c = await rawClient(server.port)
    c.send('A'.repeat(70 * 1024))
    const got = await c.read(endsWith('\r\n'))
    expect(got.toString()).to.equal('-ERR Protocol error: too big inline request\r\n')
    await c.closed()
  })

  it('speaks RESP3 after HELLO 3 and RESP2 again after HELLO 2', async () => {
    const c = await rawClient(server.port)
    c.send('*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n')
    const hello = (await c.read((b) => b.includes('proto'))).toString()
    expect(hello.startsWith('%')).to.equal(true)
    await new Promise((r) => setTimeout(r, 50))
    c.send('GET missing-key\r\nHELLO 2\r\nGET missing-key\r\n')
    const rest = await c.read(endsWith('$-1\r\n'))
    const text = rest.toString()
    expect(text.startsWith('_\r\n')).to.equal(true)
    expect(text).to.match(/\*14\r\n/)
    expect(text.endsWith('$-1\r\n')).to.equal(true)
    c.end()
  })

  it('answers an unknown command with Redis\'s text', async () => {
    const c = await rawClient(server.port)
    c.send('FOOBAR a b\r\nFOOBAR\r\n')
    const got = await c.read((b) => b.toString().split('\r\n').length > 2)
    expect(got.toString()).to.equal(
      "-ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' \r\n-ERR unknown command 'FOOBAR', with args beginning with: \r\n",
    )
    c.end()
  })

  it('answers a wrong arity with Redis\'s text', async () => {
    const c = await rawClient(server.port)
    c.send('GET\r\nGET a b\r\n')
    const got = await c.read((b) => b.toString().split('\r\n').length > 2)
    expect(got.toString()).to.equal(
      "-ERR wrong number of arguments for 'get' command\r\n-ERR wrong number of arguments for 'get' command\r\n",
    )
    c.end()
  })

  it('stores and returns a 1 MB binary value intact', async () => {
    const c = await rawClient(server.port)
    const value = Buffer.alloc(1024 * 1024)
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff
    c.send(Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n`), value, Buffer.from('\r\n')]))
    expect((await c.read(endsWith('\r\n'))).toString()).to.equal('+OK\r\n')
    c.send('GET big\r\n')
    const header = `$${value.length}\r\n`
    const got = await c.read((b) => b.length >= header.length + value.length + 2)
    expect(got.subarray(0, header.length).toString()).to.equal(header)
    expect(got.subarray(header.length, header.length + value.length).equals(value)).to.equal(true)
    c.end()
  })

  it('shows a half-sent command in CLIENT LIST qbuf', async () => {
    const half = await rawClient(server.port)
    half.send('CLIENT ID\r\n')
    const id = /^:(\d+)/.exec((await half.read(endsWith('\r\n'))).toString())![1]
    half.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n12345')
    await new Promise((r) => setTimeout(r, 100))
    const other = await rawClient(server.port)
    other.send('CLIENT LIST\r\n')
    const list = (await other.read(replies(1))).toString()
    const line = list.split('\n').find((l) => l.includes(`id=${id} `))!
    expect(line).to.include(' qbuf=5 ')
    half.send('67890\r\n')
    expect((await half.read(endsWith('\r\n'))).toString()).to.equal('+OK\r\n')
    half.end()
    other.end()
  })

  it("counts the running command in a client's own CLIENT LIST and CLIENT INFO qbuf, as Redis", async () => {
    const c = await rawClient(server.port)
    // Redis keeps a read's bytes in the query buffer until the commands it completed have run.
    c.send('*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n')
    expect((await c.read(replies(1))).toString()).to.include(' qbuf=26 ')
    c.send('*2\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n')
    expect((await c.read(replies(1))).toString()).to.include(' qbuf=26 ')
    // Two pipelined in one read: both see the whole read (26 + 13 bytes).
    c.send('*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\nCLIENT INFO\r\n')
    const both = (await c.read(replies(2))).toString()
    expect(both.match(/ qbuf=\d+ /g)).to.deep.equal([' qbuf=39 ', ' qbuf=39 '])
    c.end()
  })

  it('delivers every reply intact to a client that reads late (replies queued behind a full socket)', async () => {
    const c = await rawClient(server.port)
    const values = Array.from({ length: 200 }, (_, i) => `${i}:`.padEnd(1000, String.fromCharCode(97 + (i % 26))))
    c.send(values.map((v, i) => `SET late:${i} ${v}\r\n`).join(''))
    await c.read(endsWith('+OK\r\n'.repeat(200)))
    c.socket.pause()
    let expected = ''
    // Many turns of about 200 KB each: the kernel's buffer fills, later writes wait in the
    // socket, and the server keeps encoding replies meanwhile.
    for (let round = 0; round < 40; round++) {
      const order = values.map((_, i) => (i * 7 + round * 13) % values.length)
      c.socket.write(order.map((i) => `GET late:${i}\r\n`).join(''))
      expected += order.map((i) => `$1000\r\n${values[i]}\r\n`).join('')
      await new Promise((r) => setTimeout(r, 2))
    }
    await new Promise((r) => setTimeout(r, 200))
    c.socket.resume()
    const got = await c.read((b) => b.length >= expected.length)
    expect(got.length).to.equal(expected.length)
    expect(got.toString('latin1') === expected).to.equal(true)
    c.end()
  })

  it('stops reading from a client that does not read its replies, and serves others', async () => {
    const slow = await rawClient(server.port)
    const value = 'v'.repeat(64 * 1024)
    slow.send(`SET fat ${value}\r\n`)
    await slow.read(endsWith('+OK\r\n'))
    slow.send('CLIENT ID\r\n')
    const id = /^:(\d+)/.exec((await slow.read(endsWith('\r\n'))).toString())![1]
    slow.socket.pause()
    // 1000 GETs of 64 KB ask for ~65 MB of replies that this client never reads. Sent in small
    // writes, so the server sees many reads and can stop reading once output piles up.
    for (let i = 0; i < 100; i++) {
      slow.socket.write('GET fat\r\n'.repeat(10))
      await new Promise((r) => setTimeout(r, 5))
    }
    await new Promise((r) => setTimeout(r, 500))
    const other = await rawClient(server.port)
    other.send('CLIENT LIST\r\n')
    const list = (await other.read(replies(1))).toString()
    const line = list.split('\n').find((l) => l.includes(`id=${id} `))!
    const omem = Number(/ omem=(\d+)/.exec(line)![1])
    // Bounded by client-output-pause-bytes (8 MB) plus one read's worth of replies; without the
    // pause it would hold most of the 65 MB.
    expect(omem).to.be.lessThan(16 * 1024 * 1024)
    other.end()
    slow.socket.destroy()
  })
})
