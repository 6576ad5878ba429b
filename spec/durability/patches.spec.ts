// APPEND and SETRANGE of a large string, against the real server: the log records what each
// call adds, not the whole string again (appending 100 bytes at a time to a 2 MB string had
// logged 2 MB per call), a SIGKILLed server rebuilds the string from the patches, over a value
// from the log or from a checkpoint's segment, and a string growing in place shares nothing
// with its copies. BITFIELD's writes are patches too, and survive the same way.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { crashClient } from '../support/ledger.js'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { serverPool } from '../support/server.js'
import { storedRecords } from '../wal/segment-layout.js'

const SMALL_SEGMENTS = ['--wal-segment-size', '1mb']

const client = async (port: number): Promise<Redis> => {
  const redis = crashClient(port)
  await redis.connect()
  return redis
}

const randomInt = (below: number): number => Math.floor(Math.random() * below)

/** `calls` APPENDs and SETRANGEs (some past the end), each acknowledged; returns the string they leave. */
const patch = async (redis: Redis, key: string, start: Buffer, calls: number): Promise<Buffer> => {
  let model = start
  for (let i = 0; i < calls; i++) {
    const bytes = randomBytes(1 + randomInt(100))
    if (i % 3 === 2) {
      const offset = randomInt(model.length + 50)
      expect(await redis.setrange(key, offset, bytes)).to.equal(Math.max(model.length, offset + bytes.length))
      const next = Buffer.alloc(Math.max(model.length, offset + bytes.length))
      model.copy(next)
      bytes.copy(next, offset)
      model = next
    } else {
      expect(await redis.append(key, bytes)).to.equal(model.length + bytes.length)
      model = Buffer.concat([model, bytes])
    }
  }
  return model
}

const walPayloadBytes = (dir: string): number => storedRecords(join(dir, 'wal')).reduce((sum, record) => sum + record.payloadBytes, 0)

describe('APPEND and SETRANGE of a large string', function () {
  this.timeout(60_000)
  const { freshDir, start } = serverPool('wtr-patches-')

  it('logs each call as its patch, and a SIGKILLed server rebuilds the string from the log', async () => {
    const dir = freshDir()
    const server = await start({ dir, args: SMALL_SEGMENTS })
    const redis = await client(server.port)
    const base = randomBytes(256 * 1024)
    expect(await redis.set('big', base)).to.equal('OK')
    const before = walPayloadBytes(dir)
    const expected = await patch(redis, 'big', base, 300)
    const logged = walPayloadBytes(dir) - before
    // Whole values would be 300 × 256 KB = 75 MB; the patches hold at most 300 × (101 + key + header).
    expect(logged, 'bytes logged by 300 calls').to.be.below(300 * 160)
    redis.disconnect()
    await server.kill()

    const restarted = await start({ dir, args: SMALL_SEGMENTS })
    const again = await client(restarted.port)
    expect(Buffer.compare((await again.getBuffer('big'))!, expected)).to.equal(0)
    again.disconnect()
    await restarted.kill()
  })

  it('a string grown by APPEND and its COPY or RENAME grow apart', async () => {
    const server = await start({ dir: freshDir(), args: SMALL_SEGMENTS })
    const redis = await client(server.port)
    const base = 'x'.repeat(64 * 1024)
    await redis.set('a', base)
    await redis.append('a', '1')
    expect(await redis.copy('a', 'b')).to.equal(1)
    await redis.append('a', 'AAAA')
    await redis.append('b', 'BB')
    expect(await redis.rename('b', 'c')).to.equal('OK')
    await redis.append('c', 'CC')
    await redis.setrange('a', base.length + 5, 'Z')
    expect(await redis.get('a')).to.equal(`${base}1AAAAZ`)
    expect(await redis.get('c')).to.equal(`${base}1BBCC`)
    expect(await redis.object('ENCODING', 'a')).to.equal('raw')
    redis.disconnect()
    await server.kill()
  })

  it('rebuilds the string over the value a checkpoint put in a segment, also with an expiry kept', async () => {
    const dir = freshDir()
    const server = await start({ dir, args: SMALL_SEGMENTS })
    const redis = await client(server.port)
    const base = randomBytes(64 * 1024)
    expect(await redis.set('big', base, 'EX', 100_000)).to.equal('OK')
    const first = await patch(redis, 'big', base, 60)
    // BGSAVE flushes the memtable: the string so far goes to a segment, the log before it is dropped.
    expect(await redis.bgsave()).to.match(/started|scheduled/i)
    const deadline = Date.now() + 20_000
    while (!(await redis.info('persistence')).includes('rdb_bgsave_in_progress:0') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const expected = await patch(redis, 'big', first, 60)
    redis.disconnect()
    await server.kill()

    const restarted = await start({ dir, args: SMALL_SEGMENTS })
    expect(restarted.output()).to.match(/[1-9]\d* segment\(s\) opened/)
    const again = await client(restarted.port)
    expect(Buffer.compare((await again.getBuffer('big'))!, expected)).to.equal(0)
    const ttl = await again.ttl('big')
    expect(ttl).to.be.within(99_000, 100_000)
    again.disconnect()
    await restarted.kill()
  })

  it('BITFIELD SET and INCRBY, growing a string and a string with an expiry, survive a SIGKILL', async () => {
    const dir = freshDir()
    const server = await start({ dir })
    const redis = await client(server.port)
    await redis.set('t', 'abc', 'EX', 100_000)
    expect(await redis.call('BITFIELD', 't', 'SET', 'u8', '#5', '65', 'INCRBY', 'i5', '0', '3')).to.deep.equal([0, 15])
    expect(await redis.call('BITFIELD', 'n', 'SET', 'i64', '5', '-2', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '7')).to.deep.equal([0, null])
    for (let i = 0; i < 20; i++) await redis.call('BITFIELD', 'n', 'INCRBY', 'u16', '#5', '1000')
    const t = await redis.getBuffer('t')
    const n = await redis.getBuffer('n')
    redis.disconnect()
    await server.kill()

    const restarted = await start({ dir })
    const again = await client(restarted.port)
    expect(await again.getBuffer('t')).to.deep.equal(t)
    expect(t!.toString('latin1')).to.equal('yb' + 'c\0\0A')
    expect(await again.ttl('t')).to.be.within(99_000, 100_000)
    expect(await again.getBuffer('n')).to.deep.equal(n)
    expect(n!.length).to.equal(13)
    expect(await again.call('BITFIELD_RO', 'n', 'GET', 'i64', '5', 'GET', 'u16', '#5')).to.deep.equal([-2, 20_000])
    again.disconnect()
    await restarted.kill()
  })
})
