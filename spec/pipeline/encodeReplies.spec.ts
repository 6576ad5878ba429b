import { expect } from 'chai'
import fc from 'fast-check'
import { from, map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { encodeReplies } from '../../src/pipeline/encodeReplies.js'
import { decodeFrames } from '../../src/pipeline/decodeFrames.js'
import { executeCommands } from '../../src/pipeline/executeCommands.js'
import type { EncodedBatch, ReplyBatch } from '../../src/pipeline/batches.js'
import { ReplyWriter } from '../../src/protocol/encoder.js'
import { NULL, PONG, bulk, double, map as mapReply, set } from '../../src/protocol/reply.js'
import { anyReply, encode } from '../protocol/support.js'
import { FakeRunner } from './runner.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected)
  })

/** An EncodedBatch as text, checking that `bytes` is the length of its pieces. */
const asText = (batch: EncodedBatch): { text: string; close: boolean } => {
  const data = Buffer.concat(batch.pieces)
  expect(batch.bytes).to.equal(data.length)
  return { text: data.toString('latin1'), close: batch.close }
}

const M = mapReply([[bulk('k'), double(1.5)]])

describe('encodeReplies', () => {
  it('encodes each batch in its protocol, as one emission', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const batches = cold<ReplyBatch>('-a-b-|', {
        a: { replies: [NULL, M, PONG], resp: 2, close: false },
        b: { replies: [NULL, M, set([])], resp: 3, close: true },
      })
      expectObservable(batches.pipe(encodeReplies(), map(asText))).toBe('-a-b-|', {
        a: { text: '$-1\r\n*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n+PONG\r\n', close: false },
        b: { text: '_\r\n%1\r\n$1\r\nk\r\n,1.5\r\n~0\r\n', close: true },
      })
    })
  })

  it('honours respChanges: from each listed index on, the new protocol', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const batches = cold<ReplyBatch>('-a-b-c-|', {
        a: { replies: [NULL, NULL, NULL, NULL], resp: 2, respChanges: [[1, 3], [3, 2]], close: false },
        b: { replies: [NULL, NULL], resp: 3, respChanges: [[0, 2]], close: false },
        c: { replies: [NULL, NULL], resp: 2, respChanges: [[1, 3]], close: false },
      })
      expectObservable(batches.pipe(encodeReplies(), map(asText))).toBe('-a-b-c-|', {
        a: { text: '$-1\r\n_\r\n_\r\n$-1\r\n', close: false },
        b: { text: '$-1\r\n$-1\r\n', close: false },
        c: { text: '$-1\r\n_\r\n', close: false },
      })
    })
  })

  it('emits an empty batch for no replies, keeping close', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const batches = cold<ReplyBatch>('-a-|', { a: { replies: [], resp: 2, close: true } })
      expectObservable(batches.pipe(encodeReplies())).toBe('-a-|', { a: { pieces: [], bytes: 0, close: true } })
    })
  })

  it('leaves the bytes of earlier batches intact while the shared writer goes on', () => {
    const writer = new ReplyWriter()
    const out: EncodedBatch[] = []
    const batches: ReplyBatch[] = Array.from({ length: 200 }, (_, i) => ({
      replies: Array.from({ length: 50 }, (__, j) => bulk(`batch ${i} reply ${j}`)),
      resp: 2,
      close: false,
    }))
    from(batches).pipe(encodeReplies(writer)).subscribe((b) => out.push(b))
    expect(out).to.have.length(200)
    out.forEach((b, i) => expect(Buffer.concat(b.pieces).equals(encode(batches[i]!.replies, 2))).to.equal(true))
  })

  it('property: the bytes are each reply encoded in the protocol in force at its index', () => {
    const arbitrary = fc.array(anyReply, { maxLength: 8 }).chain((replies) =>
      fc.record({
        replies: fc.constant(replies),
        resp: fc.constantFrom(2 as const, 3 as const),
        switches: fc.uniqueArray(fc.nat({ max: Math.max(0, replies.length - 1) }), { maxLength: 3 }),
      }),
    )
    fc.assert(
      fc.property(arbitrary, ({ replies, resp, switches }) => {
        const indexes = switches.filter((i) => i < replies.length).sort((x, y) => x - y)
        const respChanges: [number, 2 | 3][] = []
        let current: 2 | 3 = resp
        for (const i of indexes) respChanges.push([i, (current = current === 2 ? 3 : 2)])
        const expected = Buffer.concat(
          replies.map((r, i) => {
            let v: 2 | 3 = resp
            for (const [at, to] of respChanges) if (at <= i) v = to
            return encode(r, v)
          }),
        )
        let got: EncodedBatch | undefined
        from([{ replies, resp, respChanges, close: false } satisfies ReplyBatch])
          .pipe(encodeReplies())
          .subscribe((b) => (got = b))
        expect(Buffer.concat(got!.pieces).equals(expected)).to.equal(true)
        expect(got!.bytes).to.equal(expected.length)
      }),
      { numRuns: 300 },
    )
  })

  it('the whole chain: chunks in, reply bytes out, HELLO switching mid-read, QUIT closing', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const runner = new FakeRunner()
      const chunks = cold('-a-b-c-|', {
        a: Buffer.from('PING\r\nHELLO 3\r\nPI'),
        b: Buffer.from('NG\r\nHELLO 2\r\nQUIT\r\nPING\r\n'),
        c: Buffer.from('PING\r\n'),
      })
      const hello = (proto: 2 | 3): string =>
        proto === 3
          ? '%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n'
          : '*4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:2\r\n'
      const replies = chunks.pipe(decodeFrames(), executeCommands(runner), encodeReplies(), map(asText))
      expectObservable(replies).toBe('-a-b-c-|', {
        a: { text: '+PONG\r\n' + hello(3), close: false },
        b: { text: '+PONG\r\n' + hello(2) + '+OK\r\n', close: true },
        c: { text: '', close: true },
      })
    })
  })
})
