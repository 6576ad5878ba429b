// The compaction worker against the in-process merge: the segments it writes hold exactly what
// mergeEntries makes of the inputs, less the dead generations, cut where the store cuts; the
// expired keys it reports are those the merge dropped; a failure rejects with the worker's error
// and leaves none of the output files behind.

import { expect } from 'chai'
import fc from 'fast-check'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCompactionInWorker, type CompactionJob } from '../../src/storage/compaction-worker.js'
import { entriesOf, mergeBatches } from '../../src/storage/merge.js'
import { SegmentError, type SegmentEntry } from '../../src/storage/segment-format.js'
import { openSegment } from '../../src/storage/segment-reader.js'
import { writeSegment } from '../../src/storage/segment-writer.js'

const NOW = 1_700_000_000_000
const SPACE_KEYS = 0x01
const SPACE_MEMBERS = 0x02

/** A store key: keyspace u32 BE, generation u32 BE, kind byte, key bytes. */
const storeKey = (db: number, gen: number, space: number, k: string): Buffer => {
  const header = Buffer.alloc(9)
  header.writeUInt32BE(db, 0)
  header.writeUInt32BE(gen, 4)
  header[8] = space
  return Buffer.concat([header, Buffer.from(k, 'latin1')])
}

/** The model of the generation filter: top-level keys of a generation below the database's go. */
const isLive = (key: Buffer, generations: readonly { db: number; gen: number }[]): boolean =>
  key[8] !== SPACE_KEYS || key.readUInt32BE(4) >= (generations.find((g) => g.db === key.readUInt32BE(0))?.gen ?? 0)

const shown = (e: SegmentEntry): string =>
  `${e.key.toString('hex')} ${e.seq} ${e.kind} ${e.type} ${e.expiresAt} ${e.value.toString('hex')}`

/** What the store counts towards an output's size when it cuts outputs. */
const estimate = (e: SegmentEntry): number => e.key.length + e.value.length + 16

const versionArb = fc.record({
  // Keyspaces of the default tenant and of tenant 1 (65536 = tenant 1, database 0).
  db: fc.constantFrom(0, 1, 65536),
  gen: fc.constantFrom(0, 1, 2),
  space: fc.constantFrom(SPACE_KEYS, SPACE_KEYS, SPACE_KEYS, SPACE_MEMBERS),
  k: fc.integer({ min: 0, max: 30 }).map((n) => `k${n}`),
  seq: fc.integer({ min: 1, max: 80 }),
  kind: fc.constantFrom<'put' | 'delete'>('put', 'put', 'delete'),
  expiry: fc.constantFrom('none', 'none', 'past', 'future'),
  valueBytes: fc.integer({ min: 0, max: 120 }),
})

type Version = typeof versionArb extends fc.Arbitrary<infer T> ? T : never

/** A segment's entries: one version per key, in key order. */
const sourceOf = (versions: Version[]): SegmentEntry[] => {
  const byKey = new Map<string, SegmentEntry>()
  for (const v of versions) {
    const key = storeKey(v.db, v.gen, v.space, v.k)
    const put = v.kind === 'put'
    byKey.set(key.toString('hex'), {
      key,
      seq: v.seq,
      kind: v.kind,
      type: 0,
      expiresAt: !put ? 0 : { none: 0, past: NOW - 1000, future: NOW + 1000 }[v.expiry]!,
      value: put ? Buffer.alloc(v.valueBytes, v.seq) : Buffer.alloc(0),
    })
  }
  return [...byKey.values()].sort((a, b) => Buffer.compare(a.key, b.key))
}

const jobArb = fc.record({
  sources: fc.array(fc.array(versionArb, { maxLength: 40 }), { minLength: 1, maxLength: 5 }).map((lists) => lists.map(sourceOf)),
  generations: fc.subarray([0, 1, 65536]).chain((dbs) =>
    fc.tuple(...dbs.map((db) => fc.record({ db: fc.constant(db), gen: fc.constantFrom(0, 1, 2) }))),
  ),
  dropTombstones: fc.boolean(),
  targetSegmentBytes: fc.integer({ min: 100, max: 3000 }),
  given: fc.integer({ min: 0, max: 3 }),
})

async function readAll(path: string): Promise<SegmentEntry[]> {
  const reader = await openSegment(path, 0)
  try {
    const entries: SegmentEntry[] = []
    for await (const entry of reader.scan()) entries.push(entry)
    return entries
  } finally {
    await reader.close()
  }
}

/** What a compaction that must fail rejects with (undefined if it succeeds). */
const failureOf = (job: Parameters<typeof runCompactionInWorker>[0]): Promise<unknown> =>
  runCompactionInWorker(job).then(
    () => undefined,
    (e: unknown) => e,
  )

