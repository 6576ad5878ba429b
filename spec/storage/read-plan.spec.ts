import { expect } from 'chai'
import fc from 'fast-check'
import { buildReadPlan, pointReadOrder, scanSources, segmentHolding } from '../../src/storage/read-plan.js'
import type { ManifestSnapshot, SegmentInfo } from '../../src/storage/manifest.js'
import { packKeys } from '../../src/storage/segment-format.js'

const segment = (id: number, level: number, firstKey: Buffer, lastKey: Buffer, maxSeq = id): SegmentInfo => ({
  id,
  level,
  tier: 'ssd',
  file: `${id}.seg`,
  bytes: 1,
  entries: 1,
  tombstones: 0,
  firstKey,
  lastKey,
  minSeq: 0,
  maxSeq,
  minExpiresAt: 0,
})

const snapshot = (segments: SegmentInfo[]): ManifestSnapshot => ({
  segments,
  checkpointLsn: 0,
  nextSegmentId: segments.length + 1,
  compactPointers: [],
  generations: [],
  databaseMaps: [],
})

/**
 * Keys from a few byte values, after a prefix of any length: many share long prefixes and tie in
 * their first bytes past it, which the search must order by the bytes after those.
 */
const keyOf = (prefix: number[]) => fc.array(fc.constantFrom(0, 1, 2, 255), { maxLength: 10 }).map((tail) => Buffer.from([...prefix, ...tail]))
const prefix = fc.array(fc.constantFrom(0, 7, 255), { maxLength: 3 })

/** Distinct sorted keys, paired into non-overlapping [first, last] ranges. */
const run = (prefix: number[]) => fc
  .uniqueArray(keyOf(prefix), { selector: (k) => k.toString('hex'), maxLength: 40 })
  .map((keys) => {
    const sorted = keys.map((k) => Buffer.from(k)).sort(Buffer.compare)
    const segments: SegmentInfo[] = []
    for (let i = 0; i + 1 < sorted.length; i += 2) segments.push(segment(segments.length + 1, 1, sorted[i]!, sorted[i + 1]!))
    return segments
  })

describe('read plan', () => {
  it('finds the one segment of a sorted run whose range holds a key, as a linear search would', () => {
    fc.assert(
      fc.property(prefix.chain((p) => fc.tuple(run(p), fc.oneof(keyOf(p), keyOf([]), fc.uint8Array({ maxLength: 12 }).map((k) => Buffer.from(k))))), ([segments, key]) => {
        const lastKeys = packKeys(segments.map((s) => s.lastKey))
        const linear = segments.find((s) => Buffer.compare(s.firstKey, key) <= 0 && Buffer.compare(key, s.lastKey) <= 0)
        expect(segmentHolding(segments, lastKeys, key)).to.equal(linear)
        // Every range's own bounds are found.
        for (const s of segments) {
          expect(segmentHolding(segments, lastKeys, s.firstKey)).to.equal(s)
          expect(segmentHolding(segments, lastKeys, s.lastKey)).to.equal(s)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('groups segments by level and keeps level 0 in read order', () => {
    const k = (s: string): Buffer => Buffer.from(s)
    const newest = segment(7, 0, k('a'), k('z'), 9)
    const older = segment(3, 0, k('b'), k('c'), 4)
    const deep = [segment(1, 2, k('a'), k('f')), segment(2, 2, k('g'), k('p'))]
    const plan = buildReadPlan(snapshot([newest, older, ...deep]))
    expect(plan.levels).to.have.length(3)
    expect(plan.levels[0]).to.deep.equal([newest, older])
    expect(plan.levels[1]).to.deep.equal([])
    expect(plan.levels[2]).to.deep.equal(deep)
    expect(segmentHolding(plan.levels[2]!, plan.lastKeys[2]!, k('h'))).to.equal(deep[1])
    expect(segmentHolding(plan.levels[2]!, plan.lastKeys[2]!, k('fz'))).to.equal(undefined)
    // A point read: all of level 0 newest first, then the deeper segment whose range holds the key.
    expect(pointReadOrder(plan, k('h'))).to.deep.equal([newest, older, deep[1]])
    expect(pointReadOrder(plan, k('fz'))).to.deep.equal([newest, older])
    expect(buildReadPlan(snapshot([])).levels).to.deep.equal([[]])
  })

  it('gives a scan a source per level-0 segment, newest first, and one per deeper level that reads its segments in key order, each opened when the one before is done', async () => {
    const k = (s: string): Buffer => Buffer.from(s)
    const newest = segment(7, 0, k('a'), k('z'), 9)
    const older = segment(3, 0, k('b'), k('c'), 4)
    // Deeper levels out of key order, and a level missing between them.
    const level1 = [segment(5, 1, k('m'), k('p')), segment(4, 1, k('a'), k('f'))]
    const level3 = [segment(1, 3, k('q'), k('z')), segment(2, 3, k('a'), k('k')), segment(6, 3, k('l'), k('p'))]
    const opened: number[] = []
    const scanOf = (s: SegmentInfo): AsyncIterable<number> => {
      opened.push(s.id)
      return (async function* () {
        yield s.id
      })()
    }
    const sources = scanSources([newest, older, ...level1, ...level3], scanOf)
    expect(sources).to.have.length(4)
    expect(opened).to.deep.equal([7, 3])
    const read: number[][] = []
    for (const source of sources) {
      const ids: number[] = []
      const iterator = source[Symbol.asyncIterator]()
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        ids.push(next.value)
        // Nothing is opened ahead of what has been read.
        expect(opened).to.deep.equal([7, 3, ...read.flat().filter((id) => id !== 7 && id !== 3), ...ids.filter((id) => id !== 7 && id !== 3)])
      }
      read.push(ids)
    }
    expect(read).to.deep.equal([[7], [3], [4, 5], [2, 6, 1]])
  })
})
