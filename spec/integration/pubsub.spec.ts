// Pub/Sub over TCP with real clients: ioredis's and node-redis's subscribe, psubscribe and their
// message events; tenant isolation on the same channel names; CLIENT LIST/INFO and INFO stats;
// a subscriber that disconnects mid-stream; and a subscriber that stops reading, closed by the
// pubsub output limit while the others keep receiving.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { startServer, type RunningServer } from '../support/server.js'
import { clientPool } from '../support/clients.js'
import { rawClient, replies } from '../support/raw.js'
import { encodeCommand } from '../support/big-strings.js'
import { waitFor } from '../support/info.js'

const ADMIN = 'admin-pw'

/** Resolves with the first `count` values the emitter passes to `event`. */
const collect = <T extends unknown[]>(client: Redis, event: string, count: number): Promise<T[]> =>
  new Promise((resolve) => {
    const seen: T[] = []
    const on = (...args: unknown[]) => {
      seen.push(args as T)
      if (seen.length === count) {
        client.off(event, on)
        resolve(seen)
      }
    }
    client.on(event, on)
  })

const infoField = (info: string, field: string): string | undefined => new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(info)?.[1]

describe('Pub/Sub over TCP', function () {
  this.timeout(60_000)
  let server: RunningServer
  const { connect, disconnectAll } = clientPool(() => server.port, ADMIN)

  before(async () => {
    server = await startServer({ args: ['--requirepass', ADMIN, '--client-output-buffer-limit', 'pubsub 1mb 256kb 1'] })
    const admin = connect()
    expect(await admin.call('TENANT', 'CREATE', 't1', 'p1')).to.equal('OK')
    expect(await admin.call('TENANT', 'CREATE', 't2', 'p2')).to.equal('OK')
  })

  afterEach(() => {
    disconnectAll()
  })

  after(async () => {
    await server?.stop()
  })

  it('ioredis: subscribe and psubscribe deliver message and pmessage events, publish counts receivers', async () => {
    const sub = connect()
    const pub = connect()
    expect(await sub.subscribe('news', 'sport')).to.equal(2)
    expect(await sub.psubscribe('news.*')).to.equal(3)
    const messages = collect<[string, string]>(sub, 'message', 2)
    const pmessages = collect<[string, string, string]>(sub, 'pmessage', 1)
    expect(await pub.publish('news', 'hello')).to.equal(1)
    expect(await pub.publish('news.tech', 'chips')).to.equal(1)
    expect(await pub.publish('sport', 'goal')).to.equal(1)
    expect(await pub.publish('weather', 'rain')).to.equal(0)
    expect(await messages).to.deep.equal([['news', 'hello'], ['sport', 'goal']])
    expect(await pmessages).to.deep.equal([['news.*', 'news.tech', 'chips']])
    expect(await pub.pubsub('NUMSUB', 'news', 'weather')).to.deep.equal(['news', 1, 'weather', 0])
    expect(await pub.pubsub('NUMPAT')).to.equal(1)
    // Named: ioredis waits forever on a bare UNSUBSCRIBE while patterns remain (against Redis too).
    expect(await sub.unsubscribe('news', 'sport')).to.equal(1)
    expect(await sub.punsubscribe('news.*')).to.equal(0)
    expect(await pub.publish('news', 'again')).to.equal(0)
    // Out of subscribed mode, the connection runs any command again.
    expect(await sub.ping()).to.equal('PONG')
  })

  it('ioredis: binary channel names and payloads arrive as sent (messageBuffer)', async () => {
    const sub = connect()
    const pub = connect()
    const channel = Buffer.from([0, 1, 0xff, 0x20])
    const payload = Buffer.from([0xde, 0xad, 0, 0xbe, 0xef, 13, 10])
    await sub.subscribe(channel as unknown as string)
    const got = new Promise<[Buffer, Buffer]>((resolve) => sub.once('messageBuffer', (c: Buffer, m: Buffer) => resolve([c, m])))
    expect(await pub.publish(channel, payload)).to.equal(1)
    const [c, m] = await got
    expect(c.equals(channel)).to.equal(true)
    expect(m.equals(payload)).to.equal(true)
  })

  it('node-redis v5 (RESP2): subscribe and pSubscribe listeners receive messages', async () => {
    const url = `redis://:${ADMIN}@127.0.0.1:${server.port}`
    const sub = createClient({ url })
    const pub = createClient({ url })
    sub.on('error', () => {})
    pub.on('error', () => {})
    await sub.connect()
    await pub.connect()
    try {
      const seen: string[] = []
      const done = new Promise<void>((resolve) => {
        const note = (text: string) => {
          seen.push(text)
          if (seen.length === 2) resolve()
        }
        void sub.subscribe('orders', (message, channel) => note(`${channel}:${message}`))
        void sub.pSubscribe('ord*', (message, channel) => note(`p ${channel}:${message}`))
      })
      await waitFor('the subscriptions', async () => (await pub.pubSubNumPat()) === 1 && (await pub.pubSubNumSub('orders')).orders === 1)
      expect(await pub.publish('orders', 'one')).to.equal(2)
      await done
      expect(seen.sort()).to.deep.equal(['orders:one', 'p orders:one'])
    } finally {
      sub.destroy()
      pub.destroy()
    }
  })

  it('tenants: the same channel name in two tenants and the admin never meet', async () => {
    const s1 = connect({ username: 't1', password: 'p1' })
    const s2 = connect({ username: 't2', password: 'p2' })
    const sa = connect()
    const p1 = connect({ username: 't1', password: 'p1' })
    const pa = connect()
    await s1.subscribe('chat')
    await s2.subscribe('chat')
    await sa.subscribe('chat')
    await s2.psubscribe('*')
    const got1 = collect<[string, string]>(s1, 'message', 1)
    const gotA = collect<[string, string]>(sa, 'message', 1)
    expect(await p1.publish('chat', 'from t1')).to.equal(1)
    expect(await pa.publish('chat', 'from admin')).to.equal(1)
    expect(await got1).to.deep.equal([['chat', 'from t1']])
    expect(await gotA).to.deep.equal([['chat', 'from admin']])
    // t1 sees only its own channel and none of t2's patterns.
    expect(await p1.pubsub('CHANNELS')).to.deep.equal(['chat'])
    expect(await p1.pubsub('NUMSUB', 'chat')).to.deep.equal(['chat', 1])
    expect(await p1.pubsub('NUMPAT')).to.equal(0)
    expect(infoField(await p1.info('stats'), 'pubsub_channels')).to.equal('1')
    expect(infoField(await p1.info('stats'), 'pubsub_patterns')).to.equal('0')
    expect(await pa.pubsub('NUMSUB', 'chat')).to.deep.equal(['chat', 1])
    // CLIENT LIST shows a tenant its own subscribers, with their counts and flag P.
    const list = String(await p1.client('LIST', 'TYPE', 'PUBSUB'))
    const lines = list.trim().split('\n')
    expect(lines).to.have.length(1)
    expect(lines[0]).to.match(/ flags=P /).and.to.match(/ sub=1 psub=0 ssub=0 /)
    expect(String(await p1.client('LIST', 'TYPE', 'NORMAL'))).to.not.match(/flags=P/)
  })

  it('a subscriber that disconnects is removed from every channel and pattern', async () => {
    const sub = connect()
    const pub = connect()
    await sub.subscribe('a', 'b')
    await sub.psubscribe('a*')
    expect(await pub.publish('a', 'x')).to.equal(2)
    sub.disconnect()
    await waitFor('the subscriber to go', async () => (await pub.publish('a', 'y')) === 0)
    expect(await pub.pubsub('NUMSUB', 'a', 'b')).to.deep.equal(['a', 0, 'b', 0])
    expect(await pub.pubsub('CHANNELS', '[ab]')).to.deep.equal([])
  })

  it('a subscriber closed in the middle of a stream of messages costs the others nothing', async () => {
    const keep = connect()
    const pub = connect()
    const leaving = await rawClient(server.port)
    leaving.send(Buffer.concat([encodeCommand(['AUTH', ADMIN]), encodeCommand(['SUBSCRIBE', 'stream'])]))
    await leaving.read(replies(2))
    await keep.subscribe('stream')
    const all = collect<[string, string]>(keep, 'message', 200)
    for (let i = 0; i < 200; i++) {
      if (i === 100) leaving.socket.destroy()
      void pub.publish('stream', String(i))
    }
    const got = await all
    expect(got.map(([, m]) => Number(m))).to.deep.equal(Array.from({ length: 200 }, (_, i) => i))
    await waitFor('the subscriber to go', async () => ((await pub.pubsub('NUMSUB', 'stream')) as unknown[])[1] === 1)
  })

  it('a subscriber that does not read is closed at the output limit; the others keep receiving', async () => {
    const reader = connect()
    const pub = connect()
    const stalled = await rawClient(server.port)
    stalled.send(Buffer.concat([encodeCommand(['AUTH', ADMIN]), encodeCommand(['SUBSCRIBE', 'flood'])]))
    await stalled.read(replies(2))
    stalled.socket.pause()
    await reader.subscribe('flood')
    const payload = 'x'.repeat(64 * 1024)
    let received = 0
    reader.on('message', () => received++)
    // 1mb hard limit: a few dozen 64 KB messages, well past what the kernel buffers take.
    let receivers = 2
    for (let i = 0; i < 400 && receivers === 2; i++) receivers = await pub.publish('flood', payload)
    expect(receivers).to.equal(1)
    await waitFor('the subscriber to go', async () => ((await pub.pubsub('NUMSUB', 'flood')) as unknown[])[1] === 1)
    expect(await pub.publish('flood', 'after')).to.equal(1)
    await waitFor('the log line', async () => received > 0 && server.output().includes('overcoming of output buffer limits'))
    stalled.socket.destroy()
  })

  it('RESET and AUTH as another tenant drop the subscriptions', async () => {
    const c = await rawClient(server.port)
    c.send(Buffer.concat([encodeCommand(['AUTH', ADMIN]), encodeCommand(['HELLO', '3']), encodeCommand(['SUBSCRIBE', 'r'])]))
    await c.read(replies(3))
    const pub = connect()
    expect(await pub.publish('r', 'x')).to.equal(1)
    await c.read(replies(1))
    c.send(encodeCommand(['AUTH', 't1', 'p1']))
    expect((await c.read(replies(1))).toString()).to.equal('+OK\r\n')
    expect(await pub.publish('r', 'x')).to.equal(0)
    c.send(Buffer.concat([encodeCommand(['SUBSCRIBE', 'r']), encodeCommand(['RESET']), encodeCommand(['AUTH', 't1', 'p1']), encodeCommand(['PUBSUB', 'NUMSUB', 'r'])]))
    expect((await c.read(replies(4))).toString('latin1')).to.equal(
      '>3\r\n$9\r\nsubscribe\r\n$1\r\nr\r\n:1\r\n+RESET\r\n+OK\r\n*2\r\n$1\r\nr\r\n:0\r\n',
    )
    c.socket.destroy()
  })

  it('PUBLISH inside MULTI queues, and is not refused while writes are', async () => {
    const sub = connect()
    const pub = connect()
    await sub.subscribe('m')
    const got = collect<[string, string]>(sub, 'message', 1)
    expect(await pub.multi().publish('m', 'queued').exec()).to.deep.equal([[null, 1]])
    expect(await got).to.deep.equal([['m', 'queued']])
    const info = String(await pub.call('COMMAND', 'INFO', 'publish'))
    expect(info).to.include('pubsub').and.to.not.include('write')
  })
})
