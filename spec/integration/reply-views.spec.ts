// GET and MGET answer with views of the memtable's slabs (no copy), valid only while the batch
// that read them is still being handled. These specs drive the hazards over TCP: replies held for
// the WAL while other clients' overwrites compact the slabs away and reuse them, and a pipeline
// that reads and then overwrites the same keys within one batch.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { startServer, type RunningServer } from '../support/server.js'

/** A value that names its key and version, 900 bytes long (so that a few thousand fill a slab). */
const valueOf = (key: string, version: number): string => `${key}@${version}:`.padEnd(900, String.fromCharCode(97 + (version % 26)))

describe('GET and MGET replies read from the memtable without a copy', function () {
  this.timeout(60_000)
  let server: RunningServer
  before(async () => {
    server = await startServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] })
  })
  after(async () => {
    await server.stop()
  })

  it('stay exact while held for the WAL and other clients churn the slabs', async () => {
    const reader = new Redis({ port: server.port })
    const churners = [0, 1, 2].map(() => new Redis({ port: server.port }))
    const keys = Array.from({ length: 200 }, (_, i) => `rv:${i}`)
    const version = new Map<string, number>()
    let stop = false
    // Overwrites of their own keys, a megabyte or more per pipeline: slabs fill, empty, are
    // compacted away and reused while the reader's replies wait for their fsync.
    const churn = churners.map(async (c, n) => {
      for (let round = 0; !stop; round++) {
        const p = c.pipeline()
        for (let i = 0; i < 1500; i++) p.set(`churn:${n}:${i}`, valueOf(`churn:${n}:${i}`, round))
        await p.exec()
      }
    })
    let checked = 0
    for (let round = 1; round <= 60; round++) {
      // Each pipeline writes some keys and then reads keys written now and earlier: the reads
      // follow writes, so their replies are held until the WAL has the writes.
      const p = reader.pipeline()
      const expected: (string | null)[][] = []
      for (let i = 0; i < 40; i++) {
        const k = keys[(round * 37 + i * 13) % keys.length]!
        version.set(k, round * 100 + i)
        p.set(k, valueOf(k, round * 100 + i))
        const probe = keys[(round * 11 + i * 7) % keys.length]!
        const v = version.get(probe)
        p.get(probe)
        expected.push([v === undefined ? null : valueOf(probe, v)])
        const pair = [keys[(i * 29 + round) % keys.length]!, `absent:${i}`, probe]
        p.mget(...pair)
        expected.push(pair.map((q) => (version.has(q) ? valueOf(q, version.get(q)!) : null)))
      }
      const results = (await p.exec())!
      const replies = results.filter((_, j) => j % 3 !== 0).map(([e, r]) => {
        expect(e).to.equal(null)
        return Array.isArray(r) ? r : [r]
      })
      expect(replies).to.deep.equal(expected)
      checked += replies.length
    }
    stop = true
    await Promise.all(churn)
    expect(checked).to.equal(60 * 80)
    reader.disconnect()
    churners.forEach((c) => c.disconnect())
  })

  it('answer reads with the values they saw when later commands of the same batch fill megabytes of slabs', async () => {
    const c = new Redis({ port: server.port })
    await c.set('big', 'B'.repeat(100_000))
    for (let round = 0; round < 30; round++) {
      // One socket read's worth of small commands: reads of 900-byte values, then copies that
      // write 3 MB of 100 KB records over the last round's (slabs fill, empty, are compacted
      // away and are needed again, all before this batch's replies are encoded).
      // Each value read sits between copies of the round before, in a slab that this round's
      // copies leave empty.
      const p = c.pipeline()
      for (let i = 0; i < 30; i++) p.get(`batch:${i}`)
      for (let i = 0; i < 30; i++) {
        p.copy('big', `copy:${i}`, 'REPLACE')
        p.set(`batch:${i}`, valueOf(`batch:${i}`, round))
      }
      const results = (await p.exec())!
      for (let i = 0; i < 30; i++) expect(results[i]![1]).to.equal(round === 0 ? null : valueOf(`batch:${i}`, round - 1))
    }
    c.disconnect()
  })
})
