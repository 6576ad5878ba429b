import { expect } from 'chai'
import { asyncScheduler, mergeAll, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import type { Completion } from '../../src/bench/completion.js'
import { openLoop } from '../../src/bench/openLoop.js'
import type { BenchRequest } from '../../src/bench/workload.js'
import { FakePipe } from './support/fakePipe.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
  expect(actual).to.deep.equal(expected)
})
const request: BenchRequest = { op: 'set', frame: '*1\r\n$4\r\nPING\r\n' }

/** Runs an open loop in virtual time and returns its completions. */
const run = (pipes: (s: typeof asyncScheduler) => FakePipe[], options: { rate: number; maxInFlight: number; requests: number }): Completion[] => {
  let out: Completion[] = []
  testScheduler().run(({ flush }) => {
    openLoop(pipes(asyncScheduler), () => request, { ...options, scheduler: asyncScheduler })
      .pipe(mergeAll(), toArray())
      .subscribe((all) => (out = all))
    flush()
  })
  return out
}
const latencyMs = (c: Completion): number => c.latencyMs

describe('openLoop', () => {
  it('sends at the fixed rate whatever the server does: a fast server sees one request per interval', () => {
    const done = run((s) => [new FakePipe(s, 1)], { rate: 100, maxInFlight: 1, requests: 5 })
    expect(done.map((c) => c.intendedAt)).to.deep.equal([0, 10, 20, 30, 40])
    expect(done.map((c) => c.sentAt)).to.deep.equal([0, 10, 20, 30, 40])
    expect(done.map(latencyMs)).to.deep.equal([1, 1, 1, 1, 1])
  })

  it('charges waiting for a connection to the request (coordinated-omission correction)', () => {
    // The server needs 15 ms per request but one arrives every 10 ms, one connection, no
    // pipelining: request i waits 5 ms more than request i-1 before it can even be sent.
    const done = run((s) => [new FakePipe(s, 15)], { rate: 100, maxInFlight: 1, requests: 5 })
    expect(done.map((c) => c.intendedAt)).to.deep.equal([0, 10, 20, 30, 40])
    expect(done.map((c) => c.sentAt)).to.deep.equal([0, 15, 30, 45, 60])
    expect(done.map((c) => c.doneAt)).to.deep.equal([15, 30, 45, 60, 75])
    // Measured from the intended time the latency grows: 15, 20, 25, 30, 35. A closed loop (or
    // a harness that measured from the send) would report 15 for all of them.
    expect(done.map(latencyMs)).to.deep.equal([15, 20, 25, 30, 35])
  })

  it('a stall shows in the latency of every request scheduled during it', () => {
    // One 100 ms hiccup on the third request, 2 ms otherwise.
    let n = 0
    const done = run((s) => [new FakePipe(s, () => (++n === 3 ? 100 : 2))], { rate: 100, maxInFlight: 1, requests: 12 })
    const latencies = done.map(latencyMs)
    // Requests 4..12 were due during the stall and waited for it: 100 ms down in 10 ms steps.
    expect(latencies.slice(0, 3)).to.deep.equal([2, 2, 100])
    expect(latencies.slice(3, 6)).to.deep.equal([92, 84, 76])
    expect(Math.max(...latencies)).to.equal(100)
  })

  it('recycling completions changes nothing a subscriber sees during next', () => {
    const seen = (recycle: boolean): { views: string[]; objects: number } => {
      const views: string[] = []
      const objects = new Set<Completion>()
      testScheduler().run(({ flush }) => {
        let n = 0
        const pipes = [new FakePipe(asyncScheduler, () => (n++ % 4) * 7), new FakePipe(asyncScheduler, 3)]
        openLoop(pipes, () => request, { rate: 200, maxInFlight: 2, requests: 40, scheduler: asyncScheduler, recycle }).subscribe((group) => {
          for (const c of group) {
            objects.add(c)
            views.push(`${c.pipe} ${c.intendedAt} ${c.sentAt} ${c.doneAt} ${c.latencyMs}`)
          }
        })
        flush()
      })
      return { views, objects: objects.size }
    }
    const fresh = seen(false)
    const recycled = seen(true)
    expect(recycled.views).to.deep.equal(fresh.views)
    expect(fresh.objects).to.equal(40)
    expect(recycled.objects).to.be.below(40)
  })

  it('spreads requests round-robin over pipes with room, up to maxInFlight each', () => {
    const pipes: FakePipe[] = []
    run(
      (s) => {
        pipes.push(new FakePipe(s, 50), new FakePipe(s, 50))
        return pipes
      },
      { rate: 1000, maxInFlight: 2, requests: 8 },
    )
    expect(pipes.map((p) => p.frames.length)).to.deep.equal([4, 4])
  })

  it('completes when every pipe has closed, with the pending requests as CONNECTION errors', () => {
    let out: Completion[] = []
    testScheduler().run(({ flush }) => {
      const pipe = new FakePipe(asyncScheduler, 50)
      openLoop([pipe], () => request, { rate: 100, maxInFlight: 4, scheduler: asyncScheduler })
        .pipe(mergeAll(), toArray())
        .subscribe((all) => (out = all))
      asyncScheduler.schedule(() => pipe.fail(), 25)
      flush()
    })
    expect(out.map((c) => c.reply)).to.deep.equal([
      { kind: 'error', value: 'CONNECTION reset' },
      { kind: 'error', value: 'CONNECTION reset' },
      { kind: 'error', value: 'CONNECTION reset' },
    ])
  })
})