describe('compaction worker', () => {
  let root: string
  let inputs: string
  let outputs: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wtr-compaction-worker-'))
    inputs = join(root, 'in')
    outputs = join(root, 'out')
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  /** Fresh input and output folders, the inputs written as segments (newest first). */
  const prepare = async (sources: SegmentEntry[][]): Promise<string[]> => {
    await rm(inputs, { recursive: true, force: true })
    await rm(outputs, { recursive: true, force: true })
    await mkdir(inputs)
    await mkdir(outputs)
    const paths = sources.map((_, i) => join(inputs, `${i}.seg`))
    for (const [i, entries] of sources.entries()) await writeSegment(paths[i]!, entries, { blockBytes: 256 })
    return paths
  }

  /** Output paths: `given` up front, the rest on demand; `handed` lists both in order. */
  const outputPaths = (given: number): { outputs: string[]; moreOutputs: () => string; handed: string[] } => {
    const handed: string[] = []
    const next = (): string => {
      handed.push(join(outputs, `${String(handed.length).padStart(4, '0')}.seg`))
      return handed.at(-1)!
    }
    return { outputs: Array.from({ length: given }, next), moreOutputs: next, handed }
  }

  it('writes what the in-process merge produces, less dead generations, cut where the store cuts', async () => {
    await fc.assert(
      fc.asyncProperty(jobArb, async ({ sources, generations, dropTombstones, targetSegmentBytes, given }) => {
        const paths = await prepare(sources)

        const expired: string[] = []
        const readers = await Promise.all(paths.map((path, i) => openSegment(path, i)))
        const expected: SegmentEntry[] = []
        try {
          const merged = entriesOf(mergeBatches(
            readers.map((r) => r.scanBatches()),
            { dropTombstones, now: NOW, onExpired: (e) => expired.push(e.key.toString('hex')) },
          ))
          for await (const entry of merged) if (isLive(entry.key, generations)) expected.push(entry)
        } finally {
          await Promise.all(readers.map((r) => r.close()))
        }

        const handout = outputPaths(given)
        const job: CompactionJob = {
          inputs: paths,
          dropTombstones,
          now: NOW,
          generations,
          targetSegmentBytes,
          outputs: handout.outputs,
          moreOutputs: handout.moreOutputs,
        }
        const result = await runCompactionInWorker(job)

        // The outputs are the paths handed out, in order; no other file appears.
        const used = result.outputs.map((o) => o.path)
        expect(used).to.deep.equal(handout.handed.slice(0, used.length))
        expect((await readdir(outputs)).sort()).to.deep.equal(used.map((p) => p.slice(outputs.length + 1)))

        const written: SegmentEntry[] = []
        for (const [i, output] of result.outputs.entries()) {
          const entries = await readAll(output.path)
          expect(entries.length, `output ${i} is empty`).to.be.above(0)
          // Each output holds one tenant and closes at the first entry that takes it to the
          // target or before another tenant's first entry; the last at the end.
          const bytes = entries.reduce((n, e) => n + estimate(e), 0)
          expect(bytes - estimate(entries.at(-1)!)).to.be.below(targetSegmentBytes)
          expect(new Set(entries.map((e) => e.key.readUInt16BE(0))).size, `output ${i} holds one tenant`).to.equal(1)
          if (i < result.outputs.length - 1) {
            const nextFirst = (await readAll(result.outputs[i + 1]!.path))[0]!
            const tenantEnds = nextFirst.key.readUInt16BE(0) !== entries.at(-1)!.key.readUInt16BE(0)
            expect(bytes >= targetSegmentBytes || tenantEnds, `output ${i} closed early`).to.equal(true)
          }
          const reader = await openSegment(output.path, 0)
          const { id: _, ...onDisk } = reader.meta
          await reader.close()
          expect(output.meta).to.deep.equal(onDisk)
          expect(Buffer.isBuffer(output.meta.firstKey) && Buffer.isBuffer(output.meta.lastKey)).to.equal(true)
          written.push(...entries)
        }
        expect(written.map(shown)).to.deep.equal(expected.map(shown))
        expect(result.expired.map((k) => k.toString('hex'))).to.deep.equal(expired)
      }),
      { numRuns: 25 },
    )
  })

  it('reports the expired records it drops and leaves out dead generations', async () => {
    const put = (key: Buffer, seq: number, expiresAt: number): SegmentEntry => ({ key, seq, kind: 'put', type: 0, expiresAt, value: Buffer.from(`v${seq}`) })
    const newer = [
      put(storeKey(0, 1, SPACE_KEYS, 'a'), 10, NOW - 1),
      put(storeKey(0, 1, SPACE_KEYS, 'b'), 11, NOW + 60_000),
      put(storeKey(1, 0, SPACE_KEYS, 'c'), 12, NOW - 5),
    ]
    const older = [
      put(storeKey(0, 0, SPACE_KEYS, 'old'), 1, 0),
      put(storeKey(0, 0, SPACE_MEMBERS, 'member'), 2, 0),
      put(storeKey(0, 1, SPACE_KEYS, 'a'), 3, 0),
      put(storeKey(0, 1, SPACE_KEYS, 'd'), 4, 0),
    ]
    const paths = await prepare([newer, older])
    const result = await runCompactionInWorker({
      inputs: paths,
      dropTombstones: true,
      now: NOW,
      generations: [{ db: 0, gen: 1 }],
      targetSegmentBytes: 1 << 20,
      outputs: [join(outputs, 'out.seg')],
    })
    expect(result.expired.map((k) => k.toString('latin1'))).to.deep.equal([
      storeKey(0, 1, SPACE_KEYS, 'a').toString('latin1'),
      storeKey(1, 0, SPACE_KEYS, 'c').toString('latin1'),
    ])
    // Database 0's generation 0 is dead (its member-space record is not a top-level key, so kept);
    // the expired "a" shadows its older version and goes with it.
    const kept = (await readAll(join(outputs, 'out.seg'))).map((e) => `${e.key.readUInt32BE(0)}:${e.key.readUInt32BE(4)}:${e.key[8]}:${e.key.subarray(9).toString('latin1')}`)
    expect(kept).to.deep.equal(['0:0:2:member', '0:1:1:b', '0:1:1:d'])
    expect(result.outputs.map((o) => o.meta.entries)).to.deep.equal([3])
  })

  /** Two interleaved inputs whose merge fills many small outputs before it reaches `damagedKey`. */
  const interleaved = (): SegmentEntry[][] => {
    const entry = (n: number): SegmentEntry => ({
      key: storeKey(0, 0, SPACE_KEYS, `key-${String(n).padStart(4, '0')}`),
      seq: n + 1,
      kind: 'put',
      type: 0,
      expiresAt: 0,
      value: Buffer.from(`value-${String(n).padStart(4, '0')}-`.padEnd(100, 'x')),
    })
    const even = Array.from({ length: 500 }, (_, i) => entry(2 * i))
    const odd = Array.from({ length: 500 }, (_, i) => entry(2 * i + 1))
    return [even, odd]
  }

  it('rejects with the damaged input named, and removes every output it wrote', async () => {
    const paths = await prepare(interleaved())
    const damaged = paths[1]!
    const bytes = await readFile(damaged)
    const at = bytes.indexOf('value-0901-')
    expect(at).to.be.above(0)
    bytes[at + 3]! ^= 0xff
    await writeFile(damaged, bytes)

    const handout = outputPaths(1)
    const failure = await failureOf({
      inputs: paths,
      dropTombstones: true,
      now: NOW,
      generations: [],
      targetSegmentBytes: 2000,
      outputs: handout.outputs,
      moreOutputs: handout.moreOutputs,
    })
    expect(failure).to.be.instanceOf(SegmentError)
    expect((failure as SegmentError).code).to.equal('ECORRUPT')
    expect((failure as SegmentError).message).to.include(damaged).and.to.include('checksum')
    expect((failure as SegmentError).path).to.equal(damaged)
    // Outputs were finished before the merge reached the damage; none of them is left.
    expect(handout.handed.length).to.be.above(5)
    expect(await readdir(outputs)).to.deep.equal([])
  })

  it('rejects when its output paths run out, removing the outputs it finished', async () => {
    const paths = await prepare(interleaved())
    const failure = await failureOf({
      inputs: paths,
      dropTombstones: true,
      now: NOW,
      generations: [],
      targetSegmentBytes: 2000,
      outputs: [join(outputs, 'a.seg'), join(outputs, 'b.seg')],
    })
    expect((failure as Error).message).to.equal('compaction ran out of output paths after 2')
    expect(await readdir(outputs)).to.deep.equal([])
  })

  it('rejects, naming the file, when an input does not open', async () => {
    const [path] = await prepare([[]])
    await writeFile(path!, Buffer.from('not a segment'))
    const failure = await failureOf({
      inputs: [path!],
      dropTombstones: false,
      now: NOW,
      generations: [],
      targetSegmentBytes: 2000,
      outputs: [join(outputs, 'a.seg')],
    })
    expect(failure).to.be.instanceOf(SegmentError)
    expect((failure as SegmentError).code).to.equal('ETORN')
    expect((failure as SegmentError).message).to.include(path)
    expect(await readdir(outputs)).to.deep.equal([])
  })
})
