import { expect } from 'chai'
import fc from 'fast-check'
import { from } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { executeCommands } from '../../src/pipeline/executeCommands.js'
import type { ReplyBatch, RequestBatch } from '../../src/pipeline/batches.js'
import { OK, PONG, bulk, error, integer, record } from '../../src/protocol/reply.js'
import { FakeRunner, argv } from './runner.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected)
  })
const batch = (...lines: string[]): RequestBatch => ({ commands: lines.map(argv) })
const hello = (proto: 2 | 3) => record({ server: bulk('redis'), proto: integer(proto) })

describe('executeCommands', () => {
  it('answers each batch with one reply batch, in request order', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const runner = new FakeRunner()
      const requests = cold('-a--b-|', { a: batch('PING', 'ECHO x', 'PING'), b: batch('ECHO y') })
      expectObservable(requests.pipe(executeCommands(runner))).toBe('-a--b-|', {
        a: { replies: [PONG, bulk(Buffer.from('x')), PONG], resp: 2, close: false },
        b: { replies: [bulk(Buffer.from('y'))], resp: 2, close: false },
      })
    })
  })

  it('stops after the command that asks to close, and runs nothing in later batches', () => {
    const runner = new FakeRunner()
    testScheduler().run(({ cold, expectObservable }) => {
      const requests = cold('-a-b-|', { a: batch('PING', 'QUIT', 'ECHO never'), b: batch('ECHO never') })
      expectObservable(requests.pipe(executeCommands(runner))).toBe('-a-b-|', {
        a: { replies: [PONG, OK], resp: 2, close: true },
        b: { replies: [], resp: 2, close: true },
      })
    })
    expect(runner.calls).to.deep.equal(['PING', 'QUIT'])
  })

  it('appends ERR <protocol error> after the commands before it, and closes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const requests = cold('-a-|', {
        a: { commands: [argv('PING')], protocolError: 'Protocol error: invalid bulk length' },
      })
      expectObservable(requests.pipe(executeCommands(new FakeRunner()))).toBe('-a-|', {
        a: { replies: [PONG, error('ERR Protocol error: invalid bulk length')], resp: 2, close: true },
      })
    })
  })

  it('does not answer a protocol error that follows QUIT', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const requests = cold('-a-|', { a: { commands: [argv('QUIT')], protocolError: 'Protocol error: invalid bulk length' } })
      expectObservable(requests.pipe(executeCommands(new FakeRunner()))).toBe('-a-|', {
        a: { replies: [OK], resp: 2, close: true },
      })
    })
  })

  it('records where a command switched the protocol; the switching reply is in the new one', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const requests = cold('-a-b-c-|', {
        a: batch('PING', 'HELLO 3', 'PING', 'HELLO 2', 'PING'),
        b: batch('HELLO 3', 'HELLO 3', 'PING'),
        c: batch('PING'),
      })
      expectObservable(requests.pipe(executeCommands(new FakeRunner()))).toBe('-a-b-c-|', {
        a: {
          replies: [PONG, hello(3), PONG, hello(2), PONG],
          resp: 2,
          respChanges: [
            [1, 3],
            [3, 2],
          ],
          close: false,
        },
        // HELLO 3 when already on RESP3 changes nothing.
        b: { replies: [hello(3), hello(3), PONG], resp: 2, respChanges: [[0, 3]], close: false },
        c: { replies: [PONG], resp: 3, close: false },
      })
    })
  })

  it('property: replies match commands one to one until the first close', () => {
    const line = fc.constantFrom('PING', 'ECHO a', 'HELLO 2', 'HELLO 3', 'QUIT', 'NOPE')
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 6 }), { maxLength: 6 }), (batches) => {
        const runner = new FakeRunner()
        const out: ReplyBatch[] = []
        from(batches.map((lines) => batch(...lines)))
          .pipe(executeCommands(runner))
          .subscribe((b) => out.push(b))
        expect(out).to.have.length(batches.length)
        const all = batches.flat()
        const quit = all.indexOf('QUIT')
        const ran = quit === -1 ? all : all.slice(0, quit + 1)
        expect(runner.calls).to.deep.equal(ran)
        expect(out.flatMap((b) => b.replies)).to.have.length(ran.length)
        // Once closed, every later batch is closed and empty.
        let closed = false
        for (const b of out) {
          if (closed) expect(b).to.deep.include({ replies: [], close: true })
          closed ||= b.close
        }
        expect(closed).to.equal(quit !== -1)
      }),
      { numRuns: 300 },
    )
  })
})
