// Recovery from damaged files, against the real server. Each case writes keys, SIGKILLs the
// server, damages the WAL or the snapshot the way docs/wal-format.md and docs/durability.md
// describe, and restarts on the same directory:
// - a torn last record is the trace of a crash mid-write: truncated, logged, everything before
//   it kept, and the log is clean afterwards;
// - a flipped byte with valid records after it is lost acknowledged data: strict recovery refuses
//   to start and names the file and offset, `--wal-recovery truncate` keeps what precedes it;
// - a damaged snapshot holds data that exists nowhere else: start-up fails naming the file;
// - checkpoints keep the WAL bounded and recovery combines the snapshot with the WAL after it.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { cpSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { decodeOps } from '../../src/durability/ops.js'
import { serverPool, startServer, type StartOptions } from '../support/server.js'
import { RECORD_HEADER_BYTES, segmentFiles, storedRecords, type StoredRecord } from '../wal/segment-layout.js'
import { infoField, waitFor } from '../support/info.js'
import { scanAll } from '../support/scan.js'

/** Small segments: less to preallocate per start-up, and nothing here needs more room. */
const SMALL_SEGMENTS = ['--wal-segment-size', '1mb']
/** Small segments and checkpoints, so a few megabytes of writes roll over and recycle segments. */
const SMALL_WAL = [...SMALL_SEGMENTS, '--wal-checkpoint-bytes', '1mb']
const MB = 1024 * 1024

