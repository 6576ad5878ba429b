// Every client socket reads into one buffer the server shares across connections, and a request's
// arguments are views of it until the pass that handles the read ends (src/protocol/read-buffer.ts).
// The server overwrites the buffer after each read, so a view kept by mistake shows at once as
// wrong bytes. These specs drive what keeps request bytes past a read, while other clients' reads
// overwrite the buffer: replies held for the WAL, large echoes written at the end of the turn,
// commands split across reads, pipelines that wait behind a password derivation, and hostile
// clients whose garbage and half commands land between honest clients' reads.

import { expect } from 'chai'
import { Redis, type ChainableCommander } from 'ioredis'
import { startServer, type RunningServer } from '../support/server.js'
import { endsWith, rawClient, replies } from '../support/raw.js'

/** A payload that names its owner and round, `size` bytes long. */
const payload = (owner: string, round: number, size: number): string => `${owner}/${round}:`.padEnd(size, String.fromCharCode(97 + (round % 26)))

const bulk = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')])
}
const command = (...args: (string | Buffer)[]): Buffer => Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map(bulk)])

/** Keeps `clients` busy with pipelines until stopped, so their reads land between ours. */
const keepBusy = (clients: Redis[]): { stop(): Promise<void> } => {
  let stopped = false
  const loops = clients.map(async (c, n) => {
    for (let round = 0; !stopped; round++) {
      const p = c.pipeline()
      for (let i = 0; i < 50; i++) p.set(`noise:${n}:${i}`, payload(`noise${n}`, round, 200)).echo(payload('echo', round, 100))
      await p.exec()
    }
  })
  return {
    stop: async () => {
      stopped = true
      await Promise.all(loops)
    },
  }
}

