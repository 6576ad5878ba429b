// Start-up replay (recover) against the state it must rebuild: random changes to two databases,
// some of whose keys the store already holds, are logged through the journal into a WAL; a fresh
// set of keyspaces replays that WAL over the store, and every key must read as it does in the
// databases that made the changes. Then the replayed keyspaces are flushed and a third set,
// started over the store alone, must read the same: replayed changes (deletes included) are
// left changed for the next flush. Changes made as patches (APPEND, SETRANGE) are logged as
// patches whatever their size, so their replay over values from the tail, the store, or none is
// exercised.

import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Journal } from '../../src/durability/journal.js'
import { recover } from '../../src/durability/recovery.js'
import { Keyspaces } from '../../src/storage/keyspaces.js'
import { LsmStore } from '../../src/storage/lsm-store.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { encodeStoreKey } from '../../src/storage/store-keys.js'
import { MemoryWal } from '../../src/wal/memory-wal.js'
import { dataOf } from '../support/values.js'

const SPACES = [0, 1]
const KEYS = 12
/** Keys k0 … k(ON_DISK - 1) of each database are in the store before the logged changes. */
const ON_DISK = 8

/** mulberry32: the same trial for the same seed. */
const generator = (seed: number): ((below: number) => number) => {
  let state = seed >>> 0
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below)
  }
}

type Seen = { value: string; expiresAt: number } | undefined

interface Trial {
  seed: number
  ops: number
  /** Expiries may pass between the changes and the replay (else they lie far ahead). */
  expiriesPass: boolean
  holdBytes?: number
  /** Most changes are patches of up to some 15 KB, and tails are short: patches over the store's values. */
  patchHeavy?: boolean
}

