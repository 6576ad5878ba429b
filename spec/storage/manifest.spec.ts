import { expect } from 'chai'
import fc from 'fast-check'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  applyEdit,
  EMPTY_SNAPSHOT,
  ManifestError,
  openManifest,
  type Manifest,
  type ManifestEdit,
  type ManifestSnapshot,
  type SegmentInfo,
} from '../../src/storage/manifest.js'

/** Scratch directories under the system temp dir, removed after each spec. */
const scratch: string[] = []
const scratchDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'wtr-manifest-spec-'))
  scratch.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const key = (n: number): Buffer => Buffer.from(`key:${String(n).padStart(8, '0')}`)

function segment(id: number, level: number, first: number, last: number, extra: Partial<SegmentInfo> = {}): SegmentInfo {
  return {
    id,
    level,
    tier: 'ssd',
    file: `${id}.seg`,
    bytes: 1000 + id,
    entries: 10 + id,
    tombstones: id % 3,
    firstKey: key(first),
    lastKey: key(last),
    minSeq: id * 10,
    maxSeq: id * 10 + 9,
    minExpiresAt: id % 2 === 0 ? 0 : 1_700_000_000_000 + id,
    ...extra,
  }
}

/** Deterministic choices from a seed (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A valid edit for `snapshot`, chosen by `seed`: level-0 segments with arbitrary ranges; deeper
 * ones with ranges derived from their id, so distinct ids never overlap.
 */
function randomEdit(snapshot: ManifestSnapshot, seed: number): ManifestEdit {
  const next = random(seed)
  const pick = (n: number): number => Math.floor(next() * n)
  let id = snapshot.nextSegmentId + pick(3)
  const add: SegmentInfo[] = []
  for (let i = pick(3); i > 0; i--) {
    const first = pick(1000)
    add.push(segment(id++, 0, first, first + pick(500)))
  }
  for (let i = pick(3); i > 0; i--, id++) add.push(segment(id, 1 + pick(3), id * 10, id * 10 + 5))
  const remove = snapshot.segments.filter(() => next() < 0.25).map((s) => s.id)
  const removed = new Set(remove)
  const kept = snapshot.segments.filter((s) => !removed.has(s.id))
  const move =
    kept.length > 0 && next() < 0.3
      ? [{ id: kept[pick(kept.length)]!.id, tier: next() < 0.5 ? ('hdd' as const) : ('ssd' as const), file: `moved-${seed}.seg` }]
      : []
  const edit: ManifestEdit = { add, remove, move }
  const checkpoint = next() < 0.5 ? { checkpointLsn: snapshot.checkpointLsn + pick(100) } : {}
  const pointers = next() < 0.3 ? { compactPointers: [{ level: 1 + pick(3), key: key(pick(1000)) }] } : {}
  // A tenant's database map after a SWAPDB of two of its databases, or back to the identity.
  const tenant = pick(3)
  const [a, b] = [pick(4), 4 + pick(4)]
  const maps =
    next() < 0.3
      ? { databaseMaps: [{ tenant, moved: next() < 0.3 ? [] : [{ db: a, space: tenant * 65536 + b }, { db: b, space: tenant * 65536 + a }] }] }
      : {}
  return { ...edit, ...checkpoint, ...pointers, ...maps }
}

const liveLog = (dir: string): string => join(dir, readFileSync(join(dir, 'CURRENT'), 'utf8').trim())

async function withManifest<T>(dir: string, use: (manifest: Manifest) => Promise<T>, rewriteBytes?: number): Promise<T> {
  const manifest = await openManifest(dir, rewriteBytes === undefined ? {} : { rewriteBytes })
  try {
    return await use(manifest)
  } finally {
    await manifest.close()
  }
}

/** Writes `count` random edits to a fresh manifest; returns its dir, the snapshot after each edit, and the log size after each. */
async function writeHistory(count: number, seed: number): Promise<{ dir: string; states: ManifestSnapshot[]; sizes: number[] }> {
  const dir = scratchDir()
  const states = [EMPTY_SNAPSHOT]
  const sizes: number[] = []
  await withManifest(dir, async (manifest) => {
    sizes.push(statSync(liveLog(dir)).size)
    for (let i = 0; i < count; i++) {
      states.push(await manifest.apply(randomEdit(manifest.current, seed + i)))
      sizes.push(statSync(liveLog(dir)).size)
    }
  })
  return { dir, states, sizes }
}

