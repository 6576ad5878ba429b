// The durability actor against the in-memory WAL and real keyspaces wired to a journal, as the
// server builds them. The probe and the everysec sync run on timers, so those specs run under
// node's mock timers (setTimeout/setInterval only: the group commit gathers on setImmediate,
// which stays real).

import { expect } from 'chai'
import { mock } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { filter, firstValueFrom } from 'rxjs'
import { Durability, type FsyncPolicy } from '../../src/actors/durability.js'
import { applyTo } from '../../src/durability/apply.js'
import { keyspacesOf } from '../support/keyspaces.js'
import { Journal } from '../../src/durability/journal.js'
import { decodeOps } from '../../src/durability/ops.js'
import { Logger } from '../../src/log.js'
import type { Settlement } from '../../src/pipeline/holdUntilDurable.js'
import { newKeyspaceStats } from '../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../src/storage/memory-keyspace.js'
import { MemoryWal } from '../../src/wal/memory-wal.js'
import { dataOf } from '../support/values.js'

/** The durability actor's probe and everysec period (src/actors/durability.ts). */
const SECOND = 1000
const ENOSPC_REASON = 'MISCONF Errors writing to the AOF file: No space left on device'
const EIO_REASON = 'MISCONF Errors writing to the AOF file: Input/output error'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

interface Attempt {
  readonly lsn: number
  readonly payload: Buffer
  readonly sync: boolean
}

/**
 * The memory WAL, with every append it is asked for recorded (failed ones included), and a
 * switch that keeps appends waiting before they touch the log, so a spec can act while a commit
 * is in flight.
 */
class ObservedWal extends MemoryWal {
  readonly attempts: Attempt[] = []
  private held: Promise<void> | undefined
  private releaseHeld: (() => void) | undefined

  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve))
  }

  release(): void {
    this.releaseHeld?.()
    this.held = this.releaseHeld = undefined
  }

  override async append(lsn: number, payload: Buffer, sync: boolean): Promise<void> {
    this.attempts.push({ lsn, payload: Buffer.from(payload), sync })
    if (this.held !== undefined) await this.held
    return super.append(lsn, payload, sync)
  }
}

/** Lets the event loop run `n` full turns (setImmediate stays real under the mock timers). */
const turns = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Every live key as `db:key=value`, sorted. */
const dump = (dbs: readonly MemoryKeyspace[]): string[] =>
  dbs.flatMap((ks) => [...ks.keys()].map((k) => `${ks.space}:${k.toString('latin1')}=${dataOf(ks.peek(k)!.value).toString('latin1')}`)).sort()

/** What a restart would rebuild from the log's records, onto empty keyspaces. */
const replay = async (wal: MemoryWal, databases: number): Promise<string[]> => {
  const clock = () => 1_000_000
  const stats = newKeyspaceStats()
  const dbs = Array.from({ length: databases }, (_, db) => new MemoryKeyspace({ clock, stats, space: db }))
  for (;;) {
    const records = await wal.read(0)
    if (records.length === 0) break
    for (const record of records) decodeOps(record.payload, applyTo(keyspacesOf(dbs)))
  }
  return dump(dbs)
}

/** Keys named in a WAL payload. */
const keysIn = (payload: Buffer): string[] => {
  const keys: string[] = []
  decodeOps(payload, {
    put: (_db, key) => keys.push(key.toString('latin1')),
    del: (_db, key) => keys.push(key.toString('latin1')),
    expire: (_db, key) => keys.push(key.toString('latin1')),
    setRange: (_db, key) => keys.push(key.toString('latin1')),
    hashField: (_db, key) => keys.push(key.toString('latin1')),
    flushDb: () => {},
    databaseMap: () => {},
    flushAll: () => {},
  })
  return keys
}

