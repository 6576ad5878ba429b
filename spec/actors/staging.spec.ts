// Staging against a real store. A keyspace-wide command merges disk keys gathered before it
// runs with what the resident set decides when it runs: a flush installed in between must not
// make a key deleted in memory show again from the gathered (older) snapshot of the store. Point
// reads the page cache answers are staged in the same call.

import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commandSpecs } from '../../src/commands/registry.js'
import { makeDispatch } from '../../src/commands/dispatch.js'
import { newServerStats } from '../../src/actors/server.js'
import { Stager, type Staged } from '../../src/actors/staging.js'
import { LsmStore, WOULD_BLOCK } from '../../src/storage/lsm-store.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { prefixEnd, storeKeyPrefix } from '../../src/storage/store-keys.js'
import { POISON, READ_BUFFER, ownArgs } from '../../src/protocol/read-buffer.js'
import { dataOf } from '../support/values.js'

const NOW = 1_700_000_000_000
const b = (s: string): Buffer => Buffer.from(s, 'latin1')

/** A restart's resident set over `store`: every key on disk, none in memory; and its stager. */
const restarted = (store: LsmStore): { db: MemoryKeyspace; stager: Stager } => {
  const db = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), trackDirty: true })
  const prefix = storeKeyPrefix(0, 0)
  db.attachDisk(0, store.overlaps(prefix, prefixEnd(prefix)))
  db.endCount()
  const dispatch = makeDispatch(commandSpecs, { stats: newServerStats(), authRequired: () => false, writesRefused: () => undefined })
  return { db, stager: new Stager([db], store, dispatch.resolve, () => NOW) }
}