async function rejection(promise: Promise<unknown>): Promise<ManifestError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ManifestError) return error
    throw error
  }
  throw new Error('expected a ManifestError')
}

describe('manifest: applyEdit', () => {
  it('orders level 0 newest first and deeper levels by key, whatever the edit order', () => {
    const s = applyEdit(EMPTY_SNAPSHOT, {
      add: [segment(5, 1, 500, 600), segment(2, 0, 0, 9), segment(3, 1, 100, 200), segment(4, 0, 5, 7), segment(1, 2, 0, 1)],
    })
    expect(s.segments.map((x) => x.id)).to.deep.equal([4, 2, 3, 5, 1])
    expect(s.nextSegmentId).to.equal(6)
  })

  it('applies removes before adds, so a remove and re-add of one id changes its level', () => {
    const before = applyEdit(EMPTY_SNAPSHOT, { add: [segment(1, 1, 0, 10)] })
    const after = applyEdit(before, { remove: [1], add: [{ ...before.segments[0]!, level: 2 }] })
    expect(after.segments.map((s) => [s.id, s.level])).to.deep.equal([[1, 2]])
  })

  it('moves a segment between tiers, keeping or renaming its file', () => {
    const before = applyEdit(EMPTY_SNAPSHOT, { add: [segment(1, 1, 0, 10), segment(2, 1, 20, 30)] })
    const after = applyEdit(before, { move: [{ id: 1, tier: 'hdd' }, { id: 2, tier: 'hdd', file: 'two.seg' }] })
    expect(after.segments.map((s) => [s.id, s.tier, s.file])).to.deep.equal([
      [1, 'hdd', '1.seg'],
      [2, 'hdd', 'two.seg'],
    ])
  })

  it('rejects edits that do not fit the snapshot', () => {
    const base = applyEdit(EMPTY_SNAPSHOT, { add: [segment(1, 1, 0, 10)], checkpointLsn: 50 })
    const rejects = (edit: ManifestEdit, pattern: RegExp): void => {
      expect(() => applyEdit(base, edit)).to.throw(ManifestError, pattern)
    }
    rejects({ remove: [9] }, /cannot remove segment 9/)
    rejects({ add: [segment(1, 2, 0, 1)] }, /cannot add segment 1/)
    rejects({ add: [segment(2, 1, 10, 20)] }, /overlap in level 1/)
    rejects({ move: [{ id: 7, tier: 'hdd' }] }, /cannot move segment 7/)
    rejects({ checkpointLsn: 49 }, /cannot go back/)
    rejects({ add: [segment(2, 1, 30, 20)] }, /firstKey is after lastKey/)
    rejects({ add: [segment(2, 1, 20, 30, { file: '../escape.seg' })] }, /plain name/)
    rejects({ add: [segment(2, 1, 20, 30, { tombstones: 1000 })] }, /more tombstones than entries/)
  })

  it('replaces a tenant\'s database map whole, drops an empty one, and keeps the maps through other edits', () => {
    const moved = [{ db: 0, space: 65537 }, { db: 1, space: 65536 }]
    const one = applyEdit(EMPTY_SNAPSHOT, { databaseMaps: [{ tenant: 1, moved }, { tenant: 0, moved: [{ db: 2, space: 5 }, { db: 5, space: 2 }] }] })
    expect(one.databaseMaps.map((m) => m.tenant)).to.deep.equal([0, 1])
    const two = applyEdit(one, { add: [segment(1, 0, 0, 10)], checkpointLsn: 5, databaseMaps: [{ tenant: 0, moved: [] }] })
    expect(two.databaseMaps).to.deep.equal([{ tenant: 1, moved }])
    expect(() => applyEdit(two, { databaseMaps: [{ tenant: 1, moved: [{ db: 0, space: 1 }, { db: 0, space: 2 }] }] })).to.throw(ManifestError, /listed twice/)
  })

  it('leaves level 0 free to overlap', () => {
    const s = applyEdit(EMPTY_SNAPSHOT, { add: [segment(1, 0, 0, 10), segment(2, 0, 5, 15)] })
    expect(s.segments).to.have.length(2)
  })
})

