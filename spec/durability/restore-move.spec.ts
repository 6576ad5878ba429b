// RESTORE and MOVE against the real server: what they write survives a SIGKILL, and MOVE sees
// keys that are only on disk after a restart, in the source and in the target database (the
// staging reads the key in both).

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { crashClient } from '../support/ledger.js'
import { serverPool } from '../support/server.js'

const client = async (port: number): Promise<Redis> => {
  const redis = crashClient(port)
  await redis.connect()
  return redis
}

const checkpoint = async (redis: Redis): Promise<void> => {
  expect(await redis.bgsave()).to.match(/started|scheduled/i)
  const deadline = Date.now() + 20_000
  while (!(await redis.info('persistence')).includes('rdb_bgsave_in_progress:0') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

describe('RESTORE and MOVE across a SIGKILL', function () {
  this.timeout(60_000)
  const { freshDir, start } = serverPool('wtr-restore-move-')

  it('keep restored values, moved keys and their TTLs; MOVE finds on-disk keys in both databases', async () => {
    const dir = freshDir()
    const server = await start({ dir })
    const redis = await client(server.port)
    await redis.set('src', 'hello '.repeat(50))
    const payload = (await redis.dumpBuffer('src'))!
    expect(await redis.restore('copy', 0, payload)).to.equal('OK')
    expect(await redis.restore('ttl', 100_000, payload)).to.equal('OK')
    await redis.mset('a', 'A', 'b', 'B0')
    await redis.select(3)
    await redis.set('b', 'B3')
    await redis.select(0)
    expect(await redis.move('ttl', 2)).to.equal(1)
    // Into segments: after the restart these keys are on disk only until read.
    await checkpoint(redis)
    redis.disconnect()
    await server.kill()

    const restarted = await start({ dir })
    const again = await client(restarted.port)
    expect(await again.move('b', 3)).to.equal(0)
    expect(await again.move('a', 3)).to.equal(1)
    expect(await again.move('a', 3)).to.equal(0)
    expect(await again.get('copy')).to.equal('hello '.repeat(50))
    again.disconnect()
    await restarted.kill()

    const third = await start({ dir })
    const last = await client(third.port)
    expect(await last.mget('a', 'b', 'copy', 'ttl')).to.deep.equal([null, 'B0', 'hello '.repeat(50), null])
    await last.select(3)
    expect(await last.mget('a', 'b')).to.deep.equal(['A', 'B3'])
    await last.select(2)
    expect(await last.get('ttl')).to.equal('hello '.repeat(50))
    expect(await last.ttl('ttl')).to.be.within(95, 100)
    last.disconnect()
    await third.kill()
  })
})
