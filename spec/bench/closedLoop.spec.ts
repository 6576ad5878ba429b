import { expect } from 'chai'
import { asyncScheduler, mergeAll, take, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { closedLoop } from '../../src/bench/closedLoop.js'
import type { Completion } from '../../src/bench/completion.js'
import type { BenchRequest } from '../../src/bench/workload.js'
import { FakePipe } from './support/fakePipe.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
  expect(actual).to.deep.equal(expected)
})

let counter = 0
const numbered = (): BenchRequest => ({ op: 'get', frame: `r${counter++}` })

const run = (
  makePipes: () => FakePipe[],
  options: { pipeline: number; requests?: number; refill?: 'batch' | 'window'; latency?: 'batch' | 'request' },
  limit?: number,
): { done: Completion[]; groups: Completion[][]; pipes: FakePipe[] } => {
  let groups: Completion[][] = []
  let pipes: FakePipe[] = []
  counter = 0
  testScheduler().run(({ flush }) => {
    pipes = makePipes()
    const loop = closedLoop(pipes, numbered, options)
    ;(limit === undefined ? loop : loop.pipe(take(limit))).pipe(toArray()).subscribe((all) => (groups = all))
    flush()
  })
  return { done: groups.flat(), groups, pipes }
}
const latencies = (done: Completion[]): number[] => done.map((c) => c.latencyMs)

describe('closedLoop', () => {
  it('sends exactly `requests` requests and completes when all are answered', () => {
    const { done, pipes } = run(() => [new FakePipe(asyncScheduler, 1), new FakePipe(asyncScheduler, 1)], { pipeline: 3, requests: 10 })
    expect(done).to.have.length(10)
    expect(pipes.reduce((a, p) => a + p.frames.length, 0)).to.equal(10)
  })

  it('batch refill (redis-benchmark): the next `pipeline` requests leave in one write once the batch is answered', () => {
    const { done, pipes } = run(() => [new FakePipe(asyncScheduler, 2)], { pipeline: 3, requests: 6 })
    expect(pipes[0]!.writeSizes).to.deep.equal([3, 3])
    expect(done.map((c) => c.sentAt)).to.deep.equal([0, 0, 0, 6, 6, 6])
    expect(done.map((c) => c.doneAt)).to.deep.equal([2, 4, 6, 8, 10, 12])
  })

  it("batch latency (redis-benchmark's): each request of a write is charged from the write to the first read that answers it", () => {
    // Replies to a write of three come in three reads, 2 ms apart.
    const { done } = run(() => [new FakePipe(asyncScheduler, 2)], { pipeline: 3, requests: 6 })
    expect(done.map((c) => c.firstReplyAt)).to.deep.equal([2, 2, 2, 8, 8, 8])
    expect(latencies(done)).to.deep.equal([2, 2, 2, 2, 2, 2])
    expect(done.map((c) => c.intendedAt)).to.deep.equal(done.map((c) => c.sentAt))
  })

  it('request latency: each request is charged up to the read that completed its own reply', () => {
    const { done } = run(() => [new FakePipe(asyncScheduler, 2)], { pipeline: 3, requests: 6, latency: 'request' })
    expect(latencies(done)).to.deep.equal([2, 4, 6, 2, 4, 6])
  })

  it('the two definitions agree at pipeline 1', () => {
    const batch = run(() => [new FakePipe(asyncScheduler, 3)], { pipeline: 1, requests: 4 }).done
    const request = run(() => [new FakePipe(asyncScheduler, 3)], { pipeline: 1, requests: 4, latency: 'request' }).done
    expect(latencies(batch)).to.deep.equal([3, 3, 3, 3])
    expect(latencies(request)).to.deep.equal(latencies(batch))
  })

  it('emits the completions of one read together, as one array, in reply order', () => {
    // The first reply takes 1 ms, the rest of the write comes with it: one read of four replies.
    let n = 0
    const { groups } = run(() => [new FakePipe(asyncScheduler, () => (n++ % 4 === 0 ? 1 : 0))], { pipeline: 4, requests: 8 })
    expect(groups.map((g) => g.map((c) => c.doneAt))).to.deep.equal([
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ])
  })

  it('window refill (memtier): each reply lets one request go, keeping `pipeline` in flight', () => {
    const { done } = run(() => [new FakePipe(asyncScheduler, 2)], { pipeline: 3, requests: 6, refill: 'window' })
    expect(done.map((c) => c.sentAt)).to.deep.equal([0, 0, 0, 2, 4, 6])
    expect(done.map((c) => c.doneAt)).to.deep.equal([2, 4, 6, 8, 10, 12])
  })

  it('recycling completions changes nothing a subscriber sees during next, and reuses the objects', () => {
    const seen = (recycle: boolean): { views: string[]; objects: Set<Completion> } => {
      const views: string[] = []
      const objects = new Set<Completion>()
      counter = 0
      testScheduler().run(({ flush }) => {
        let n = 0
        const pipes = [new FakePipe(asyncScheduler, () => (n++ % 3) + 1), new FakePipe(asyncScheduler, 2)]
        closedLoop(pipes, numbered, { pipeline: 4, requests: 60, recycle }).subscribe((group) => {
          for (const c of group) {
            objects.add(c)
            views.push(`${c.pipe} ${c.op} ${c.sentAt} ${c.firstReplyAt} ${c.doneAt} ${c.latencyMs} ${c.reply.kind}`)
          }
        })
        flush()
      })
      return { views, objects }
    }
    const fresh = seen(false)
    const recycled = seen(true)
    expect(recycled.views).to.deep.equal(fresh.views)
    expect(fresh.objects.size).to.equal(60)
    // In flight at once: at most 4 per pipe, plus a group being emitted.
    expect(recycled.objects.size).to.be.at.most(16)
  })

  it('measures latency from the send: a slow server lowers the load instead of growing the latency', () => {
    const { done } = run(() => [new FakePipe(asyncScheduler, 15)], { pipeline: 1, requests: 5 })
    expect(latencies(done)).to.deep.equal([15, 15, 15, 15, 15])
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
      closedLoop([pipe], numbered, { pipeline: 4 }).pipe(mergeAll(), toArray()).subscribe((all) => (done = all))
      asyncScheduler.schedule(() => pipe.fail(), 25)
      flush()
    })
    // Four sent at 0, answered at 10, 20, 30, 40; the failure at 25 takes the last two.
    expect(done.map((c) => c.reply.kind)).to.deep.equal(['simple', 'simple', 'error', 'error'])
  })
})