describe('Stager against a real store', function () {
  this.timeout(30_000)
  let root: string
  let store: LsmStore

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'wtr-staging-'))
    store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd') })
  })
  afterEach(async () => {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('keeps a key deleted in memory out of a SCAN whose gathering predates the flush of its tombstone', async () => {
    // Three keys on disk, none resident: the keyspace as a restart leaves it.
    const writer = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), trackDirty: true })
    for (const k of ['a', 'b', 'c']) writer.set(b(k), { type: 'string', data: b(`v-${k}`) }, 0)
    await store.flush([writer], 1, async () => true)
    const { db, stager } = restarted(store)
    // "b" is read back and deleted: known deleted until a flush has written its tombstone.
    const read = await store.lookup(Buffer.concat([storeKeyPrefix(0, 0), b('b')]))
    db.install(b('b'), { type: 'string', data: Buffer.from(read!.value) }, 0)
    expect(db.delete(b('b'))).to.equal(true)

    const staged = await stager.stage(db, [b('SCAN'), b('0'), b('COUNT'), b('100')], [db])
    expect(staged, 'SCAN gathers disk keys').to.not.equal(undefined)

    // A flush writes the tombstone meanwhile; it may install on disk, but the resident set keeps
    // "b" known until the gathered snapshot is no longer in use.
    let flushed = false
    const flush = store.flush([db], 2, async () => true, () => stager.whenIdle()).then(() => (flushed = true))
    await new Promise((r) => setTimeout(r, 50))
    expect(flushed, 'the flush waits for the gathering in flight').to.equal(false)

    db.attachDiskKeys(staged!.keys)
    const result = db.scan(0, 100)
    db.attachDiskKeys(undefined)
    staged!.release()
    expect(result.keys.map((k) => k.toString('latin1'))).to.deep.equal(['a', 'c'])

    await flush
    expect(flushed).to.equal(true)
    expect(db.known('b'), 'after the flush the store decides "b"').to.equal(false)
    expect((await store.lookup(Buffer.concat([storeKeyPrefix(0, 0), b('b')])))?.kind).to.equal('delete')
  })

  it('stages keys read from the page cache on the calling thread: the command runs at once, with the values on disk', async () => {
    const writer = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), trackDirty: true })
    for (const k of ['a', 'b', 'c', 'gone']) writer.set(b(k), { type: 'string', data: b(`v-${k}`) }, 0)
    await store.flush([writer], 1, async () => true)
    writer.delete(b('gone'))
    await store.flush([writer], 2, async () => true)
    const { db, stager } = restarted(store)
    /** What a command staged by `staged` reads: the values handed to it, then nothing more. */
    const readWith = (staged: unknown, key: string): Buffer | undefined => {
      expect(staged, 'no promise').to.not.be.instanceOf(Promise)
      db.attachPassing((staged as Staged | undefined)?.passing)
      try {
        return dataOf(db.get(b(key))?.value)
      } finally {
        db.attachPassing(undefined)
      }
    }

    // GET and MGET read a key from disk once without installing it.
    const first = stager.stage(db, [b('GET'), b('a')], [db])
    expect(readWith(first, 'a')).to.deep.equal(b('v-a'))
    expect(db.peekStored('a'), 'read once: not resident').to.equal(undefined)
    const many = stager.stage(db, [b('MGET'), b('b'), b('nowhere'), b('gone'), b('c')], [db])
    expect(readWith(many, 'b')).to.deep.equal(b('v-b'))
    expect(readWith(many, 'c')).to.deep.equal(b('v-c'))
    expect(readWith(many, 'nowhere')).to.equal(undefined)
    expect(readWith(many, 'gone'), 'a key deleted on disk stays deleted').to.equal(undefined)
    expect(stager.reads, 'a, b, gone and c were read back (nowhere is ruled out by the filters)').to.be.within(4, 5)
    // Read again lately: installed, and the command needs nothing handed to it.
    expect(stager.stage(db, [b('GET'), b('a')], [db])).to.equal(undefined)
    expect(dataOf(db.peekStored('a')?.value)).to.deep.equal(b('v-a'))
    // Other commands install at once.
    expect(stager.stage(db, [b('STRLEN'), b('b')], [db])).to.equal(undefined)
    expect(dataOf(db.peekStored('b')?.value)).to.deep.equal(b('v-b'))
  })

  it('a value handed to a GET gives way to a delete, a write or a FLUSHDB made before the GET runs', async () => {
    const writer = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), trackDirty: true })
    for (const k of ['a', 'b', 'c']) writer.set(b(k), { type: 'string', data: b(`v-${k}`) }, 0)
    await store.flush([writer], 1, async () => true)
    const { db, stager } = restarted(store)
    const stagedA = stager.stage(db, [b('GET'), b('a')], [db]) as Staged
    const stagedB = stager.stage(db, [b('GET'), b('b')], [db]) as Staged
    const stagedC = stager.stage(db, [b('GET'), b('c')], [db]) as Staged
    // Staged as a connection would stage them: the key is read back before the write runs.
    expect(stager.stage(db, [b('DEL'), b('a')], [db])).to.equal(undefined)
    db.delete(b('a'))
    expect(stager.stage(db, [b('SET'), b('b'), b('newer')], [db])).to.equal(undefined)
    db.set(b('b'), { type: 'string', data: b('newer') }, 0)
    const read = (staged: Staged, key: string): string | undefined => {
      db.attachPassing(staged.passing)
      try {
        return dataOf(db.get(b(key))?.value)?.toString()
      } finally {
        db.attachPassing(undefined)
      }
    }
    expect(read(stagedA, 'a')).to.equal(undefined)
    expect(read(stagedB, 'b')).to.equal('newer')
    db.flush()
    expect(read(stagedC, 'c')).to.equal(undefined)
  })

  it('a GET answered through the thread pool is handed its value once, read once, not installed', async () => {
    const db = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), trackDirty: true })
    db.attachDisk(0, true)
    db.endCount()
    let lookups = 0
    const entry = { key: b('k'), seq: 1, kind: 'put' as const, type: 0, expiresAt: 0, value: b('v-k') }
    // A store whose every read must go through the thread pool.
    const store = {
      tryLookup: () => WOULD_BLOCK,
      lookup: async () => {
        lookups++
        return entry
      },
    } as unknown as LsmStore
    const dispatch = makeDispatch(commandSpecs, { stats: newServerStats(), authRequired: () => false, writesRefused: () => undefined })
    const stager = new Stager([db], store, dispatch.resolve, () => NOW)
    const pending = stager.stage(db, [b('GET'), b('k')], [db])
    expect(pending).to.be.instanceOf(Promise)
    const staged = await pending
    expect(lookups).to.equal(1)
    expect(db.peekStored('k'), 'not installed').to.equal(undefined)
    db.attachPassing(staged!.passing)
    expect(dataOf(db.get(b('k'))?.value)).to.deep.equal(b('v-k'))
    db.attachPassing(undefined)
  })

  it('installs keys under their own names when the arguments were views of the read buffer, overwritten before the reads returned (EXISTS, GET)', async () => {
    const db = new MemoryKeyspace({ clock: () => NOW, stats: newKeyspaceStats(), trackDirty: true })
    db.attachDisk(0, true)
    db.endCount()
    const entryOf = (k: string) => ({ key: b(k), seq: 1, kind: 'put' as const, type: 0, expiresAt: 0, value: b(`v-${k}`) })
    // "a" is answered on this thread, "b" through the thread pool: "a" is installed only once
    // "b" is back, after the read's pass has ended.
    const store = {
      tryLookup: (storeKey: Buffer) => (storeKey.at(-1) === 0x61 ? entryOf('a') : WOULD_BLOCK),
      lookup: async (storeKey: Buffer) => entryOf(String.fromCharCode(storeKey.at(-1)!)),
    } as unknown as LsmStore
    const dispatch = makeDispatch(commandSpecs, { stats: newServerStats(), authRequired: () => false, writesRefused: () => undefined })
    const stager = new Stager([db], store, dispatch.resolve, () => NOW)
    const inReadBuffer = (...words: string[]): Buffer[] => {
      let at = 0
      return words.map((word) => {
        const n = READ_BUFFER.write(word, at, 'latin1')
        at += n
        return READ_BUFFER.subarray(at - n, at)
      })
    }
    /** Stages `argv` as a connection would, the read's bytes overwritten before the reads return. */
    const stageThroughThreadPool = async (argv: Buffer[]): Promise<Staged | undefined> => {
      const pending = stager.stage(db, argv, [db])
      expect(pending).to.be.instanceOf(Promise)
      // As executeCommands does when a command waits: its arguments are replaced by copies.
      ownArgs(argv)
      READ_BUFFER.fill(POISON)
      return pending
    }
    await stageThroughThreadPool(inReadBuffer('EXISTS', 'a', 'b'))
    expect(dataOf(db.peekStored('a')?.value)).to.deep.equal(b('v-a'))
    expect(dataOf(db.peekStored('b')?.value)).to.deep.equal(b('v-b'))
    // A GET reads its key once without installing it; read again lately, the key is installed.
    const once = await stageThroughThreadPool(inReadBuffer('GET', 'c'))
    expect(once!.passing!.get('c')?.data).to.deep.equal(b('v-c'))
    expect(await stageThroughThreadPool(inReadBuffer('GET', 'c'))).to.equal(undefined)
    expect(dataOf(db.peekStored('c')?.value)).to.deep.equal(b('v-c'))
    expect(db.size).to.equal(3)
  })
})