const runTrial = async ({ seed, ops, expiriesPass, holdBytes, patchHeavy }: Trial): Promise<void> => {
  const random = generator(seed)
  const clock = { now: 1_000_000 }
  const now = (): number => clock.now
  const root = mkdtempSync(join(tmpdir(), 'wtr-replay-'))
  const storeOptions = { dir: join(root, 'manifest'), ssdDir: join(root, 'ssd') }
  let store = await LsmStore.open(storeOptions)
  try {
    const journal = new Journal(true, 0)
    const made = SPACES.map((space) => new MemoryKeyspace({ clock: now, stats: newKeyspaceStats(), space, log: journal, trackDirty: true }))
    const b = (s: string): Buffer => Buffer.from(s)
    const ttl = (): number => (expiriesPass ? clock.now + 1 + random(150) : clock.now + 1_000_000_000 + random(1000))
    for (const db of made) {
      for (let i = 0; i < ON_DISK; i++) db.set(b(`k${i}`), { type: 'string', data: b(`disk${i}`) }, random(3) === 0 ? ttl() : 0)
    }
    journal.seal()
    const flushed = await store.flush(made, 0, async () => true)
    expect(flushed.installed).to.equal(true)

    const wal = new MemoryWal()
    let lsn = 1
    const seal = async (): Promise<void> => {
      const sealed = journal.seal()
      if (sealed !== undefined) await wal.append(lsn++, Buffer.from(sealed.bytes), true)
    }
    for (let n = 0; n < ops; n++) {
      const db = made[random(made.length)]!
      const key = b(`k${random(KEYS)}`)
      const roll = patchHeavy === true && random(4) !== 0 ? 100 : random(112)
      if (roll >= 100) {
        // APPEND (at the end) or SETRANGE (anywhere, gaps included), as the commands make them.
        const entry = db.peek(key)
        // Patch-heavy trials write kilobytes a patch, so strings pass 16 KB and grow in place.
        const bytes = b(`p${n}`.repeat(patchHeavy === true ? 1 + random(3000) : 1))
        if (entry === undefined) db.set(key, { type: 'string', data: bytes }, 0)
        else db.patch(key, { offset: random(2) === 0 ? dataOf(entry.value).length : random(dataOf(entry.value).length + 4), bytes })
      } else if (roll < 45) db.set(key, { type: 'string', data: b(`v${n}`) }, random(4) === 0 ? ttl() : 0)
      else if (roll < 65) db.delete(key)
      else if (roll < 80) db.setExpiry(key, ttl())
      else if (roll < 88) db.setExpiry(key, 0)
      // A time already past: EXPIRE with a past time deletes the key.
      else if (roll < 91) db.setExpiry(key, clock.now - 1)
      else if (roll < 93) db.flush()
      else if (expiriesPass) clock.now += random(40)
      if (random(4) === 0) await seal()
    }
    await seal()
    clock.now += expiriesPass ? random(100) : 0

    const fresh = (): Keyspaces => new Keyspaces((space) => new MemoryKeyspace({ clock: now, stats: newKeyspaceStats(), space, trackDirty: true }))
    const seen = async (keyspaces: Keyspaces, space: number, k: string): Promise<Seen> => {
      const db = keyspaces.get(space)
      if (db.known(k) || db.complete) {
        const entry = db.get(b(k))
        return entry === undefined ? undefined : { value: dataOf(entry.value).toString(), expiresAt: entry.expiresAt }
      }
      const entry = await store.lookup(encodeStoreKey(space, db.generation, k))
      if (entry === undefined || entry.kind === 'delete' || db.hasExpired(entry.expiresAt)) return undefined
      return { value: entry.value.toString(), expiresAt: entry.expiresAt }
    }
    const expectSame = async (keyspaces: Keyspaces, what: string): Promise<void> => {
      const wrong: string[] = []
      for (const space of SPACES) {
        for (let i = 0; i < KEYS; i++) {
          const k = `k${i}`
          const entry = made[space]!.get(b(k))
          const expected: Seen = entry === undefined ? undefined : { value: dataOf(entry.value).toString(), expiresAt: entry.expiresAt }
          const actual = await seen(keyspaces, space, k)
          if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`db ${space} ${k}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
        }
      }
      expect(wrong, `${what}, seed ${seed}`).to.deep.equal([])
    }

    const replayed = fresh()
    const result = await recover(replayed, store, wal.crashed(), holdBytes)
    expect(result.lastLsn).to.equal(lsn - 1)
    await expectSame(replayed, 'after the replay')

    const installed = await store.flush(replayed.all, result.lastLsn, async () => true)
    expect(installed.installed).to.equal(true)
    await store.close()
    store = await LsmStore.open(storeOptions)
    const reopened = fresh()
    await recover(reopened, store, new MemoryWal())
    await expectSame(reopened, 'over the store alone, after the replayed changes were flushed')
  } finally {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  }
}

/**
 * One key on disk with an expiry, a tail holding only `change` of it (made while the key was
 * live), and a replay once that expiry has passed: what the replayed keyspace holds of the key.
 */
const replayOverExpiringDiskKey = async (change: (db: MemoryKeyspace, key: Buffer) => void, holdBytes?: number): Promise<Seen> => {
  const clock = { now: 1_000_000 }
  const now = (): number => clock.now
  const root = mkdtempSync(join(tmpdir(), 'wtr-replay-'))
  const store = await LsmStore.open({ dir: join(root, 'manifest'), ssdDir: join(root, 'ssd') })
  try {
    const journal = new Journal(true, 0)
    const db = new MemoryKeyspace({ clock: now, stats: newKeyspaceStats(), space: 0, log: journal, trackDirty: true })
    const key = Buffer.from('k')
    db.set(key, { type: 'string', data: Buffer.from('disk') }, clock.now + 100)
    journal.seal()
    expect((await store.flush([db], 0, async () => true)).installed).to.equal(true)
    change(db, key)
    const wal = new MemoryWal()
    await wal.append(1, Buffer.from(journal.seal()!.bytes), true)
    clock.now += 1000
    const replayed = new Keyspaces((space) => new MemoryKeyspace({ clock: now, stats: newKeyspaceStats(), space, trackDirty: true }))
    await recover(replayed, store, wal.crashed(), holdBytes)
    const entry = replayed.get(0).get(key)
    return entry === undefined ? undefined : { value: dataOf(entry.value).toString(), expiresAt: entry.expiresAt }
  } finally {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  }
}

describe('start-up replay (recover)', () => {
  it('a PERSIST of a key only the store holds keeps it, though its old expiry passed before the replay (both orders)', async () => {
    const persist = (db: MemoryKeyspace, key: Buffer): void => void db.setExpiry(key, 0)
    expect(await replayOverExpiringDiskKey(persist)).to.deep.equal({ value: 'disk', expiresAt: 0 })
    expect(await replayOverExpiringDiskKey(persist, 0)).to.deep.equal({ value: 'disk', expiresAt: 0 })
  })

  it('newest op first: every key reads as the changes left it, also once the replay is flushed (60 seeds)', async () => {
    for (let seed = 1; seed <= 60; seed++) await runTrial({ seed, ops: 200, expiriesPass: true })
  })

  it('in log order, for a tail above the bytes it may hold: the same, expiries passing or not (60 seeds)', async () => {
    for (let seed = 101; seed <= 160; seed++) await runTrial({ seed, ops: 200, expiriesPass: seed % 2 === 0, holdBytes: 0 })
  })

  it('patches (APPEND, SETRANGE) over values the store holds, newest op first and in log order (2 × 60 seeds)', async () => {
    for (let seed = 301; seed <= 360; seed++) await runTrial({ seed, ops: 30, expiriesPass: true, patchHeavy: true })
    for (let seed = 401; seed <= 460; seed++) await runTrial({ seed, ops: 30, expiriesPass: seed % 2 === 0, holdBytes: 0, patchHeavy: true })
  })

  it('newest op first on a long tail of writes to few keys (5 seeds)', async () => {
    for (let seed = 201; seed <= 205; seed++) await runTrial({ seed, ops: 5000, expiriesPass: true })
  })
})
