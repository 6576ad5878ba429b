import { expect } from 'chai'
import { lastValueFrom, mergeAll, toArray } from 'rxjs'
import { closedLoop } from '../../src/bench/closedLoop.js'
import { BenchConnection } from '../../src/bench/connection.js'
import { openPool } from '../../src/bench/pool.js'
import { encodeCommand } from '../../src/bench/resp.js'
import type { Reply } from '../../src/protocol/reply.js'
import type { ReplyTimes } from '../../src/bench/pipe.js'
import { startRedisServer, type RedisServer } from './support/redisServer.js'

const text = (r: Reply): string =>
  r.kind !== 'bulk' ? JSON.stringify(r) : typeof r.value === 'string' ? r.value : r.value.toString('latin1')

describe('BenchConnection against redis-server', function () {
  this.timeout(30_000)
  let redis: RedisServer
  before(async () => (redis = await startRedisServer()))
  after(async () => redis?.stop())

  it('pipelines thousands of requests in one tick and matches every reply to its request', async () => {
    const c = await BenchConnection.open({ port: redis.port })
    try {
      const n = 5000
      // Different lengths and binary payloads, so a reply matched to the wrong request shows.
      const values = Array.from({ length: n }, (_, i) => Buffer.from(`v${i}:` + 'x'.repeat(i % 97) + '\u0000\r\n', 'latin1'))
      const sets = values.map((v, i) => c.request(encodeCommand(['SET', `corr:${i}`, v])))
      const gets = values.map((_, i) => c.request(encodeCommand(['GET', `corr:${(i * 7919) % n}`])))
      expect(c.inFlight).to.equal(2 * n)
      expect((await Promise.all(sets)).every((r) => r.kind === 'simple' && r.value === 'OK')).to.equal(true)
      const got = await Promise.all(gets)
      got.forEach((reply, i) => expect(text(reply)).to.equal(values[(i * 7919) % n]!.toString('latin1')))
      expect(c.inFlight).to.equal(0)
    } finally {
      c.close()
    }
  })

  it('keeps per-request order when replies arrive split across reads (large values)', async () => {
    const c = await BenchConnection.open({ port: redis.port })
    try {
      const big = 'b'.repeat(300_000)
      await c.request(encodeCommand(['SET', 'big', big]))
      const replies = await Promise.all([c.request(encodeCommand(['GET', 'big'])), c.request(encodeCommand(['PING'])), c.request(encodeCommand(['GET', 'big']))])
      expect(text(replies[0]!)).to.have.length(300_000)
      expect(replies[1]).to.deep.equal({ kind: 'simple', value: 'PONG' })
      expect(text(replies[2]!)).to.equal(big)
    } finally {
      c.close()
    }
  })

  it("stamps a write's time and its first answering read on every request it carried", async () => {
    const c = await BenchConnection.open({ port: redis.port })
    try {
      const big = 'b'.repeat(400_000)
      await c.request(encodeCommand(['SET', 'stamped', big]))
      // One write of three requests; the GET's reply needs several reads (the read buffer is 64 KiB).
      const settled: { reply: Reply; times: ReplyTimes }[] = []
      const all = new Promise<void>((resolve) => {
        const pending = { settle: (reply: Reply, times: ReplyTimes) => settled.push({ reply, times }) === 3 && resolve() }
        for (const args of [['GET', 'stamped'], ['PING'], ['GET', 'stamped']]) c.send(encodeCommand(args), pending)
      })
      await all
      const [first, ping, last] = settled.map((s) => s.times)
      const { sentAt, firstReplyAt } = first!
      expect(settled.map((s) => [s.times.sentAt, s.times.firstReplyAt])).to.deep.equal([[sentAt, firstReplyAt], [sentAt, firstReplyAt], [sentAt, firstReplyAt]])
      expect(sentAt).to.be.below(firstReplyAt)
      // The first read carried only the start of the first GET's reply: the write is answered
      // from then on, before that reply is complete.
      expect(firstReplyAt).to.be.below(first!.readAt)
      expect(first!.readAt).to.be.at.most(ping!.readAt)
      expect(ping!.readAt).to.be.below(last!.readAt)
      expect(settled[1]!.reply).to.deep.equal({ kind: 'simple', value: 'PONG' })
      expect(text(settled[2]!.reply)).to.equal(big)
    } finally {
      c.close()
    }
  })

  it('stamps replies read in one poll phase with when that phase began, not with when the harness got to each', async () => {
    // Every call of the clock is later than the one before, so a read stamped on its own turn shows.
    let ticks = 0
    const clock = (): number => ++ticks
    const connections = await Promise.all([0, 1, 2].map(() => BenchConnection.open({ port: redis.port, clock })))
    try {
      const stamps: number[] = []
      const answered = connections.map(
        (c) =>
          new Promise<void>((resolve) =>
            c.send(encodeCommand(['PING']), {
              settle: (_reply, times) => {
                stamps.push(times.readAt)
                // Handling a read costs the harness time; the next connection's reply was ready all along.
                clock()
                resolve()
              },
            }),
          ),
      )
      // The writes go out in this turn's immediate; hold the loop until all three replies are
      // surely back, so one poll phase reports the three sockets together.
      await new Promise((resolve) => setImmediate(resolve))
      const until = Date.now() + 100
      while (Date.now() < until);
      await Promise.all(answered)
      expect(stamps).to.have.length(3)
      expect(new Set(stamps).size).to.equal(1)
    } finally {
      for (const c of connections) c.close()
    }
  })

  it('a closed loop over a pool gets each INCR answer in order: per key, the counter values 1..n', async () => {
    const pool = await openPool({ port: redis.port, clients: 4 })
    try {
      const sources = pool.connections.map((_, i) => () => ({ op: 'incr', frame: encodeCommand(['INCR', `loop:${i}`]) }))
      const done = await lastValueFrom(closedLoop(pool.connections, sources, { pipeline: 16, requests: 4000 }).pipe(mergeAll(), toArray()))
      expect(done).to.have.length(4000)
      // Each connection increments its own counter, so in reply order it must read 1, 2, 3, …
      for (let pipe = 0; pipe < 4; pipe++) {
        const values = done.filter((c) => c.pipe === pipe).map((c) => (c.reply.kind === 'integer' ? Number(c.reply.value) : -1))
        expect(values).to.deep.equal(values.map((_, i) => i + 1))
      }
      const totals = await Promise.all(pool.connections.map((c, i) => c.request(encodeCommand(['GET', `loop:${i}`]))))
      expect(totals.map(text).map(Number).reduce((a, b) => a + b, 0)).to.equal(4000)
    } finally {
      pool.close()
    }
  })

  it('settles pending requests with CONNECTION errors when the server goes away', async () => {
    const c = await BenchConnection.open({ port: redis.port })
    const reply = c.request(encodeCommand(['BLPOP', 'no-such-list', '5']))
    setTimeout(() => c.close(), 50)
    expect(await reply).to.deep.equal({ kind: 'error', value: 'CONNECTION closed' })
    expect(c.open).to.equal(false)
  })

  it('rejects a pool whose AUTH fails, naming the server error', async () => {
    try {
      await openPool({ port: redis.port, clients: 2, tenants: 2, password: 'pw' })
      expect.fail('opened')
    } catch (error) {
      expect((error as Error).message).to.match(/^AUTH failed: (WRONGPASS|ERR)/)
    }
  })
})
