import { expect } from 'chai'
import fc from 'fast-check'
import { BlockCache } from '../../src/storage/block-cache.js'

const block = (bytes: number, fill = 0): Buffer => Buffer.alloc(bytes, fill)

describe('block cache', () => {
  it('counts a miss, then a hit once the block is cached', () => {
    const cache = new BlockCache(1000)
    expect(cache.get(1, 0)).to.equal(undefined)
    const b = block(100, 7)
    cache.set(1, 0, b)
    expect(cache.get(1, 0)).to.equal(b)
    expect(cache.get(1, 100)).to.equal(undefined)
    expect(cache.get(2, 0)).to.equal(undefined)
    expect(cache.stats()).to.deep.equal({ hits: 1, misses: 3, evictions: 0, bytes: 100, blocks: 1, capacityBytes: 1000 })
  })

  it('evicts the least recently used blocks until the bytes fit', () => {
    const cache = new BlockCache(100)
    cache.set(1, 0, block(40))
    cache.set(1, 40, block(40))
    cache.get(1, 0) // now (1, 40) is the least recently used
    cache.set(2, 0, block(40))
    expect(cache.get(1, 40)).to.equal(undefined)
    expect(cache.get(1, 0)).to.not.equal(undefined)
    expect(cache.get(2, 0)).to.not.equal(undefined)
    expect(cache.stats()).to.include({ evictions: 1, bytes: 80, blocks: 2 })

    // One large block pushes out as many as it takes.
    cache.set(3, 0, block(90))
    expect(cache.stats()).to.include({ evictions: 3, bytes: 90, blocks: 1 })
    expect(cache.get(3, 0)).to.not.equal(undefined)
  })

  it('does not cache a block larger than its capacity, and keeps what it has', () => {
    const cache = new BlockCache(100)
    cache.set(1, 0, block(60))
    cache.set(1, 60, block(101))
    expect(cache.get(1, 60)).to.equal(undefined)
    expect(cache.get(1, 0)).to.not.equal(undefined)
    expect(cache.stats()).to.include({ bytes: 60, blocks: 1, evictions: 0 })
  })

  it('replaces a block stored again under the same id and offset', () => {
    const cache = new BlockCache(100)
    cache.set(1, 0, block(30, 1))
    const replacement = block(50, 2)
    cache.set(1, 0, replacement)
    expect(cache.get(1, 0)).to.equal(replacement)
    expect(cache.stats()).to.include({ bytes: 50, blocks: 1 })
  })

  it('drops every block of one segment and no other', () => {
    const cache = new BlockCache(1000)
    for (let offset = 0; offset < 300; offset += 100) cache.set(1, offset, block(100))
    cache.set(2, 0, block(100))
    expect(cache.dropSegment(1)).to.equal(3)
    expect(cache.dropSegment(1)).to.equal(0)
    expect(cache.get(1, 0)).to.equal(undefined)
    expect(cache.get(2, 0)).to.not.equal(undefined)
    expect(cache.stats()).to.include({ bytes: 100, blocks: 1, evictions: 0 })
    cache.clear()
    expect(cache.stats()).to.include({ bytes: 0, blocks: 0 })
    expect(cache.get(2, 0)).to.equal(undefined)
  })

  it('behaves as an LRU list bounded by bytes (model check)', () => {
    type Op = { op: 'get' | 'set' | 'drop'; segment: number; offset: number; bytes: number }
    const op: fc.Arbitrary<Op> = fc.record({
      op: fc.constantFrom<Op['op']>('get', 'get', 'set', 'set', 'drop'),
      segment: fc.integer({ min: 0, max: 3 }),
      offset: fc.integer({ min: 0, max: 5 }),
      bytes: fc.integer({ min: 0, max: 120 }),
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const cache = new BlockCache(capacity)
        // Model: least recently used first.
        let model: { segment: number; offset: number; block: Buffer }[] = []
        let hits = 0
        let misses = 0
        let evictions = 0
        const find = (s: number, o: number) => model.findIndex((e) => e.segment === s && e.offset === o)
        for (const { op: kind, segment, offset, bytes } of ops) {
          if (kind === 'get') {
            const i = find(segment, offset)
            const got = cache.get(segment, offset)
            if (i < 0) {
              misses++
              expect(got).to.equal(undefined)
            } else {
              hits++
              const [entry] = model.splice(i, 1)
              model.push(entry!)
              expect(got).to.equal(entry!.block)
            }
          } else if (kind === 'set') {
            const b = block(bytes)
            cache.set(segment, offset, b)
            const i = find(segment, offset)
            if (i >= 0) model.splice(i, 1)
            if (bytes <= capacity) {
              model.push({ segment, offset, block: b })
              while (model.reduce((n, e) => n + e.block.length, 0) > capacity) {
                model.shift()
                evictions++
              }
            }
          } else {
            const before = model.length
            model = model.filter((e) => e.segment !== segment)
            expect(cache.dropSegment(segment)).to.equal(before - model.length)
          }
          const bytesHeld = model.reduce((n, e) => n + e.block.length, 0)
          expect(cache.stats()).to.deep.equal({ hits, misses, evictions, bytes: bytesHeld, blocks: model.length, capacityBytes: capacity })
        }
      }),
      { numRuns: 300 },
    )
  })

  it('admits a block on its third recent miss, not its first or second', () => {
    const cache = new BlockCache(4 << 20)
    expect(cache.shouldAdmit(3, 8192)).to.equal(false)
    expect(cache.shouldAdmit(3, 12288)).to.equal(false)
    expect(cache.shouldAdmit(4, 8192)).to.equal(false)
    expect(cache.shouldAdmit(3, 8192)).to.equal(false)
    expect(cache.shouldAdmit(4, 8192)).to.equal(false)
    expect(cache.shouldAdmit(3, 8192)).to.equal(true)
    // Admitted once: a later miss starts over.
    expect(cache.shouldAdmit(3, 8192)).to.equal(false)
    expect(cache.shouldAdmit(3, 8192)).to.equal(false)
    expect(cache.shouldAdmit(4, 8192)).to.equal(true)
    expect(cache.shouldAdmit(0, 0)).to.equal(false)
    expect(cache.shouldAdmit(0, 0)).to.equal(false)
    expect(cache.shouldAdmit(0, 0)).to.equal(true)
  })

  it('remembers a bounded number of misses: most blocks missed three times within the window get in, few missed three times far apart do', () => {
    const cache = new BlockCache(4 << 20)
    // About four times the blocks that fit (1,024 blocks of 4 KiB): a window of 4,096 slots.
    const blocks = Array.from({ length: 1500 }, (_, i) => [1 + (i % 7), 4096 * Math.floor(i / 7)] as const)
    for (const [id, offset] of blocks) cache.shouldAdmit(id, offset)
    for (const [id, offset] of blocks) expect(cache.shouldAdmit(id, offset)).to.equal(false)
    const near = blocks.filter(([id, offset]) => cache.shouldAdmit(id, offset)).length
    expect(near).to.be.above(1500 * 0.6)
    // 200,000 other misses pass between the misses of the same blocks.
    const others = (base: number): void => {
      for (let i = 0; i < 200_000; i++) cache.shouldAdmit(base + (i % 50), 4096 * i)
    }
    others(100)
    for (const [id, offset] of blocks) cache.shouldAdmit(id, offset)
    others(200)
    for (const [id, offset] of blocks) cache.shouldAdmit(id, offset)
    others(300)
    const far = blocks.filter(([id, offset]) => cache.shouldAdmit(id, offset)).length
    expect(far).to.be.below(1500 * 0.05)
  })


  it('refuses a capacity that is not a non-negative integer', () => {
    expect(() => new BlockCache(-1)).to.throw(RangeError)
    expect(() => new BlockCache(1.5)).to.throw(RangeError)
  })
})