const fixture = (policy: FsyncPolicy = 'always') => {
  const wal = new ObservedWal()
  const journal = new Journal(true)
  const stats = newKeyspaceStats()
  const clock = () => 1_000_000
  const dbs = [0, 1].map((db) => new MemoryKeyspace({ clock, stats, space: db, log: journal }))
  const refusals: (string | undefined)[] = []
  const settlements: Settlement[] = []
  const options = {
    recoveredLsn: 0,
    policy: () => policy,
    maxBatchBytes: () => 1 << 20,
    log: new Logger('nothing'),
    refuseWrites: (reason: string | undefined) => refusals.push(reason),
  }
  const durability = new Durability(wal, journal, options)
  durability.settlements.subscribe((s) => settlements.push(s))
  durability.start()
  const set = (key: string, value: string, db = 0): void => dbs[db]!.set(b(key), { type: 'string', data: b(value) }, 0)
  /** Runs one SET, seals it as one socket read would, and resolves with the settlement that covers it. */
  const write = (key: string, value: string): Promise<Settlement> => {
    set(key, value)
    const seq = durability.mark()
    return firstValueFrom(durability.settlements.pipe(filter((s) => s.settled >= seq)))
  }
  return { wal, journal, dbs, durability, refusals, settlements, set, write }
}

