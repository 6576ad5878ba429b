import { expect } from 'chai'
import fc from 'fast-check'
import { mergeBatches, mergeEntriesSync, type MergeOptions } from '../../src/storage/merge.js'
import type { SegmentEntry } from '../../src/storage/segment-format.js'

const NOW = 1_000_000

/** One generated version: a key from a small alphabet so versions collide often. */
const versionArb = fc.record({
  key: fc.integer({ min: 0, max: 30 }),
  seq: fc.integer({ min: 1, max: 60 }),
  kind: fc.constantFrom<'put' | 'delete'>('put', 'put', 'delete'),
  expiry: fc.constantFrom('none', 'past', 'now', 'future'),
  type: fc.integer({ min: 0, max: 3 }),
})

type Version = typeof versionArb extends fc.Arbitrary<infer T> ? T : never

const keyOf = (n: number): Buffer => Buffer.from(`k${String(n).padStart(3, '0')}`)

function toEntry(v: Version, source: number): SegmentEntry {
  const expiresAt = { none: 0, past: NOW - 1, now: NOW, future: NOW + 1 }[v.expiry]!
  return {
    key: keyOf(v.key),
    seq: v.seq,
    kind: v.kind,
    type: v.type,
    expiresAt: v.kind === 'delete' ? 0 : expiresAt,
    value: v.kind === 'delete' ? Buffer.alloc(0) : Buffer.from(`v${v.seq}@${source}`),
  }
}

/** A sorted source with one version per key, as a segment holds. */
function sourceFrom(versions: Version[], source: number): SegmentEntry[] {
  const byKey = new Map<number, Version>()
  for (const v of versions) byKey.set(v.key, v)
  return [...byKey.values()].sort((a, b) => a.key - b.key).map((v) => toEntry(v, source))
}

const sourcesArb = fc.array(fc.array(versionArb, { maxLength: 25 }), { maxLength: 6 }).map((lists) => lists.map(sourceFrom))

/** The model: for each key, the winning version over all sources, then what the output makes of it. */
function model(sources: SegmentEntry[][], options: MergeOptions): SegmentEntry[] {
  const winners = new Map<string, { entry: SegmentEntry; source: number }>()
  sources.forEach((entries, source) => {
    for (const entry of entries) {
      const id = entry.key.toString('hex')
      const held = winners.get(id)
      if (held === undefined || entry.seq > held.entry.seq || (entry.seq === held.entry.seq && source < held.source)) {
        winners.set(id, { entry, source })
      }
    }
  })
  const out: SegmentEntry[] = []
  for (const { entry } of winners.values()) {
    const expired = !options.keepExpired && entry.kind === 'put' && entry.expiresAt !== 0 && options.now > entry.expiresAt
    if (expired) {
      if (!options.dropTombstones) out.push({ ...entry, kind: 'delete', expiresAt: 0, value: Buffer.alloc(0) })
    } else if (entry.kind === 'put' || !options.dropTombstones) {
      out.push(entry)
    }
  }
  return out.sort((a, b) => Buffer.compare(a.key, b.key))
}

/**
 * The entries as a source of batches, of the sizes `cuts` gives in turn (empty batches included,
 * as a source may yield them); one entry per batch by default.
 */
async function* asBatches(entries: SegmentEntry[], cuts: readonly number[] = [1]): AsyncIterableIterator<SegmentEntry[]> {
  const sizes = cuts.some((n) => n > 0) ? cuts : [1]
  for (let at = 0, i = 0; at < entries.length; i++) {
    const n = sizes[i % sizes.length]!
    await Promise.resolve()
    yield entries.slice(at, at + n)
    at += n
  }
}

/** The merge's output, flattened; every output batch must hold something. */
async function collect(batches: AsyncIterable<SegmentEntry[]>): Promise<SegmentEntry[]> {
  const out: SegmentEntry[] = []
  for await (const batch of batches) {
    expect(batch).to.not.be.empty
    out.push(...batch)
  }
  return out
}

const cutsArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 })
const optionsArb = fc.record({ dropTombstones: fc.boolean(), now: fc.constant(NOW), keepExpired: fc.boolean() })

