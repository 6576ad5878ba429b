import { expect } from 'chai'
import { stat } from 'node:fs'
import {
  delay,
  firstValueFrom,
  interval,
  lastValueFrom,
  observeOn,
  of,
  Subject,
  take,
  timer,
  toArray,
  type SchedulerAction,
} from 'rxjs'
import { immediateScheduler } from '../../src/pipeline/immediateScheduler.js'

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
/** Resolves inside an I/O callback, in the poll phase of the event loop. */
const inIoCallback = (body: () => void): Promise<void> =>
  new Promise((resolve, reject) =>
    stat('.', (error) => {
      if (error) return reject(error)
      body()
      resolve()
    }),
  )

describe('immediateScheduler', () => {
  it('runs delay-0 work after the current task and its microtasks, with its state and itself as `this`', async () => {
    const seen: string[] = []
    let self: unknown
    const action = immediateScheduler.schedule(
      function (this: SchedulerAction<string>, state) {
        self = this
        seen.push(`work ${state}`)
      },
      0,
      'x',
    )
    queueMicrotask(() => seen.push('microtask'))
    seen.push('sync')
    await nextTurn()
    expect(seen).to.deep.equal(['sync', 'microtask', 'work x'])
    expect(self).to.equal(action)
  })

  it('runs delay-0 work in the check phase: scheduled from an I/O callback, before an earlier zero timeout', async () => {
    const seen: string[] = []
    await inIoCallback(() => {
      setTimeout(() => seen.push('timeout 0'), 0)
      immediateScheduler.schedule(() => seen.push('work'), 0)
    })
    await sleep(5)
    expect(seen).to.deep.equal(['work', 'timeout 0'])
  })

  it('runs work with a positive delay on a timer, after the next check phase and after shorter timers', async () => {
    const seen: string[] = []
    immediateScheduler.schedule(() => seen.push('work 15'), 15)
    setTimeout(() => seen.push('timeout 1'), 1)
    setImmediate(() => seen.push('immediate'))
    await sleep(40)
    expect(seen).to.have.members(['immediate', 'timeout 1', 'work 15'])
    expect(seen[2]).to.equal('work 15')
  })

  it('lets work reschedule itself through `this`, with a new state and delay each time', async () => {
    const states: number[] = []
    await new Promise<void>((resolve) =>
      immediateScheduler.schedule(
        function (this: SchedulerAction<number>, n = 0) {
          states.push(n)
          if (n < 3) this.schedule(n + 1, n % 2 === 0 ? 0 : 2)
          else resolve()
        },
        0,
        0,
      ),
    )
    expect(states).to.deep.equal([0, 1, 2, 3])
  })

  it('replaces a pending run when the action is scheduled again before it runs', async () => {
    const states: string[] = []
    const action = immediateScheduler.schedule((state?: string) => states.push(state!), 5, 'first') as SchedulerAction<string>
    action.schedule('second', 0)
    await sleep(20)
    expect(states).to.deep.equal(['second'])
  })

  it('cancels pending work when unsubscribed, whatever its delay, and refuses to reschedule after', async () => {
    let runs = 0
    immediateScheduler.schedule(() => runs++, 0).unsubscribe()
    immediateScheduler.schedule(() => runs++, 2).unsubscribe()
    const repeating = immediateScheduler.schedule(
      function (this: SchedulerAction<undefined>) {
        runs++
        this.schedule(undefined, 0)
      },
      0,
    ) as SchedulerAction<undefined>
    await nextTurn()
    repeating.unsubscribe()
    repeating.schedule(undefined, 0)
    await sleep(20)
    expect(runs).to.equal(1)
  })

  it('tells the wall-clock time', () => {
    const before = Date.now()
    const now = immediateScheduler.now()
    expect(now).to.be.within(before, Date.now())
  })

  describe('drives rxjs operators', () => {
    it('timer and interval', async () => {
      expect(await firstValueFrom(timer(2, immediateScheduler))).to.equal(0)
      expect(await lastValueFrom(interval(1, immediateScheduler).pipe(take(3), toArray()))).to.deep.equal([0, 1, 2])
      expect(await lastValueFrom(timer(0, 1, immediateScheduler).pipe(take(3), toArray()))).to.deep.equal([0, 1, 2])
    })

    it('delay', async () => {
      expect(await lastValueFrom(of(1, 2, 3).pipe(delay(2, immediateScheduler), toArray()))).to.deep.equal([1, 2, 3])
      expect(await lastValueFrom(of(1, 2, 3).pipe(delay(0, immediateScheduler), toArray()))).to.deep.equal([1, 2, 3])
    })

    it('observeOn moves emissions to the next check phase', async () => {
      const seen: string[] = []
      const values = new Subject<string>()
      values.pipe(observeOn(immediateScheduler)).subscribe((v) => seen.push(v))
      values.next('value')
      seen.push('sync')
      await nextTurn()
      expect(seen).to.deep.equal(['sync', 'value'])
    })
  })
})