const client = async (port: number): Promise<Redis> => {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

const randomInt = (below: number): number => Math.floor(Math.random() * below)

/** One SET per round trip, so each acknowledged key is a record of its own. */
const writeKeys = async (port: number, prefix: string, count: number): Promise<Map<string, string>> => {
  const redis = await client(port)
  const written = new Map<string, string>()
  try {
    for (let i = 0; i < count; i++) {
      const key = `${prefix}:${i}`
      const value = `${prefix}:v${i}:${Math.random().toString(36).slice(2)}`
      expect(await redis.set(key, value)).to.equal('OK')
      written.set(key, value)
    }
  } finally {
    redis.disconnect()
  }
  return written
}

/** Reads back every key of `expected`; undefined stands for an absent key. */
const readBack = async (port: number, expected: ReadonlyMap<string, string | undefined>): Promise<Map<string, string | undefined>> => {
  const redis = await client(port)
  try {
    const keys = [...expected.keys()]
    const values = keys.length === 0 ? [] : await redis.mget(...keys)
    return new Map(keys.map((key, i) => [key, values[i] ?? undefined]))
  } finally {
    redis.disconnect()
  }
}

const expectState = async (port: number, expected: ReadonlyMap<string, string | undefined>, what: string): Promise<void> => {
  const actual = await readBack(port, expected)
  const wrong = [...expected].filter(([key, value]) => actual.get(key) !== value).map(([key, value]) => `${key}: expected ${value}, got ${actual.get(key)}`)
  expect(wrong, what).to.deep.equal([])
}

/** The keys a record's PUT ops write. */
const recordKeys = (record: StoredRecord): string[] => {
  const data = readFileSync(record.file)
  const payload = data.subarray(record.offset + RECORD_HEADER_BYTES, record.offset + RECORD_HEADER_BYTES + record.payloadBytes)
  const keys: string[] = []
  const ignore = (): void => undefined
  decodeOps(payload, { put: (_db, key) => void keys.push(key.toString()), del: ignore, expire: ignore, setRange: ignore, hashField: ignore, flushDb: ignore, flushAll: ignore, databaseMap: ignore })
  return keys
}

/** Starts a server that must fail before it is ready: its exit code and everything it printed. */
const refusedStart = async (options: StartOptions): Promise<{ code: number; output: string }> => {
  const outcome = await startServer(options).then(
    async (server) => {
      await server.kill()
      return server.output()
    },
    (e: Error) => e,
  )
  if (typeof outcome === 'string') throw new Error(`the server started, but it must refuse to:\n${outcome}`)
  const m = /^server exited with (\S+) before ready:\n([\s\S]*)$/.exec(outcome.message)
  if (m === null) throw outcome
  return { code: Number(m[1]), output: m[2]! }
}

/** XORs one byte with `mask` (a random non-zero one by default). */
const flipByte = (file: string, offset: number, mask = 1 + randomInt(255)): void => {
  const data = readFileSync(file)
  data[offset] = data[offset]! ^ mask
  writeFileSync(file, data)
}

const TORN_TAIL_LOG = 'truncated an incomplete record at the end of the log'

describe('recovery from damaged files', function () {
  this.timeout(30_000)
  const { freshDir, start } = serverPool('wtr-recovery-')

  describe('a torn last WAL record', () => {
    /**
     * The last record loses its end, either because the file was cut short or because its last
     * bytes never reached the preallocated (zero-filled) segment. At least one byte of the record
     * is kept, so the slot is not a clean terminator.
     */
    const tearLastRecord = (record: StoredRecord, form: 'cut' | 'zeroed'): number => {
      const frame = RECORD_HEADER_BYTES + record.payloadBytes
      const keep = 1 + randomInt(frame - 1)
      if (form === 'cut') truncateSync(record.file, record.offset + keep)
      else {
        const data = readFileSync(record.file)
        data.fill(0, record.offset + keep, record.offset + frame)
        writeFileSync(record.file, data)
      }
      return keep
    }

    const trial = async (n: number): Promise<void> => {
      const form = n % 2 === 0 ? 'cut' : 'zeroed'
      const dir = freshDir()
      const first = await start({ dir, args: SMALL_SEGMENTS })
      const written = await writeKeys(first.port, `t${n}`, 30)
      await first.kill()

      const last = storedRecords(join(dir, 'wal')).at(-1)!
      const torn = recordKeys(last)
      expect(torn, 'the last record holds the last key written').to.deep.equal([`t${n}:29`])
      const keep = tearLastRecord(last, form)
      const context = `trial ${n}: record at ${basename(last.file)} offset ${last.offset} (${RECORD_HEADER_BYTES + last.payloadBytes} bytes) ${form} after ${keep} bytes`

      const restarted = await start({ dir, args: SMALL_SEGMENTS })
      expect(restarted.output(), context).to.include(TORN_TAIL_LOG)
      expect(restarted.output(), context).to.include(`${basename(last.file)} offset ${last.offset}`)
      const expected = new Map<string, string | undefined>(written)
      for (const key of torn) expected.set(key, undefined)
      await expectState(restarted.port, expected, `${context}: keys after the first restart`)

      for (const [key, value] of await writeKeys(restarted.port, `t${n}-after`, 10)) expected.set(key, value)
      await restarted.kill()
      const again = await start({ dir, args: SMALL_SEGMENTS })
      expect(again.output(), `${context}: the truncation was made durable`).not.to.include(TORN_TAIL_LOG)
      await expectState(again.port, expected, `${context}: keys after the second restart`)
    }

    it('is truncated and logged; every earlier key is kept, and later writes survive a restart (3 trials)', async () => {
      // The trials are independent (a directory and a server each), so they run side by side.
      await Promise.all([trial(0), trial(1), trial(2)])
    })
  })

  describe('a flipped byte in an early WAL record', () => {
    let dir: string
    let written: Map<string, string>
    let damaged: StoredRecord
    let keptKeys: string[]
    let droppedKeys: string[]

    before(async () => {
      dir = freshDir()
      const server = await start({ dir, args: SMALL_SEGMENTS })
      written = await writeKeys(server.port, 'f', 40)
      await server.kill()
      const records = storedRecords(join(dir, 'wal'))
      const index = 5 + randomInt(15)
      damaged = records[index]!
      keptKeys = records.slice(0, index).flatMap(recordKeys)
      droppedKeys = records.slice(index).flatMap(recordKeys)
      expect(keptKeys.length + droppedKeys.length, 'keys found in the records').to.equal(written.size)
      flipByte(damaged.file, damaged.offset + randomInt(RECORD_HEADER_BYTES + damaged.payloadBytes))
    })

    it('makes the server refuse to start, naming the segment file and the byte offset', async () => {
      const { code, output } = await refusedStart({ dir, args: SMALL_SEGMENTS })
      expect(code, output).to.be.greaterThan(0)
      expect(output).to.include(basename(damaged.file))
      expect(output).to.match(new RegExp(`offset ${damaged.offset}\\b`))
      expect(output).not.to.include('Ready to accept connections')
    })

    it('with --wal-recovery truncate: starts, says so loudly, keeps the records before it', async () => {
      const truncating = await start({ dir, args: [...SMALL_SEGMENTS, '--wal-recovery', 'truncate'] })
      expect(truncating.output()).to.match(/!!! wal-recovery truncate dropped .* !!!/)
      expect(truncating.output()).to.include(`${basename(damaged.file)} offset ${damaged.offset}`)
      const expected = new Map<string, string | undefined>(keptKeys.map((key) => [key, written.get(key)]))
      for (const key of droppedKeys) expected.set(key, undefined)
      await expectState(truncating.port, expected, 'after recovery with truncate')
      for (const [key, value] of await writeKeys(truncating.port, 'f-after', 5)) expected.set(key, value)
      await truncating.kill()

      // The drop was made durable: strict recovery now finds a clean log.
      const strict = await start({ dir, args: SMALL_SEGMENTS })
      expect(strict.output()).not.to.match(/corruption|dropped|truncated/i)
      await expectState(strict.port, expected, 'after a strict restart')
    })
  })

  describe('a flushed segment', () => {
    let dir: string
    /** What the keyspace holds at the kill: undefined for deleted keys. */
    const expected = new Map<string, string | undefined>()
    const segments = (data: string): string[] =>
      readdirSync(join(data, 'ssd')).filter((name) => name.endsWith('.seg')).map((name) => join(data, 'ssd', name))

    // 200 keys, BGSAVE (a flush to a level-0 segment), then overwrites, deletes and new keys that
    // only the WAL holds.
    before(async () => {
      dir = freshDir()
      const server = await start({ dir, args: SMALL_WAL })
      const redis = await client(server.port)
      try {
        const load = redis.pipeline()
        for (let i = 0; i < 200; i++) {
          expected.set(`s:${i}`, `snap-${i}`)
          load.set(`s:${i}`, `snap-${i}`)
        }
        await load.exec()
        expect(await redis.bgsave()).to.equal('Background saving started')
        await waitFor('the flush', async () => infoField(await redis.info('persistence'), 'rdb_bgsave_in_progress') === 0 && segments(dir).length > 0)
        expect(await redis.info('persistence')).to.include('rdb_last_bgsave_status:ok')
        const after = redis.pipeline()
        for (let i = 0; i < 50; i++) {
          expected.set(`s:${i}`, `wal-${i}`)
          after.set(`s:${i}`, `wal-${i}`)
        }
        for (let i = 50; i < 70; i++) {
          expected.set(`s:${i}`, undefined)
          after.del(`s:${i}`)
        }
        for (let i = 0; i < 100; i++) {
          expected.set(`w:${i}`, `only-in-wal-${i}`)
          after.set(`w:${i}`, `only-in-wal-${i}`)
        }
        // Created and deleted again within the WAL's tail.
        for (let i = 0; i < 30; i++) {
          expected.set(`gone:${i}`, undefined)
          after.set(`gone:${i}`, 'x')
          after.del(`gone:${i}`)
        }
        await after.exec()
      } finally {
        redis.disconnect()
      }
      await server.kill()
    })

    /** A copy of the killed server's directory, so each case damages its own. */
    const copyOfData = (): string => {
      const copy = freshDir()
      cpSync(dir, copy, { recursive: true })
      return copy
    }

    it('after BGSAVE, more writes and SIGKILL: restart opens the segment and replays the WAL after it', async () => {
      const server = await start({ dir: copyOfData(), args: SMALL_WAL })
      const loaded = /(\d+) segment\(s\) opened \(checkpoint LSN (\d+)\), (\d+) WAL records \(\d+ ops\) replayed/.exec(server.output())
      expect(loaded, server.output()).not.to.equal(null)
      expect(Number(loaded![1]), 'segments opened').to.equal(1)
      expect(Number(loaded![3]), 'WAL records replayed').to.be.greaterThan(0)
      await expectState(server.port, expected, 'after the restart')
      const redis = await client(server.port)
      expect(await redis.dbsize()).to.equal([...expected.values()].filter((v) => v !== undefined).length)
      redis.disconnect()
    })

    it('after the restart, KEYS and SCAN list exactly the live keys, in the segment and only in the WAL alike', async () => {
      const server = await start({ dir: copyOfData(), args: SMALL_WAL })
      const redis = await client(server.port)
      try {
        const live = [...expected].filter(([, v]) => v !== undefined).map(([k]) => k)
        expect((await redis.keys('w:*')).sort()).to.deep.equal(live.filter((k) => k.startsWith('w:')).sort())
        expect(await redis.keys('gone:*')).to.deep.equal([])
        expect([...(await scanAll(redis, 17))].sort()).to.deep.equal(live.sort())
      } finally {
        redis.disconnect()
      }
    })

    // The footer's magic and the index (checksummed): start-up reads them, and the data they
    // locate exists nowhere else.
    const damage: Array<[string, (size: number) => number]> = [['the footer', (size) => size - 2]]

    it('serves what is intact with a flipped byte in a data block, and fails the reads of that block naming the file', async () => {
      // Start-up does not read data blocks (no full load), so the damage shows on the first read
      // of the block: that command gets an error, never a wrong or missing value.
      const copy = copyOfData()
      const file = segments(copy)[0]!
      flipByte(file, 40)
      const server = await start({ dir: copy, args: SMALL_WAL })
      const redis = await client(server.port)
      try {
        let failed = 0
        let served = 0
        for (const [key, value] of expected) {
          const got = await redis.get(key).then(
            (v) => ({ v }),
            (e: Error) => ({ e }),
          )
          if ('e' in got) {
            expect(got.e.message).to.include(file)
            failed++
          } else {
            expect(got.v, key).to.equal(value ?? null)
            served++
          }
        }
        expect(failed, 'reads of the damaged block').to.be.greaterThan(0)
        expect(served, 'reads elsewhere').to.be.greaterThan(0)
      } finally {
        redis.disconnect()
        await server.kill()
      }
    })

    it(`refuses to start with a flipped byte in ${damage.map(([what]) => what).join(', ')}, naming the file`, async () => {
      const outcomes = await Promise.all(
        damage.map(async ([what, where]) => {
          const copy = copyOfData()
          const file = segments(copy)[0]!
          const offset = where(readFileSync(file).length)
          flipByte(file, offset)
          return { what, offset, file, ...(await refusedStart({ dir: copy, args: SMALL_WAL })) }
        }),
      )
      for (const { what, offset, file, code, output } of outcomes) {
        expect(code, `${what} (offset ${offset}): ${output}`).to.be.greaterThan(0)
        expect(output, `${what} (offset ${offset}): ${output}`).to.include(file)
      }
    })
  })

  describe('checkpoints', () => {
    it('keep the WAL bounded while it takes in many times wal-checkpoint-bytes, and advance LASTSAVE', async () => {
      const dir = freshDir()
      const server = await start({ dir, args: SMALL_WAL })
      const redis = await client(server.port)
      const expected = new Map<string, string>()
      let written = 0
      try {
        const startedSave = await redis.lastsave()
        // LASTSAVE counts seconds: the checkpoints below must end in a later one to show.
        await new Promise((r) => setTimeout(r, 1100))
        const value = 'x'.repeat(16 * 1024)
        for (let round = 0; round < 3; round++) {
          // 4 MB per round, overwriting the same 64 keys: the live data stays 1 MB.
          for (let batch = 0; batch < 16; batch++) {
            const pipeline = redis.pipeline()
            for (let i = 0; i < 16; i++) {
              const key = `c:${(batch % 4) * 16 + i}`
              const v = `${round}:${batch}:${value}`
              expected.set(key, v)
              pipeline.set(key, v)
              written += v.length
            }
            await pipeline.exec()
          }
          await waitFor(`a checkpoint after round ${round}`, async () => {
            const info = await redis.info('persistence')
            return infoField(info, 'rdb_bgsave_in_progress') === 0 && infoField(info, 'wal_bytes_since_checkpoint') < MB
          })
          const info = await redis.info('persistence')
          const files = readdirSync(join(dir, 'wal'))
          const context = `after ${(written / MB).toFixed(1)} MB written: ${files.join(' ')}\n${info}`
          // The WAL keeps what its last checkpoint did not cover. That checkpoint may have started
          // while the round's writes went on (thresholds are checked every 100 ms): what came in
          // while it ran stays too, and wal_bytes_since_checkpoint counts only from its end. So:
          // the 1 MB segment its start falls in, one more, and the one being written.
          expect(infoField(info, 'wal_segments'), context).to.be.at.most(3)
          expect(segmentFiles(join(dir, 'wal')).length, context).to.be.at.most(3)
          expect(files.filter((f) => f.startsWith('free-')).length, context).to.be.at.most(4)
          expect(infoField(info, 'rdb_last_save_time'), context).to.equal(await redis.lastsave())
        }
        expect(written).to.be.greaterThan(12 * MB)
        expect(await redis.lastsave(), 'LASTSAVE after checkpoints').to.be.greaterThan(startedSave)
        expect(await redis.info('persistence')).to.include('rdb_last_bgsave_status:ok')
      } finally {
        redis.disconnect()
      }
      await server.kill()

      const restarted = await start({ dir, args: SMALL_WAL })
      await expectState(restarted.port, expected, 'after recycling and a restart')
    })

    it('BGSAVE SCHEDULE during a checkpoint runs another after it, which covers the writes made since', async () => {
      const dir = freshDir()
      const server = await start({ dir, args: SMALL_SEGMENTS })
      const redis = await client(server.port)
      try {
        for (let batch = 0; batch < 60; batch++) {
          const pipeline = redis.pipeline()
          for (let i = 0; i < 2500; i++) pipeline.set(`s:${batch}:${i}`, 'v')
          await pipeline.exec()
        }
        expect(await redis.bgsave()).to.equal('Background saving started')
        // Written after the running checkpoint started: it does not cover them.
        for (let i = 0; i < 10; i++) await redis.set(`late:${i}`, 'v')
        // "scheduled" while the first one runs (150,000 keys take it well over the ten SETs'
        // time); "started" only if it has already ended.
        expect(await redis.call('BGSAVE', 'SCHEDULE')).to.be.oneOf(['Background saving scheduled', 'Background saving started'])
        expect(await redis.bgsave().catch((e: Error) => e.message), 'without SCHEDULE').to.equal('ERR Background save already in progress')
        await waitFor('the checkpoints', async () => infoField(await redis.info('persistence'), 'rdb_bgsave_in_progress') === 0, 60_000)
        expect(infoField(await redis.info('persistence'), 'rdb_changes_since_last_save'), 'changes not in a checkpoint').to.equal(0)
      } finally {
        redis.disconnect()
      }
    })

    it('also follow the number of ops, which bounds what a restart replays: many small writes are few bytes', async () => {
      const dir = freshDir()
      // Bytes alone would never checkpoint here: 30,000 tiny SETs are about 1.5 MB of WAL.
      const args = [...SMALL_SEGMENTS, '--wal-checkpoint-bytes', '1gb', '--wal-checkpoint-ops', '5000']
      const server = await start({ dir, args })
      const redis = await client(server.port)
      const expected = new Map<string, string>()
      try {
        for (let batch = 0; batch < 120; batch++) {
          const pipeline = redis.pipeline()
          for (let i = 0; i < 250; i++) {
            const key = `o:${batch}:${i}`
            expected.set(key, `${i}`)
            pipeline.set(key, `${i}`)
          }
          await pipeline.exec()
        }
        await waitFor('a checkpoint that leaves fewer ops than the threshold', async () => {
          const info = await redis.info('persistence')
          return infoField(info, 'rdb_bgsave_in_progress') === 0 && infoField(info, 'wal_ops_since_checkpoint') < 5000
        })
      } finally {
        redis.disconnect()
      }
      await server.kill()
      const restarted = await start({ dir, args })
      const replayed = /WAL records \((\d+) ops\) replayed/.exec(restarted.output())
      expect(replayed, restarted.output()).to.not.equal(null)
      expect(Number(replayed![1]), 'ops replayed after SIGKILL').to.be.below(5000)
      await expectState(restarted.port, expected, 'after a restart')
    })
  })
  describe('replay after SIGKILL', () => {
    it('keeps a key whose SET expiry has passed since a PERSIST or a later PEXPIRE changed it', async () => {
      const dir = freshDir()
      const first = await start({ dir, args: SMALL_SEGMENTS })
      const redis = await client(first.port)
      try {
        await redis.set('persisted', 'p', 'PX', 300)
        expect(await redis.persist('persisted')).to.equal(1)
        await redis.set('extended', 'e', 'PX', 300)
        expect(await redis.pexpire('extended', 600_000)).to.equal(1)
        await redis.set('short', 's', 'PX', 300)
        for (let i = 0; i < 100; i++) await redis.set('hot', `${i}`)
      } finally {
        redis.disconnect()
      }
      await first.kill()
      // Past the 300 ms the SETs asked for, so replay meets expiries that have passed.
      await new Promise((resolve) => setTimeout(resolve, 400))
      const restarted = await start({ dir, args: SMALL_SEGMENTS })
      const again = await client(restarted.port)
      try {
        expect(await again.get('persisted')).to.equal('p')
        expect(await again.pttl('persisted')).to.equal(-1)
        expect(await again.get('extended')).to.equal('e')
        expect(await again.pttl('extended')).to.be.above(500_000)
        expect(await again.get('short')).to.equal(null)
        expect(await again.get('hot')).to.equal('99')
        expect(await again.dbsize()).to.equal(3)
      } finally {
        again.disconnect()
      }
    })
  })
})