describe('mergeBatches, mergeEntriesSync', () => {
  it('yields what the Map model does: newest version per key, shadowed dropped, expiry and tombstones resolved', async () => {
    await fc.assert(
      fc.asyncProperty(sourcesArb, optionsArb, cutsArb, async (sources, options, cuts) => {
        const expected = model(sources, options)
        expect(await collect(mergeBatches(sources.map((source) => asBatches(source, cuts)), options))).to.deep.equal(expected)
        expect([...mergeEntriesSync(sources, options)]).to.deep.equal(expected)
      }),
      { numRuns: 400 },
    )
  })

  it('yields strictly ascending keys', () => {
    fc.assert(
      fc.property(sourcesArb, optionsArb, (sources, options) => {
        const keys = [...mergeEntriesSync(sources, options)].map((e) => e.key)
        for (let i = 1; i < keys.length; i++) expect(Buffer.compare(keys[i - 1]!, keys[i]!)).to.equal(-1)
      }),
    )
  })

  it('on equal seq, the earlier (newer) source wins', () => {
    const older = [toEntry({ key: 1, seq: 5, kind: 'put', expiry: 'none', type: 0 }, 1)]
    const newer = [toEntry({ key: 1, seq: 5, kind: 'delete', expiry: 'none', type: 0 }, 0)]
    const out = [...mergeEntriesSync([newer, older], { dropTombstones: false, now: NOW })]
    expect(out.map((e) => e.kind)).to.deep.equal(['delete'])
    const swapped = [...mergeEntriesSync([older, newer], { dropTombstones: false, now: NOW })]
    expect(swapped.map((e) => e.kind)).to.deep.equal(['put'])
  })

  it('a higher seq wins whatever its source position', () => {
    const stale = [toEntry({ key: 1, seq: 3, kind: 'put', expiry: 'none', type: 0 }, 0)]
    const fresh = [toEntry({ key: 1, seq: 9, kind: 'put', expiry: 'none', type: 0 }, 1)]
    expect([...mergeEntriesSync([stale, fresh], { dropTombstones: true, now: NOW })].map((e) => e.seq)).to.deep.equal([9])
  })

  it('an expired put shadows older versions as a tombstone above the bottom, and vanishes at the bottom', () => {
    const newer = [toEntry({ key: 1, seq: 9, kind: 'put', expiry: 'past', type: 2 }, 0)]
    const older = [toEntry({ key: 1, seq: 3, kind: 'put', expiry: 'none', type: 0 }, 1)]
    const above = [...mergeEntriesSync([newer, older], { dropTombstones: false, now: NOW })]
    expect(above).to.deep.equal([{ key: keyOf(1), seq: 9, kind: 'delete', type: 2, expiresAt: 0, value: Buffer.alloc(0) }])
    expect([...mergeEntriesSync([newer, older], { dropTombstones: true, now: NOW })]).to.deep.equal([])
  })

  it('a key expiring exactly now is still live (expired only once now is past it)', () => {
    const entry = toEntry({ key: 1, seq: 1, kind: 'put', expiry: 'now', type: 0 }, 0)
    expect([...mergeEntriesSync([[entry]], { dropTombstones: true, now: NOW })]).to.deep.equal([entry])
  })

  it('rejects a source that goes backwards, naming it', async () => {
    const sorted = [keyOf(1), keyOf(2)].map((key, i) => ({ ...toEntry({ key: 0, seq: i + 1, kind: 'put', expiry: 'none', type: 0 }, 0), key }))
    const unsorted = [...sorted].reverse()
    expect(() => [...mergeEntriesSync([sorted, unsorted], { dropTombstones: false, now: NOW })]).to.throw(/source 1 is not sorted/)
    let error: unknown
    await collect(mergeBatches([asBatches(unsorted)], { dropTombstones: false, now: NOW })).catch((e: unknown) => (error = e))
    expect(String(error)).to.match(/source 0 is not sorted/)
    // Within one batch as well as across two.
    error = undefined
    await collect(mergeBatches([asBatches(sorted), asBatches(unsorted, [2])], { dropTombstones: false, now: NOW })).catch((e: unknown) => (error = e))
    expect(String(error)).to.match(/source 1 is not sorted/)
  })

  it('closes every source when the consumer stops early', async () => {
    const closed: number[] = []
    const source = (index: number): AsyncIterable<SegmentEntry[]> => ({
      async *[Symbol.asyncIterator]() {
        try {
          for (let key = index; key < 1000; key += 2) yield [toEntry({ key, seq: 1, kind: 'put', expiry: 'none', type: 0 }, index)]
        } finally {
          closed.push(index)
        }
      },
    })
    for await (const batch of mergeBatches([source(0), source(1)], { dropTombstones: false, now: NOW })) {
      if (batch.some((entry) => entry.key.equals(keyOf(3)))) break
    }
    expect(closed.sort()).to.deep.equal([0, 1])
  })
})
