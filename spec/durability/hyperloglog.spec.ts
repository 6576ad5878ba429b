// HyperLogLogs against the real server and SIGKILL: every acknowledged PFADD, PFMERGE and cache
// refresh by PFCOUNT is in the log, a restarted server holds the same bytes (sparse and dense),
// and PFADD to a dense HLL logs the registers it changed, not the whole 12 KB value.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { join } from 'node:path'
import { crashClient } from '../support/ledger.js'
import { serverPool } from '../support/server.js'
import { storedRecords } from '../wal/segment-layout.js'

const client = async (port: number): Promise<Redis> => {
  const redis = crashClient(port)
  await redis.connect()
  return redis
}

const elements = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const walPayloadBytes = (dir: string): number => storedRecords(join(dir, 'wal')).reduce((sum, record) => sum + record.payloadBytes, 0)
const KEYS = ['sparse', 'dense', 'merged', 'counted']

describe('HyperLogLogs across SIGKILL', function () {
  this.timeout(60_000)
  const { freshDir, start } = serverPool('wtr-hll-')

  it('a restarted server holds the same HLL bytes and counts, and goes on adding to them', async () => {
    const dir = freshDir()
    const server = await start({ dir })
    const redis = await client(server.port)
    expect(await redis.pfadd('sparse', ...elements('s', 100))).to.equal(1)
    expect(await redis.pfadd('dense', ...elements('d', 5000))).to.equal(1)
    expect(await redis.call('PFDEBUG', 'ENCODING', 'dense')).to.equal('dense')
    // Single-element PFADDs to the dense HLL: each logs a few bytes of registers and header.
    const before = walPayloadBytes(dir)
    let changed = 0
    for (const e of elements('late', 200)) changed += await redis.pfadd('dense', e)
    expect(changed).to.be.greaterThan(0)
    expect(walPayloadBytes(dir) - before, 'bytes logged by 200 PFADDs').to.be.below(200 * 200)
    expect(await redis.pfmerge('merged', 'sparse', 'dense')).to.equal('OK')
    await redis.pfadd('counted', ...elements('c', 50))
    // PFCOUNT stores the refreshed cache: that write must survive too.
    const counted = await redis.pfcount('counted')
    // (Counted first: each PFCOUNT refreshes a stale cache, which changes the bytes.)
    const counts = await Promise.all(KEYS.map((k) => redis.pfcount(k)))
    const values = await Promise.all(KEYS.map((k) => redis.getBuffer(k)))
    for (const v of values) expect(v![15]! & 0x80, 'cache valid after PFCOUNT').to.equal(0)
    redis.disconnect()
    await server.kill()

    const restarted = await start({ dir })
    const again = await client(restarted.port)
    const after = await Promise.all(KEYS.map((k) => again.getBuffer(k)))
    KEYS.forEach((k, i) => expect(after[i]!.equals(values[i]!), k).to.equal(true))
    expect(await Promise.all(KEYS.map((k) => again.pfcount(k)))).to.deep.equal(counts)
    expect(await again.pfcount('counted')).to.equal(counted)
    expect(await again.pfadd('sparse', 'one more', 'and another')).to.equal(1)
    expect(await again.pfadd('dense', ...elements('after', 100))).to.equal(1)
    expect(await again.call('PFDEBUG', 'ENCODING', 'sparse')).to.equal('sparse')
    again.disconnect()
    await restarted.kill()
  })
})