describe('requests read into one buffer shared by every connection', function () {
  this.timeout(60_000)
  let server: RunningServer
  const opened: Redis[] = []
  const connect = (options: { username?: string; password?: string } = {}): Redis => {
    const redis = new Redis({ port: server.port, ...options })
    opened.push(redis)
    return redis
  }

  before(async () => {
    server = await startServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always', '--requirepass', 'admin-pw'] })
  })
  after(async () => {
    for (const redis of opened) redis.disconnect()
    await server.stop()
  })

  /**
   * Four clients at once, 25 pipelines each: `fill` queues one pipeline's commands and returns the
   * replies they must get, which are checked exactly.
   */
  const pipelinesAtOnce = async (fill: (p: ChainableCommander, client: number, round: number) => unknown[]): Promise<void> => {
    const clients = [0, 1, 2, 3].map(() => connect({ password: 'admin-pw' }))
    await Promise.all(
      clients.map(async (c, n) => {
        for (let round = 0; round < 25; round++) {
          const p = c.pipeline()
          const expected = fill(p, n, round)
          const results = (await p.exec())!
          expect(results.map(([e]) => e)).to.deep.equal(expected.map(() => null))
          expect(results.map(([, r]) => r)).to.deep.equal(expected)
        }
      }),
    )
  }

  it('answers pipelines of writes, reads and echoes from many clients exactly, with replies held for the WAL', async () => {
    await pipelinesAtOnce((p, n, round) => {
      const expected: unknown[] = []
      for (let i = 0; i < 20; i++) {
        const key = `sr:${n}:${i}`
        const value = payload(key, round, 60 + i * 40)
        // A write first, so every reply after it waits for its fsync.
        p.set(key, value)
        expected.push('OK')
        // 16 KiB and up: the encoder would hand a view to the socket as it is.
        const big = payload(`echo:${n}:${i}`, round, 16 * 1024 + i * 700)
        p.echo(big)
        expected.push(big)
        p.get(key)
        expected.push(value)
        p.ping(`ping:${n}:${round}:${i}`)
        expected.push(`ping:${n}:${round}:${i}`)
        p.call('COMMAND', 'GETKEYS', 'SET', key, value)
        expected.push([key])
      }
      return expected
    })
  })

  it('answers large echoes that wait for nothing, written at the end of the turn, exactly', async () => {
    // No writes anywhere: replies go straight to the encoder, which would hand a view of 16 KiB or
    // more to the socket as it is, to be written after other reads overwrote it.
    await pipelinesAtOnce((p, n, round) => {
      const expected: string[] = []
      for (let i = 0; i < 3; i++) {
        const big = payload(`quiet:${n}:${i}`, round, 16 * 1024 + i * 5000)
        p.echo(big)
        expected.push(big)
      }
      return expected
    })
  })

  it('assembles a command split across reads while other clients read in between', async () => {
    const busy = keepBusy([0, 1, 2].map(() => connect({ password: 'admin-pw' })))
    try {
      const raw = await rawClient(server.port)
      raw.send(command('AUTH', 'admin-pw'))
      expect((await raw.read(endsWith('+OK\r\n'))).toString()).to.equal('+OK\r\n')
      const values = [payload('a', 1, 300), payload('b', 2, 20_000), payload('c', 3, 40_000), payload('d', 4, 10)]
      // MSET with its keys and values cut at every few hundred bytes: the decoder keeps finished
      // arguments and the unfinished one across reads.
      const wire = command('MSET', 'split:a', values[0]!, 'split:b', values[1]!, 'split:c', values[2]!, 'split:d', values[3]!)
      for (let at = 0; at < wire.length; at += 997) {
        raw.send(wire.subarray(at, Math.min(wire.length, at + 997)))
        await new Promise((r) => setTimeout(r, 1))
      }
      // (read() hands over what arrived and starts afresh: AUTH's +OK is gone.)
      expect((await raw.read(endsWith('+OK\r\n'))).toString()).to.equal('+OK\r\n')
      // An inline command split in two.
      raw.send('ECHO inline-')
      await new Promise((r) => setTimeout(r, 20))
      raw.send('split\r\n')
      expect((await raw.read(replies(1))).toString()).to.equal('$12\r\ninline-split\r\n')
      raw.end()
      const reader = connect({ password: 'admin-pw' })
      expect(await reader.mget('split:a', 'split:b', 'split:c', 'split:d')).to.deep.equal(values)
    } finally {
      await busy.stop()
    }
  })

  it('runs a pipeline that waits behind AUTH as a tenant (a password derivation) with its own arguments', async () => {
    const admin = connect({ password: 'admin-pw' })
    expect(await admin.call('TENANT', 'CREATE', 'reads-tenant', 'tenant-pw')).to.equal('OK')
    const busy = keepBusy([0, 1].map(() => connect({ password: 'admin-pw' })))
    try {
      for (let round = 0; round < 5; round++) {
        const raw = await rawClient(server.port)
        const value = payload('tenant', round, 5000)
        // One write: AUTH pauses the batch on the thread pool; the rest queues behind it.
        raw.send(Buffer.concat([command('AUTH', 'reads-tenant', 'tenant-pw'), command('SET', `t:${round}`, value), command('GET', `t:${round}`), command('ECHO', `after-auth-${round}`)]))
        const expected = `+OK\r\n+OK\r\n${bulk(value).toString('latin1')}${bulk(`after-auth-${round}`).toString('latin1')}`
        const received = await raw.read((r) => r.length >= expected.length)
        expect(received.toString('latin1')).to.equal(expected)
        raw.end()
      }
      const tenant = connect({ username: 'reads-tenant', password: 'tenant-pw' })
      expect(await tenant.get('t:4')).to.equal(payload('tenant', 4, 5000))
    } finally {
      await busy.stop()
    }
  })

  it('answers honest clients exactly while hostile ones send garbage, half commands and huge headers, and vanish', async () => {
    const end = Date.now() + 3000
    let seed = 12345
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    const fragments = ['*', '$', '\r\n', '\n', '*3\r\n', '$3\r\nSET\r\n', '$-1\r\n', '*-5\r\n', '$99999999999\r\n', '*1048577\r\n', 'PING\r\n', '"unbalanced\r\n', '$5\r\nhello\r\n', '*2\r\n$4\r\nECHO\r\n', '$20000\r\n', 'x'.repeat(3000), '\x00\xff', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$70000\r\n']
    let hostile = 0
    const hostileClient = async (): Promise<void> => {
      while (Date.now() < end) {
        const raw = await rawClient(server.port)
        for (let i = 0, n = 1 + Math.floor(random() * 30); i < n && !raw.socket.destroyed; i++) {
          raw.send(random() < 0.2 ? Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256))) : fragments[Math.floor(random() * fragments.length)]!)
          if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 3)))
        }
        if (random() < 0.5) raw.socket.destroy()
        else raw.end()
        hostile++
      }
    }
    let checked = 0
    const honestClient = async (id: number): Promise<void> => {
      const c = connect({ password: 'admin-pw' })
      for (let round = 0; Date.now() < end; round++) {
        const p = c.pipeline()
        const expected: string[] = []
        for (let i = 0; i < 20; i++) {
          const value = payload(`honest:${id}:${i}`, round, 10 + ((round * 7 + i * 13) % 40_000))
          p.set(`honest:${id}:${i}`, value).get(`honest:${id}:${i}`).echo(value.slice(0, 20_000))
          expected.push('OK', value, value.slice(0, 20_000))
        }
        const results = (await p.exec())!
        expect(results.map(([, r]) => r)).to.deep.equal(expected)
        checked += expected.length
      }
    }
    await Promise.all([...[0, 1, 2, 3].map(hostileClient), ...[0, 1, 2].map(honestClient)])
    expect(hostile).to.be.above(20)
    expect(checked).to.be.above(1000)
    expect(await connect({ password: 'admin-pw' }).ping()).to.equal('PONG')
  })
})
