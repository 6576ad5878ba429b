import { expect } from 'chai'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { Journal } from '../../src/durability/journal.js'
import { applyTo } from '../../src/durability/apply.js'
import { decodeOps } from '../../src/durability/ops.js'
import { keyspacesOf } from '../support/keyspaces.js'
import { dataOf } from '../support/values.js'
import { Keyspaces } from '../../src/storage/keyspaces.js'

const b = (s: string): Buffer => Buffer.from(s)

describe('replaying the log (applyTo)', () => {
  it('replays a key whose expiry has passed as deleted once the replay ends: a reclaimed key does not come back counted', () => {
    const clock = { now: 1_000_000 }
    const journal = new Journal()
    const original = new MemoryKeyspace({ clock: () => clock.now, stats: newKeyspaceStats(), log: journal, trackDirty: true })
    original.set(b('gone'), { type: 'string', data: b('v') }, 0)
    original.setExpiry(b('gone'), clock.now + 1)
    original.set(b('short'), { type: 'string', data: b('v') }, clock.now + 1)
    original.set(b('kept'), { type: 'string', data: b('v') }, clock.now + 60_000)
    const ops = journal.seal()!.bytes
    clock.now += 10
    // Reading the expired keys reclaims them, which the log does not record.
    expect(original.get(b('gone'))).to.equal(undefined)
    expect(original.get(b('short'))).to.equal(undefined)
    expect(original.size).to.equal(1)

    const replica = new MemoryKeyspace({ clock: () => clock.now, stats: newKeyspaceStats(), trackDirty: true })
    decodeOps(ops, applyTo(keyspacesOf([replica])))
    replica.dropExpiredAfterReplay()
    expect(replica.size).to.equal(1)
    expect(dataOf(replica.get(b('kept'))?.value)?.toString()).to.equal('v')
    expect(replica.get(b('gone'))).to.equal(undefined)
    // Known deleted, so the next flush writes tombstones over any older version on disk.
    expect(replica.known('gone')).to.equal(true)
    expect(replica.known('short')).to.equal(true)
  })

  it('replays SWAPDB as its DBMAP after image: the last one decides, replayed twice or over a newer map', () => {
    const journal = new Journal()
    const make = (space: number): MemoryKeyspace => new MemoryKeyspace({ clock: () => 0, stats: newKeyspaceStats(), space, log: journal, trackDirty: true })
    const live = new Keyspaces(make, journal)
    const dbs = live.databasesOf(1, 4)
    dbs[0]!.set(b('k'), { type: 'string', data: b('zero') }, 0)
    live.swap(1, 0, 2)
    live.swap(1, 2, 3)
    const ops = journal.seal()!.bytes
    expect(live.mapOf(1)).to.deep.equal([{ db: 0, space: 65538 }, { db: 2, space: 65539 }, { db: 3, space: 65536 }])
    const replayed = new Keyspaces((space) => new MemoryKeyspace({ clock: () => 0, stats: newKeyspaceStats(), space, trackDirty: true }))
    const shown = replayed.databasesOf(1, 4)
    for (let i = 0; i < 2; i++) {
      decodeOps(ops, applyTo(replayed))
      expect(replayed.mapOf(1)).to.deep.equal(live.mapOf(1))
      expect(dataOf(shown[3]!.get(b('k'))?.value)?.toString()).to.equal('zero')
      expect(shown.map((db) => db.dbIndex)).to.deep.equal([0, 1, 2, 3])
    }
  })
})
