import { expect } from 'chai'
import fc from 'fast-check'
import { from, tap } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { decodeFrames } from '../../src/pipeline/decodeFrames.js'
import type { RequestBatch } from '../../src/pipeline/batches.js'
import { DEFAULT_LIMITS, RequestDecoder } from '../../src/protocol/request-decoder.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected)
  })
const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const argv = (...args: string[]): Buffer[] => args.map(b)
const mb = (...args: string[]): string => `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')

describe('decodeFrames', () => {
  it('emits one batch per chunk that completes a command, none for a chunk that completes nothing', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const chunks = cold('-a-b-c-d-|', {
        a: b('*1\r\n$4\r\nPI'),
        b: b('NG\r\nGET k\r\n*2\r\n$3'),
        c: b('\r\nGET'),
        d: b('\r\n$1\r\nk\r\n'),
      })
      expectObservable(chunks.pipe(decodeFrames())).toBe('---b---d-|', {
        b: { commands: [argv('PING'), argv('GET', 'k')] },
        d: { commands: [argv('GET', 'k')] },
      })
      expectSubscriptions(chunks.subscriptions).toBe('^--------!')
    })
  })

  it('emits the protocol error batch, with the commands before it, then nothing more', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const chunks = cold('-a-b-c-|', {
        a: b('PING\r\n*1'),
        b: b('\r\n$4\r\nPING\r\n*1\r\n$x\r\nPING\r\n'),
        c: b('PING\r\n'),
      })
      expectObservable(chunks.pipe(decodeFrames())).toBe('-a-b---|', {
        a: { commands: [argv('PING')] },
        b: { commands: [argv('PING')], protocolError: 'Protocol error: invalid bulk length' },
      })
    })
  })

  it('emits an error batch with no commands when the chunk completes none', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const chunks = cold('-a-b-|', { a: b('ECHO "unbalanced\r\n'), b: b('PING\r\n') })
      expectObservable(chunks.pipe(decodeFrames())).toBe('-a---|', {
        a: { commands: [], protocolError: 'Protocol error: unbalanced quotes in request' },
      })
    })
  })

  it('passes a source error through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const chunks = cold('-a-#', { a: b('PING\r\n') }, new Error('ECONNRESET'))
      expectObservable(chunks.pipe(decodeFrames())).toBe('-a-#', { a: { commands: [argv('PING')] } }, new Error('ECONNRESET'))
    })
  })

  it('applies the limits it is given', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const chunks = cold('-a-|', { a: b(mb('ECHO', 'abcde')) })
      expectObservable(chunks.pipe(decodeFrames({ ...DEFAULT_LIMITS, maxBulkLength: 4 }))).toBe('-a-|', {
        a: { commands: [], protocolError: 'Protocol error: invalid bulk length' },
      })
    })
  })

  it('gives each subscription its own decoder', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const chunks = cold('-a-b-|', { a: b('PI'), b: b('NG\r\n') })
      const decoded = chunks.pipe(decodeFrames())
      expectObservable(decoded).toBe('---b-|', { b: { commands: [argv('PING')] } })
      expectObservable(decoded).toBe('---b-|', { b: { commands: [argv('PING')] } })
    })
  })

  describe('with an unauthenticated decoder', () => {
    const authenticating = (decoder: RequestDecoder) => (batch: RequestBatch) => {
      // Stands in for the connection: a good AUTH lifts the limits before the next command.
      for (const cmd of batch.commands) if (cmd.map(String).join(' ') === 'AUTH good') decoder.unauthenticated = false
    }

    it('emits each command of a read as its own batch until AUTH lifts the limits', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const decoder = new RequestDecoder()
        decoder.unauthenticated = true
        const big = 'x'.repeat(20_000)
        const chunks = cold('-a 10ms |', { a: b('PING\r\nAUTH good\r\n' + mb('SET', 'k', big) + 'PING\r\n') })
        expectObservable(chunks.pipe(decodeFrames(decoder), tap(authenticating(decoder)))).toBe('-(xyz) 6ms |', {
          x: { commands: [argv('PING')] },
          y: { commands: [argv('AUTH', 'good')] },
          z: { commands: [argv('SET', 'k', big), argv('PING')] },
        })
      })
    })

    it('still fails a command beyond the limits when AUTH does not lift them', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const decoder = new RequestDecoder()
        decoder.unauthenticated = true
        const chunks = cold('-a 10ms |', { a: b('AUTH bad\r\n' + mb('SET', 'k', 'x'.repeat(20_000)) + 'PING\r\n') })
        expectObservable(chunks.pipe(decodeFrames(decoder), tap(authenticating(decoder)))).toBe('-(xy) 7ms |', {
          x: { commands: [argv('AUTH', 'bad')] },
          y: { commands: [], protocolError: 'Protocol error: unauthenticated bulk length' },
        })
      })
    })
  })

  it('property: batches follow the chunks that complete commands, at any chunking', () => {
    const word = fc.stringMatching(/^[a-z]{1,8}$/)
    const command = fc.array(word, { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 25 }), (commands, cuts) => {
        const wire = b(commands.map((c) => mb(...c)).join(''))
        const ends: number[] = []
        let offset = 0
        for (const c of commands) ends.push((offset += b(mb(...c)).length))
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y)
        const bounds = [0, ...points, wire.length]
        const chunks = bounds.slice(1).map((end, i) => wire.subarray(bounds[i], end))

        // [chunk index, commands]: one batch for each chunk that carries the last byte of a command.
        const expected: [number, string[][]][] = []
        chunks.forEach((_, i) => {
          const completed = commands.filter((__, j) => ends[j]! > bounds[i]! && ends[j]! <= bounds[i + 1]!)
          if (completed.length > 0) expected.push([i, completed])
        })
        const seen: [number, string[][]][] = []
        let current = -1
        from(chunks)
          .pipe(
            tap(() => current++),
            decodeFrames(),
          )
          .subscribe((batch) => {
            expect(batch.protocolError).to.equal(undefined)
            seen.push([current, batch.commands.map((c) => c.map(String))])
          })
        expect(seen).to.deep.equal(expected)
      }),
      { numRuns: 300 },
    )
  })
})
