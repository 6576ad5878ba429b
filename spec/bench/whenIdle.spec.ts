import { expect } from 'chai'
import { asyncScheduler } from 'rxjs'
import type { Pending } from '../../src/bench/pipe.js'
import { whenIdle } from '../../src/bench/whenIdle.js'
import { FakePipe } from './support/fakePipe.js'

// Real (short) timers: whenIdle is a promise, and the point is what has happened when it resolves.
describe('whenIdle', () => {
  const counting = (): Pending & { settled: number } => ({ settled: 0, settle() { this.settled++ } })

  it('resolves at once when nothing is in flight', async () => {
    await whenIdle([new FakePipe(asyncScheduler, 1)])
  })

  it('resolves only once every request in flight on every pipe is answered', async () => {
    const pipes = [new FakePipe(asyncScheduler, 2), new FakePipe(asyncScheduler, 5)]
    const answered = counting()
    for (const pipe of pipes) for (let i = 0; i < 3; i++) pipe.send('PING', answered)
    await whenIdle(pipes)
    expect(answered.settled).to.equal(6)
    expect(pipes.map((p) => p.inFlight)).to.deep.equal([0, 0])
  })

  it('counts a closed pipe as idle', async () => {
    const slow = new FakePipe(asyncScheduler, 200)
    const answered = counting()
    slow.send('PING', answered)
    setTimeout(() => slow.fail(), 5)
    await whenIdle([slow])
    expect(answered.settled).to.equal(1)
  })
})
