import { expect } from 'chai'
import { asyncScheduler, take, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { closedLoop } from '../../src/bench/closedLoop.js'
import { latencyMs, type Completion } from '../../src/bench/completion.js'
import type { BenchRequest } from '../../src/bench/workload.js'
import { FakePipe } from './support/fakePipe.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
  expect(actual).to.deep.equal(expected)
})

let counter = 0
const numbered = (): BenchRequest => ({ op: 'get', frame: `r${counter++}` })

const run = (
  makePipes: () => FakePipe[],
  options: { pipeline: number; requests?: number; refill?: 'batch' | 'window' },
  limit?: number,
): { done: Completion[]; pipes: FakePipe[] } => {
  let done: Completion[] = []
  let pipes: FakePipe[] = []
  counter = 0
  testScheduler().run(({ flush }) => {
    pipes = makePipes()
    const loop = closedLoop(pipes, numbered, { ...options, clock: () => asyncScheduler.now() })
    ;(limit === undefined ? loop : loop.pipe(take(limit))).pipe(toArray()).subscribe((all) => (done = all))
    flush()
  })
  return { done, pipes }
}

describe('closedLoop', () => {
  it('sends exactly `requests` requests and completes when all are answered', () => {
    const { done, pipes } = run(() => [new FakePipe(asyncScheduler, 1), new FakePipe(asyncScheduler, 1)], { pipeline: 3, requests: 10 })
    expect(done).to.have.length(10)
    expect(pipes.reduce((a, p) => a + p.frames.length, 0)).to.equal(10)
  })

  it('batch refill (redis-benchmark): the next `pipeline` requests leave together once the batch is answered', () => {
    const { done } = run(() => [new FakePipe(asyncScheduler, 2)], { pipeline: 3, requests: 6 })
    expect(done.map((c) => c.sentAt)).to.deep.equal([0, 0, 0, 6, 6, 6])
    expect(done.map(latencyMs)).to.deep.equal([2, 4, 6, 2, 4, 6])
  })

  it('window refill (memtier): each reply lets one request go, keeping `pipeline` in flight', () => {
    const { done } = run(() => [new FakePipe(asyncScheduler, 2)], { pipeline: 3, requests: 6, refill: 'window' })
    expect(done.map((c) => c.sentAt)).to.deep.equal([0, 0, 0, 2, 4, 6])
    expect(done.map((c) => c.doneAt)).to.deep.equal([2, 4, 6, 8, 10, 12])
  })

  it('measures latency from the send: a slow server lowers the load instead of growing the latency', () => {
    const { done } = run(() => [new FakePipe(asyncScheduler, 15)], { pipeline: 1, requests: 5 })
    expect(done.map(latencyMs)).to.deep.equal([15, 15, 15, 15, 15])
  })

  it('stops sending when unsubscribed', () => {
    const { pipes } = run(() => [new FakePipe(asyncScheduler, 1)], { pipeline: 2 }, 5)
    // The five taken, plus the ones already in flight when take() unsubscribed.
    expect(pipes[0]!.frames.length).to.be.within(5, 7)
  })

  it('completes when every pipe has failed, reporting the pending requests as errors', () => {
    let done: Completion[] = []
    testScheduler().run(({ flush }) => {
      const pipe = new FakePipe(asyncScheduler, 10)
      closedLoop([pipe], numbered, { pipeline: 4, clock: () => asyncScheduler.now() }).pipe(toArray()).subscribe((all) => (done = all))
      asyncScheduler.schedule(() => pipe.fail(), 25)
      flush()
    })
    // Four sent at 0, answered at 10, 20, 30, 40; the failure at 25 takes the last two.
    expect(done.map((c) => c.reply.kind)).to.deep.equal(['simple', 'simple', 'error', 'error'])
  })
})