describe('manifest: persistence', () => {
  it('reopens to the same snapshot after every edit of random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2 ** 30 }), fc.constantFrom(300, 2000, 1 << 20), async (count, seed, rewriteBytes) => {
        const dir = scratchDir()
        let expected = EMPTY_SNAPSHOT
        for (let i = 0; i < count; i++) {
          expected = await withManifest(
            dir,
            async (manifest) => {
              expect(manifest.current).to.deep.equal(expected)
              const next = await manifest.apply(randomEdit(manifest.current, seed + i))
              expect(next).to.deep.equal(applyEdit(expected, randomEdit(expected, seed + i)))
              return next
            },
            rewriteBytes,
          )
        }
        await withManifest(dir, async (manifest) => expect(manifest.current).to.deep.equal(expected))
        rmSync(dir, { recursive: true, force: true })
      }),
      { numRuns: 25 },
    )
  })

  it('ignores the last record cut at any offset: reopening yields the state before that edit', async () => {
    const { dir, states, sizes } = await writeHistory(6, 77)
    const before = states[states.length - 1]!
    // The last edit: one segment and a checkpoint, a typical flush.
    const after = await withManifest(dir, (manifest) => manifest.apply({ add: [segment(900, 0, 3, 4)], checkpointLsn: before.checkpointLsn + 5 }))
    const name = liveLog(dir).slice(dir.length + 1)
    const log = readFileSync(join(dir, name))
    const start = sizes[sizes.length - 1]!
    expect(log.length).to.be.greaterThan(start + 8)
    const copy = scratchDir()
    for (let cut = start; cut <= log.length; cut++) {
      for (const leftover of readdirSync(copy)) rmSync(join(copy, leftover))
      writeFileSync(join(copy, name), log.subarray(0, cut))
      writeFileSync(join(copy, 'CURRENT'), `${name}\n`)
      await withManifest(copy, async (manifest) => {
        expect(manifest.current, `cut at ${cut}`).to.deep.equal(cut === log.length ? after : before)
        if (cut > start && cut < log.length) expect(manifest.recovery.tornTail).to.deep.equal({ offset: start, bytes: cut - start })
        else expect(manifest.recovery.tornTail).to.equal(undefined)
      })
    }
  })

  it('after a torn tail, later edits survive reopening (new records never follow the damaged bytes)', async () => {
    const { dir, states, sizes } = await writeHistory(4, 5)
    truncateSync(liveLog(dir), sizes[sizes.length - 1]! - 3)
    const expected = await withManifest(dir, async (manifest) => {
      expect(manifest.current).to.deep.equal(states[states.length - 2])
      return manifest.apply({ checkpointLsn: manifest.current.checkpointLsn + 1 })
    })
    await withManifest(dir, async (manifest) => {
      expect(manifest.recovery.tornTail).to.equal(undefined)
      expect(manifest.current).to.deep.equal(expected)
    })
    expect(readdirSync(dir).filter((name) => name.startsWith('MANIFEST-'))).to.have.length(1)
  })

  it('fails naming the file and offset when any byte of a record before the last is damaged', async () => {
    const { dir, sizes } = await writeHistory(4, 11)
    const log = liveLog(dir)
    const original = readFileSync(log)
    // Every byte of the second and third records (the first edits after the opening snapshot).
    for (let record = 1; record <= 2; record++) {
      const start = sizes[record]!
      for (let offset = start; offset < sizes[record + 1]!; offset++) {
        const damaged = Buffer.from(original)
        damaged[offset] = damaged[offset]! ^ 0x20
        writeFileSync(log, damaged)
        const error = await rejection(openManifest(dir))
        expect(error.code).to.equal('ECORRUPT')
        expect(error.message).to.include(log)
        expect(error.message, `flip at ${offset}`).to.include(`offset ${start}:`)
      }
    }
    writeFileSync(log, original)
    await withManifest(dir, async (manifest) => expect(manifest.recovery.records).to.equal(5))
  })

  it('takes a damaged last record with nothing intact after it for a torn write', async () => {
    const { dir, states, sizes } = await writeHistory(3, 21)
    const log = liveLog(dir)
    const damaged = readFileSync(log)
    const at = sizes[sizes.length - 2]! + 12
    damaged[at] = damaged[at]! ^ 0x01
    writeFileSync(log, damaged)
    await withManifest(dir, async (manifest) => {
      expect(manifest.current).to.deep.equal(states[states.length - 2])
      expect(manifest.recovery.tornTail?.offset).to.equal(sizes[sizes.length - 2])
    })
  })

  it('starts a new log holding one snapshot record once the log passes rewriteBytes, and switches CURRENT', async () => {
    const dir = scratchDir()
    const rewriteBytes = 4000
    const seen = new Set<string>()
    const expected = await withManifest(
      dir,
      async (manifest) => {
        for (let i = 0; i < 40; i++) {
          const before = { name: liveLog(dir), size: statSync(liveLog(dir)).size, firstRecord: firstRecordBytes(liveLog(dir)) }
          await manifest.apply(randomEdit(manifest.current, 1000 + i))
          seen.add(liveLog(dir))
          const log = readFileSync(liveLog(dir))
          if (before.size >= rewriteBytes && before.size >= 2 * before.firstRecord) {
            expect(liveLog(dir)).to.not.equal(before.name)
            expect(firstRecordBytes(liveLog(dir)), 'a new log holds exactly one record').to.equal(log.length)
          } else {
            expect(liveLog(dir)).to.equal(before.name)
            expect(log.length).to.be.greaterThan(before.size)
          }
        }
        return manifest.current
      },
      rewriteBytes,
    )
    expect(seen.size).to.be.greaterThan(2)
    expect(readdirSync(dir).sort()).to.deep.equal(['CURRENT', readFileSync(join(dir, 'CURRENT'), 'utf8').trim()])
    await withManifest(dir, async (manifest) => expect(manifest.current).to.deep.equal(expected))
  })

  it('a crash after writing a new log but before switching CURRENT leaves the old log in charge', async () => {
    const dir = scratchDir()
    const kept = await withManifest(dir, async (manifest) => {
      await manifest.apply({ add: [segment(1, 1, 0, 10)], checkpointLsn: 10 })
      return manifest.current
    })
    // The new log a switch was writing: a complete log holding a later state, plus CURRENT.tmp naming it.
    const other = scratchDir()
    await withManifest(other, async (manifest) => {
      await manifest.apply({ add: [segment(1, 1, 0, 10), segment(2, 1, 20, 30)], checkpointLsn: 99 })
    })
    cpSync(liveLog(other), join(dir, 'MANIFEST-000050'))
    writeFileSync(join(dir, 'CURRENT.tmp'), 'MANIFEST-000050\n')

    await withManifest(
      dir,
      async (manifest) => {
        expect(manifest.current).to.deep.equal(kept)
        expect(existsSync(join(dir, 'MANIFEST-000050'))).to.equal(false)
        expect(existsSync(join(dir, 'CURRENT.tmp'))).to.equal(false)
        // The next switch takes a number above the leftover's, so nothing is overwritten in place.
        for (let i = 0; i < 10; i++) await manifest.apply({ checkpointLsn: 11 + i })
        expect(readFileSync(join(dir, 'CURRENT'), 'utf8')).to.match(/^MANIFEST-0000(5[1-9]|[6-9]\d)\n$/)
      },
      200,
    )
    await withManifest(dir, async (manifest) => expect(manifest.current.checkpointLsn).to.equal(20))
  })

  it('a crash during the very first open (a new log, no CURRENT yet) starts empty', async () => {
    const dir = scratchDir()
    await withManifest(dir, async () => undefined)
    rmSync(join(dir, 'CURRENT'))
    writeFileSync(join(dir, 'CURRENT.tmp'), 'MANIFEST-000001\n')
    await withManifest(dir, async (manifest) => expect(manifest.current).to.deep.equal(EMPTY_SNAPSHOT))
    expect(readdirSync(dir).sort()).to.deep.equal(['CURRENT', 'MANIFEST-000002'])
  })

  it('refuses to start empty when CURRENT is lost but a log holds state', async () => {
    const dir = scratchDir()
    await withManifest(dir, (manifest) => manifest.apply({ add: [segment(1, 1, 0, 10)] }))
    rmSync(join(dir, 'CURRENT'))
    const error = await rejection(openManifest(dir))
    expect(error.code).to.equal('ECORRUPT')
    expect(error.message).to.match(/CURRENT is missing but .*MANIFEST-000001 holds state/)
    // Damage in that log does not make it look like a leftover of the first open.
    const log = readFileSync(join(dir, 'MANIFEST-000001'))
    log[3] = log[3]! ^ 0xff
    writeFileSync(join(dir, 'MANIFEST-000001'), log)
    expect((await rejection(openManifest(dir))).message).to.match(/holds state/)
  })

  it('refuses a CURRENT that names no manifest, or a log without its snapshot record', async () => {
    const dir = scratchDir()
    await withManifest(dir, async () => undefined)
    writeFileSync(join(dir, 'CURRENT'), 'garbage\n')
    expect((await rejection(openManifest(dir))).message).to.match(/does not name a manifest/)
    writeFileSync(join(dir, 'CURRENT'), 'MANIFEST-000001\n')
    writeFileSync(join(dir, 'MANIFEST-000001'), Buffer.alloc(0))
    expect((await rejection(openManifest(dir))).message).to.match(/MANIFEST-000001 is corrupt at offset 0: no intact snapshot record/)
  })

  it('runs concurrent applies one at a time in call order', async () => {
    const dir = scratchDir()
    await withManifest(dir, async (manifest) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => manifest.apply({ checkpointLsn: i + 1, add: [segment(i + 1, 1, i * 10, i * 10 + 5)] })))
      results.forEach((snapshot, i) => {
        expect(snapshot.checkpointLsn).to.equal(i + 1)
        expect(snapshot.segments).to.have.length(i + 1)
      })
    })
    await withManifest(dir, async (manifest) => expect(manifest.current.segments).to.have.length(20))
  })

  it('an invalid edit rejects, changes nothing, and later edits still apply', async () => {
    const dir = scratchDir()
    await withManifest(dir, async (manifest) => {
      const before = await manifest.apply({ add: [segment(1, 1, 0, 10)] })
      const bad = manifest.apply({ add: [segment(2, 1, 5, 20)] })
      const good = manifest.apply({ checkpointLsn: 3 })
      expect((await rejection(bad)).code).to.equal('EINVAL')
      expect((await good).segments).to.deep.equal(before.segments)
    })
    await withManifest(dir, async (manifest) => {
      expect(manifest.current.segments.map((s) => s.id)).to.deep.equal([1])
      expect(manifest.current.checkpointLsn).to.equal(3)
    })
  })

  it('allocates distinct ids above every live one', async () => {
    const dir = scratchDir()
    await withManifest(dir, async (manifest) => {
      const first = manifest.allocateSegmentId()
      const second = manifest.allocateSegmentId()
      expect(second).to.be.greaterThan(first)
      await manifest.apply({ add: [segment(40, 1, 0, 10)] })
      expect(manifest.allocateSegmentId()).to.equal(41)
    })
  })

  it('close waits for queued applies and then refuses new ones', async () => {
    const dir = scratchDir()
    const manifest = await openManifest(dir)
    const pending = manifest.apply({ checkpointLsn: 7 })
    await manifest.close()
    expect((await pending).checkpointLsn).to.equal(7)
    expect((await rejection(manifest.apply({ checkpointLsn: 8 }))).code).to.equal('ECLOSED')
    await withManifest(dir, async (reopened) => expect(reopened.current.checkpointLsn).to.equal(7))
  })
})

/** Size of a log's first record (frame header + payload), read from its length field. */
const firstRecordBytes = (path: string): number => 8 + readFileSync(path).readUInt32LE(4)
