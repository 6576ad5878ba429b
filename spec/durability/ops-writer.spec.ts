import { expect } from 'chai'
import fc from 'fast-check'
import { OpWriter, decodeOps, readInt64, writeInt64 } from '../../src/durability/ops.js'
import { ByteBuffer } from '../../src/durability/byte-buffer.js'

const value = (data: Buffer) => ({ type: 'string' as const, data })

/** The keys of the puts in one taken range. */
const keysOf = (bytes: Buffer): string[] => {
  const keys: string[] = []
  decodeOps(bytes, {
    put: (_space, key) => keys.push(key.toString('latin1')),
    del: () => {},
    expire: () => {},
    setRange: () => {},
    hashField: () => {},
    flushDb: () => {},
    databaseMap: () => {},
    flushAll: () => {},
  })
  return keys
}

describe('int64 fields (expiry times)', () => {
  it('write as Buffer.writeBigInt64LE does and read back exactly, for every safe integer', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(0, -1, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), Number.MIN_SAFE_INTEGER)), (n) => {
        const ours = Buffer.alloc(8)
        const theirs = Buffer.alloc(8)
        writeInt64(ours, n, 0)
        theirs.writeBigInt64LE(BigInt(n), 0)
        expect(ours.equals(theirs), String(n)).to.equal(true)
        expect(readInt64(theirs, 0)).to.equal(n)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('OpWriter', () => {
  it('a taken range keeps its bytes until released, whatever is written after it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ puts: fc.integer({ min: 1, max: 40 }), size: fc.integer({ min: 0, max: 3000 }), keep: fc.integer({ min: 1, max: 4 }) }), {
          minLength: 1,
          maxLength: 60,
        }),
        (steps) => {
          const writer = new OpWriter(16 * 1024)
          const held: { take: number; bytes: Buffer; copy: Buffer }[] = []
          let n = 0
          for (const step of steps) {
            for (let i = 0; i < step.puts; i++) writer.put(0, Buffer.from(`k${n++}`), value(Buffer.alloc(step.size, n & 0xff)), 0)
            const take = writer.nextTake
            const bytes = writer.take()
            held.push({ take, bytes, copy: Buffer.from(bytes) })
            // Release all but the newest few ranges (as commits lag behind seals); those must hold.
            if (held.length > step.keep) {
              const released = held.length - step.keep
              writer.release(held[released - 1]!.take)
              held.splice(0, released)
            }
            for (const h of held) expect(h.bytes.equals(h.copy)).to.equal(true)
          }
        },
      ),
    )
  })

  it('reuses released slabs: a steady load of take-and-release allocates no new ones', () => {
    const writer = new OpWriter(64 * 1024)
    const slabs = new Set<ArrayBufferLike>()
    let n = 0
    for (let round = 0; round < 2_000; round++) {
      for (let i = 0; i < 10; i++) writer.put(0, Buffer.from(`key:${n++}`), value(Buffer.alloc(200, 7)), 0)
      const take = writer.nextTake
      const bytes = writer.take()
      slabs.add(bytes.buffer)
      expect(keysOf(bytes)).to.have.length(10)
      writer.release(take)
    }
    // 2,000 rounds of about 2.4 KB: 73 slabs' worth of bytes, written into a handful of slabs.
    expect(slabs.size).to.be.at.most(3)
  })
})

describe('ByteBuffer', () => {
  it('holds what was appended, minus what was dropped from the front', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 70_000 }).map((a) => ({ append: Buffer.from(a) })), fc.nat(100_000).map((n) => ({ drop: n }))), {
          maxLength: 40,
        }),
        (steps) => {
          const buffer = new ByteBuffer(128 * 1024)
          let model = Buffer.alloc(0)
          for (const step of steps) {
            if ('append' in step) {
              buffer.append(step.append)
              model = Buffer.concat([model, step.append])
            } else {
              buffer.dropFront(step.drop)
              model = model.subarray(Math.min(step.drop, model.length))
            }
            expect(buffer.length).to.equal(model.length)
            expect(buffer.view().equals(model)).to.equal(true)
          }
        },
      ),
    )
  })
})