describe('Durability', function () {
  let stopping: (() => Promise<void>) | undefined
  let mocked = false

  const mockTimers = (): void => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
    mocked = true
  }

  afterEach(async () => {
    const stop = stopping
    stopping = undefined
    try {
      // Everything here settles within a few turns (the log is in memory); a stop() that does
      // not means a write was left unsettled, which must fail this spec rather than hang the suite.
      if (stop === undefined) return
      let stopped = false
      void stop().then(() => (stopped = true))
      for (let i = 0; i < 50 && !stopped; i++) await turns(1)
      if (!stopped) throw new Error('stop() did not finish: a sealed write never settled')
    } finally {
      if (mocked) mock.timers.reset()
      mocked = false
    }
  })

  const start = (policy: FsyncPolicy = 'always') => {
    const f = fixture(policy)
    stopping = async () => {
      f.wal.release()
      await f.durability.stop()
    }
    return f
  }

  describe('mark()', () => {
    it('returns 0 with nothing pending, the write sequence number after a write, and 0 again once it settled', async () => {
      const { durability, set, settlements } = start()
      expect(durability.mark()).to.equal(0)
      set('a', '1')
      expect(durability.mark()).to.equal(1)
      // A read after the write depends on the same unsettled write.
      expect(durability.mark()).to.equal(1)
      await turns()
      expect(settlements).to.deep.equal([{ settled: 1 }])
      expect(durability.mark()).to.equal(0)
      set('b', '2')
      expect(durability.mark()).to.equal(2)
    })
  })

  describe('commits', () => {
    it('settles a write only after its record was appended and synced', async () => {
      const { durability, wal, set } = start()
      const seen: { settled: number; lastLsn: number; syncedLsn: number }[] = []
      durability.settlements.subscribe((s) => seen.push({ settled: s.settled, lastLsn: wal.lastLsn, syncedLsn: wal.syncedLsn }))
      wal.hold()
      set('a', '1')
      expect(durability.mark()).to.equal(1)
      await turns(5)
      expect(wal.attempts).to.have.length(1)
      expect(seen, 'settled while the append was still in flight').to.deep.equal([])
      wal.release()
      await turns()
      expect(seen).to.deep.equal([{ settled: 1, lastLsn: 1, syncedLsn: 1 }])
      expect(wal.attempts[0]!.sync).to.equal(true)
      expect(await replay(wal.crashed(), 2)).to.deep.equal(['0:a=1'])
    })

    it('writes the fragments sealed while a commit is in flight as one record', async () => {
      const { durability, wal, set, settlements } = start()
      wal.hold()
      set('a', '1')
      durability.mark()
      await turns()
      set('b', '2')
      durability.mark()
      set('c', '3')
      expect(durability.mark()).to.equal(3)
      wal.release()
      await turns(5)
      expect(settlements).to.deep.equal([{ settled: 1 }, { settled: 3 }])
      expect(wal.attempts.map((a) => keysIn(a.payload))).to.deep.equal([['a'], ['b', 'c']])
    })
  })

  describe('a failed append', () => {
    it('undoes the failed batch and every fragment sealed after it, and never writes them', async () => {
      mockTimers()
      const { durability, wal, dbs, set, refusals, settlements } = start()
      set('a', 'kept')
      set('gone', 'before', 1)
      durability.mark()
      await turns()
      expect(settlements).to.deep.equal([{ settled: 1 }])

      wal.hold()
      wal.failNext('append', 'ENOSPC')
      set('a', 'failed')
      set('b', 'failed')
      dbs[1]!.delete(b('gone'))
      const failedSeq = durability.mark()
      await turns()
      expect(wal.attempts).to.have.length(2)
      // Sealed while the failing commit is in flight: built on state that is about to be undone.
      set('a', 'after')
      set('c', 'after')
      const laterSeq = durability.mark()
      // Changed but not sealed yet when the failure settles.
      set('d', 'unsealed')
      wal.release()
      await turns(5)

      expect(settlements.slice(1)).to.deep.equal([
        { settled: laterSeq + 1, failed: { from: failedSeq, to: laterSeq + 1, reason: ENOSPC_REASON } },
      ])
      expect(dump(dbs)).to.deep.equal(['0:a=kept', '1:gone=before'])
      expect(refusals).to.deep.equal([ENOSPC_REASON])
      expect(durability.failing).to.equal(true)
      expect(durability.stats.lastWriteOk).to.equal(false)
      // The later fragment must never have been offered to the log.
      expect(wal.attempts.map((a) => keysIn(a.payload))).to.deep.equal([['a', 'gone'], ['a', 'b', 'gone']])
      expect(durability.mark(), 'nothing is left unsettled').to.equal(0)
    })

    it('refuses writes until a probe record reaches the disk, once a second', async () => {
      mockTimers()
      const { durability, wal, refusals, write } = start()
      await write('a', '1')
      wal.failNext('append', 'ENOSPC')
      const failed = await write('b', '2')
      expect(failed.failed?.reason).to.equal(ENOSPC_REASON)
      expect(refusals).to.deep.equal([ENOSPC_REASON])

      mock.timers.tick(SECOND - 1)
      await turns()
      expect(wal.attempts, 'probed before the interval').to.have.length(2)

      // The first probe fails too: still refused, probed again a second later.
      wal.failNext('sync', 'EIO')
      mock.timers.tick(1)
      await turns()
      expect(wal.attempts).to.have.length(3)
      expect(wal.attempts[2]).to.deep.include({ sync: true })
      expect(wal.attempts[2]!.payload.length, 'a probe carries no data').to.equal(0)
      expect(refusals).to.deep.equal([ENOSPC_REASON, EIO_REASON])
      expect(durability.failing).to.equal(true)

      mock.timers.tick(SECOND)
      await turns()
      expect(wal.attempts).to.have.length(4)
      expect(refusals).to.deep.equal([ENOSPC_REASON, EIO_REASON, undefined])
      expect(durability.failing).to.equal(false)
      expect(durability.stats.lastWriteOk).to.equal(true)

      mock.timers.tick(5 * SECOND)
      await turns()
      expect(wal.attempts, 'probed after the disk healed').to.have.length(4)
    })

    it('leaves a log that rebuilds exactly the memory state once writes resume', async () => {
      mockTimers()
      const { wal, dbs, write, durability, set } = start()
      await write('a', '1')
      wal.hold()
      wal.failNext('append', 'ENOSPC')
      set('a', '2')
      durability.mark()
      await turns()
      set('b', '2')
      durability.mark()
      wal.release()
      await turns(5)
      mock.timers.tick(SECOND)
      await turns()
      expect(durability.failing).to.equal(false)
      await write('c', '3')
      await write('a', '4')

      const live = dump(dbs)
      expect(live).to.deep.equal(['0:a=4', '0:c=3'])
      expect(await replay(wal.crashed(), 2)).to.deep.equal(live)
      for (const attempt of wal.attempts) {
        expect(keysIn(attempt.payload), 'a record holds undone state').not.to.include('b')
      }
    })

    it('treats a failed fdatasync as a failed write (EIO)', async () => {
      mockTimers()
      const { wal, dbs, write, refusals } = start()
      await write('a', '1')
      wal.failNext('sync', 'EIO')
      const failed = await write('b', '2')
      expect(failed.failed).to.deep.equal({ from: 2, to: 2, reason: EIO_REASON })
      expect(dump(dbs)).to.deep.equal(['0:a=1'])
      expect(refusals).to.deep.equal([EIO_REASON])
      expect(await replay(wal.crashed(), 2)).to.deep.equal(['0:a=1'])
    })
  })

  describe('everysec', () => {
    it('settles after the append without syncing, then syncs within a second', async () => {
      mockTimers()
      const { wal, write } = start('everysec')
      await write('a', '1')
      expect(wal.attempts.map((a) => a.sync)).to.deep.equal([false])
      expect(wal.lastLsn).to.equal(1)
      expect(wal.syncedLsn).to.equal(0)
      mock.timers.tick(SECOND)
      await turns()
      expect(wal.syncedLsn).to.equal(1)
    })

    // A failed append or background fdatasync makes the log drop every record appended since
    // the last sync; under everysec those were acknowledged, so the probe record carries them.
    it('keeps writes acknowledged before a failure in the log once the disk heals', async () => {
      mockTimers()
      const { wal, dbs, write, durability } = start('everysec')
      await write('acked', '1')
      wal.failNext('append', 'ENOSPC')
      const failed = await write('refused', '2')
      expect(failed.failed?.reason).to.equal(ENOSPC_REASON)
      mock.timers.tick(SECOND)
      await turns()
      expect(durability.failing).to.equal(false)
      await write('later', '3')
      await durability.stop()
      expect(dump(dbs)).to.deep.equal(['0:acked=1', '0:later=3'])
      expect(await replay(wal.crashed(), 2)).to.deep.equal(dump(dbs))
    })
  })

  describe('no', () => {
    it('never syncs for a write, but syncs once the unsynced appends pass 4 MB (the replay tail stays bounded)', async () => {
      const { wal, write } = start('no')
      const value = 'v'.repeat(64 * 1024)
      for (let i = 0; i < 20; i++) await write(`k${i}`, value)
      expect(wal.attempts.every((a) => !a.sync)).to.equal(true)
      expect(wal.syncedLsn).to.equal(0)
      for (let i = 20; i < 80; i++) await write(`k${i}`, value)
      await turns()
      expect(wal.syncedLsn).to.be.greaterThan(0)
    })
  })

  describe('memory', () => {
    it('lets go of a settled batch\'s undo log (the values its writes replaced) at once', async () => {
      setFlagsFromString('--expose-gc')
      const gc = runInNewContext('gc') as () => void
      const { journal, write, set } = start('always')
      set('big', 'x'.repeat(1 << 20))
      await write('other', '0')
      // The undo log of the overwrite holds the 1 MB value it replaced.
      const seal = journal.seal.bind(journal)
      let undoLog: WeakRef<object> | undefined
      journal.seal = () => {
        const sealed = seal()
        if (sealed !== undefined) undoLog ??= new WeakRef(sealed.undo)
        return sealed
      }
      await write('big', 'y')
      await turns()
      gc()
      expect(undoLog).to.not.equal(undefined)
      expect(undoLog!.deref()).to.equal(undefined)
    })
  })

  describe('reused buffers', () => {
    it('every record holds exactly the writes of its batch, across hundreds of commits of several fragments', async () => {
      const { wal, set, durability, dbs } = start('always')
      for (let round = 0; round < 300; round++) {
        wal.hold()
        set(`first${round}`, 'x'.repeat(round * 7))
        const first = durability.mark()
        // Sealed while the first commit is in flight: one record of several fragments.
        for (let f = 0; f < 4; f++) {
          set(`r${round}f${f}`, String(round * 10 + f).repeat(300))
          durability.mark()
        }
        wal.release()
        await firstValueFrom(durability.settlements.pipe(filter((s) => s.settled >= first + 4)))
      }
      await durability.stop()
      expect(await replay(wal.crashed(), 2)).to.deep.equal(dump(dbs))
      expect(wal.attempts.some((a) => keysIn(a.payload).length > 1)).to.equal(true)
    })
  })

  describe('stop()', () => {
    it('waits for the fragments already sealed, then syncs whatever the policy', async () => {
      const { durability, wal, set } = start('no')
      wal.hold()
      set('a', '1')
      durability.mark()
      set('b', '2')
      let stopped = false
      const stop = durability.stop().then(() => (stopped = true))
      await turns(5)
      expect(stopped, 'stopped with a commit in flight').to.equal(false)
      wal.release()
      await stop
      expect(wal.lastLsn).to.equal(1)
      expect(wal.syncedLsn).to.equal(1)
      expect(await replay(wal.crashed(), 2)).to.deep.equal(['0:a=1', '0:b=2'])
    })
  })
})
