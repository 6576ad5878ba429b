import { expect } from 'chai'
import fc from 'fast-check'
import { Subject, from } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { executeCommands } from '../../src/pipeline/executeCommands.js'
import type { ReplyBatch, RequestBatch } from '../../src/pipeline/batches.js'
import { OK, PONG, bulk, error, integer, record, transientBulk, type BulkReply } from '../../src/protocol/reply.js'
import { FakeRunner, argv } from './runner.js'
import { POISON, READ_BUFFER } from '../../src/protocol/read-buffer.js'

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

  it('tells the runner about each batch of several commands before the first of them runs', () => {
    const runner = new WarmingRunner()
    const input = new Subject<RequestBatch>()
    input.pipe(executeCommands(runner)).subscribe()
    input.next(batch('PING', 'ECHO a'))
    input.next(batch('ECHO b'))
    input.next(batch('ECHO c', 'ECHO d', 'PING'))
    // One-command batches gain nothing from a look ahead: they are not announced.
    expect(runner.events).to.deep.equal(['warm PING|ECHO a', 'PING', 'ECHO a', 'ECHO b', 'warm ECHO c|ECHO d|PING', 'ECHO c', 'ECHO d', 'PING'])
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

/** A runner that logs warm() and run() calls in the order they come. */
class WarmingRunner extends FakeRunner {
  readonly events: string[] = []
  override run(argv: Buffer[]) {
    this.events.push(argv.map((a) => a.toString('latin1')).join(' '))
    return super.run(argv)
  }
  warm(commands: readonly Buffer[][]): void {
    this.events.push(`warm ${commands.map((c) => c.map((a) => a.toString('latin1')).join(' ')).join('|')}`)
  }
}

/** A runner whose SLOW and FAIL commands must be staged first, resolved by the spec. */
class StagingRunner extends FakeRunner {
  readonly pending: { argv: string; settle: (failure?: Error) => void }[] = []
  override run(argv: Buffer[]) {
    const name = argv[0]!.toString('latin1').toUpperCase()
    if (name === 'SLOW') {
      this.calls.push(`SLOW ${argv[1]!.toString('latin1')}`)
      return bulk(argv[1]!)
    }
    return super.run(argv)
  }
  stage(argv: Buffer[]): Promise<void> | undefined {
    const name = argv[0]!.toString('latin1').toUpperCase()
    if (name !== 'SLOW' && name !== 'FAIL') return undefined
    return new Promise((resolve, reject) => {
      this.pending.push({
        argv: argv.map((a) => a.toString('latin1')).join(' '),
        settle: (failure) => (failure === undefined ? resolve() : reject(failure)),
      })
    })
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('executeCommands with staging', () => {
  it('pauses at a command that must be staged, and keeps later batches behind it', async () => {
    const runner = new StagingRunner()
    const out: ReplyBatch[] = []
    const input = new Subject<RequestBatch>()
    let completed = false
    input.pipe(executeCommands(runner)).subscribe({ next: (b) => out.push(b), complete: () => (completed = true) })
    input.next(batch('PING', 'SLOW 1', 'ECHO a'))
    input.next(batch('ECHO b'))
    input.complete()
    expect(runner.calls).to.deep.equal(['PING'])
    expect(out).to.deep.equal([])
    expect(completed).to.equal(false)
    runner.pending.shift()!.settle()
    await tick()
    expect(runner.calls).to.deep.equal(['PING', 'SLOW 1', 'ECHO a', 'ECHO b'])
    expect(out.map((b) => b.replies)).to.deep.equal([
      [PONG, bulk(Buffer.from('1')), bulk(Buffer.from('a'))],
      [bulk(Buffer.from('b'))],
    ])
    expect(completed).to.equal(true)
  })

  it('copies the transient values among the replies before a pause, since storage may reuse their bytes meanwhile', async () => {
    const scratch = Buffer.from('before')
    class ViewRunner extends StagingRunner {
      override run(argv: Buffer[]) {
        if (argv[0]!.toString('latin1') === 'VIEW') return transientBulk(scratch)
        return super.run(argv)
      }
    }
    const runner = new ViewRunner()
    const out: ReplyBatch[] = []
    const input = new Subject<RequestBatch>()
    input.pipe(executeCommands(runner)).subscribe((b) => out.push(b))
    input.next(batch('VIEW', 'SLOW 1', 'VIEW'))
    scratch.write('during')
    runner.pending.shift()!.settle()
    await tick()
    const [first, , last] = out[0]!.replies as BulkReply[]
    expect(first!.value.toString()).to.equal('before')
    expect(first!.transient).to.equal(undefined)
    // Run after the pause, in the pass that emits the batch: left as it is.
    expect(last!.value).to.equal(scratch)
  })

  it('keeps copies of the arguments of a paused batch and of those queued behind it, once the read buffer is overwritten', async () => {
    // As the server reads: every argument is a view of the one buffer all sockets read into.
    let at = 0
    const inReadBuffer = (...lines: string[]): RequestBatch => ({
      commands: lines.map((line) =>
        line.split(' ').map((word) => {
          const n = READ_BUFFER.write(word, at, 'latin1')
          at += n
          return READ_BUFFER.subarray(at - n, at)
        }),
      ),
    })
    const runner = new StagingRunner()
    const out: ReplyBatch[] = []
    const input = new Subject<RequestBatch>()
    input.pipe(executeCommands(runner)).subscribe((b) => out.push(b))
    input.next(inReadBuffer('ECHO before', 'SLOW 1', 'ECHO after'))
    input.next(inReadBuffer('ECHO queued'))
    READ_BUFFER.fill(POISON, 0, at)
    expect(runner.pending.map((p) => p.argv)).to.deep.equal(['SLOW 1'])
    runner.pending.shift()!.settle()
    await tick()
    expect(runner.calls).to.deep.equal(['ECHO before', 'SLOW 1', 'ECHO after', 'ECHO queued'])
    expect(out.map((b) => b.replies.map((r) => (r as BulkReply).value.toString()))).to.deep.equal([
      ['before', '1', 'after'],
      ['queued'],
    ])
  })

  it('answers a command whose staging failed with an error, and goes on', async () => {
    const runner = new StagingRunner()
    const out: ReplyBatch[] = []
    const input = new Subject<RequestBatch>()
    input.pipe(executeCommands(runner)).subscribe((b) => out.push(b))
    input.next(batch('FAIL k', 'PING'))
    runner.pending.shift()!.settle(new Error('I/O error reading segment 7'))
    await tick()
    expect(out.map((b) => b.replies)).to.deep.equal([[error('ERR I/O error reading segment 7'), PONG]])
  })

  it('property: any mix of staged and ready commands gives the replies of running them in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom('PING', 'SLOW x', 'SLOW y', 'ECHO z'), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (batches) => {
          const runner = new StagingRunner()
          const out: ReplyBatch[] = []
          const input = new Subject<RequestBatch>()
          input.pipe(executeCommands(runner)).subscribe((b) => out.push(b))
          for (const lines of batches) input.next(batch(...lines))
          for (let guard = 0; guard < 100 && runner.pending.length > 0; guard++) {
            runner.pending.shift()!.settle()
            await tick()
          }
          const expected = batches.map((lines) => lines.map((l) => (l === 'PING' ? PONG : bulk(Buffer.from(l.split(' ')[1]!)))))
          expect(out.map((b) => b.replies)).to.deep.equal(expected)
          expect(runner.calls).to.deep.equal(batches.flat())
        },
      ),
      { numRuns: 50 },
    )
  })
})
