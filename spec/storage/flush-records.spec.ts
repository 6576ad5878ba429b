import { expect } from 'chai'
import fc from 'fast-check'
import { FlushRecords, sortedFlushEntries } from '../../src/storage/flush-records.js'

const recordArb = fc.record({
  prefix: fc.constantFrom(Buffer.from([0, 1]), Buffer.from([0, 2]), Buffer.alloc(0)),
  key: fc.string({ maxLength: 6 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
  value: fc.option(fc.uint8Array({ maxLength: 20 }).map((v) => Buffer.from(v)), { nil: undefined }),
  expiresAt: fc.constantFrom(0, 1, 1_700_000_000_123, 2 ** 52),
})

describe('flush records', () => {
  it('come back sorted by store key, one per key, the last appended of each, as a Map model has them', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 60 }), fc.nat(), (records, seq) => {
        const packer = new FlushRecords()
        const model = new Map<string, (typeof records)[number]>()
        for (const r of records) {
          packer.add(r.prefix, r.key, r.value, r.expiresAt)
          model.set(Buffer.concat([r.prefix, Buffer.from(r.key, 'latin1')]).toString('hex'), r)
        }
        expect(packer.count).to.equal(records.length)
        const entries = sortedFlushEntries(packer.finish(), seq)
        const expected = [...model.entries()]
          .sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')))
          .map(([key, r]) => ({
            key,
            seq,
            kind: r.value === undefined ? 'delete' : 'put',
            type: 0,
            expiresAt: r.value === undefined ? 0 : r.expiresAt,
            value: (r.value ?? Buffer.alloc(0)).toString('hex'),
          }))
        expect(entries.map((e) => ({ ...e, key: e.key.toString('hex'), value: e.value.toString('hex') }))).to.deep.equal(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('grow past their first buffer, and refuse bytes that do not parse', () => {
    const packer = new FlushRecords()
    const big = Buffer.alloc(100_000, 7)
    packer.add(Buffer.from([1]), 'b', big, 0)
    packer.add(Buffer.from([1]), 'a', undefined, 5)
    const packed = packer.finish()
    const entries = sortedFlushEntries(packed, 3)
    expect(entries.map((e) => [e.key.toString('latin1'), e.kind, e.value.length])).to.deep.equal([
      ['\x01a', 'delete', 0],
      ['\x01b', 'put', 100_000],
    ])
    expect(() => sortedFlushEntries(packed.subarray(0, packed.length - 1), 3)).to.throw(/runs past the end/)
  })
})
