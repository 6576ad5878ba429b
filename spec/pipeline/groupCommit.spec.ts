import { expect } from 'chai'
import fc from 'fast-check'
import {
  EMPTY,
  Observable,
  Subject,
  VirtualTimeScheduler,
  lastValueFrom,
  mergeMap,
  of,
  throwError,
  timer,
  toArray,
  type SchedulerLike,
} from 'rxjs'
import { TestScheduler, type RunHelpers } from 'rxjs/testing'
import { CommitWithoutResult, groupCommit, type CommitOutcome } from '../../src/pipeline/groupCommit.js'
import { immediateScheduler } from '../../src/pipeline/immediateScheduler.js'

/** Runs marble assertions in virtual time; the TestScheduler doubles as the operator's scheduler. */
const marbles = (body: (helpers: RunHelpers, scheduler: SchedulerLike) => void): void => {
  const scheduler = new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected)
  })
  scheduler.run((helpers) => body(helpers, scheduler))
}

const sizeOf = (item: string): number => item.length

/** A commit function that hands out the given replies in order and records each batch. */
const committer = <R>(replies: readonly (Observable<R> | (() => never))[]) => {
  const calls: string[][] = []
  const commit = (items: readonly string[]): Observable<R> => {
    calls.push([...items])
    const reply = replies[calls.length - 1]
    if (reply === undefined) throw new Error(`unplanned commit #${calls.length}`)
    return typeof reply === 'function' ? reply() : reply
  }
  return { calls, commit }
}

const ok = <R>(items: string[], result: R): CommitOutcome<string, R> => ({ ok: true, items, result })
const failed = (items: string[], error: unknown): CommitOutcome<string, never> => ({ ok: false, items, error })

describe('groupCommit', () => {
  it('gathers the items of a window opened by the first one, and commits when it ends', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
      const replies = [cold('--r', { r: 1 }), cold('--r', { r: 2 })]
      const { commit } = committer(replies)
      const items = cold('-a-b------c---|')
      const options = { sizeOf, maxBytes: 100, maxDelay: 3, scheduler }
      expectObservable(items.pipe(groupCommit(commit, options))).toBe('------x--------(y|)', {
        x: ok(['a', 'b'], 1),
        y: ok(['c'], 2),
      })
      expectSubscriptions(replies[0]!.subscriptions).toBe('----^-!')
      expectSubscriptions(replies[1]!.subscriptions).toBe('-------------^-!')
    })
  })

  it('with maxDelay 0, gathers what arrives before the scheduler’s next turn', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([cold('-r', { r: 1 }), cold('-r', { r: 2 })])
      const items = cold('-(abc)-d---|')
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 100, maxDelay: 0, scheduler }))).toBe(
        '--x-----y--|',
        { x: ok(['a', 'b', 'c'], 1), y: ok(['d'], 2) },
      )
    })
  })

  it('accumulates while a commit is in flight, then commits the lot as soon as it settles', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
      const replies = [cold('-----r', { r: 1 }), cold('--r', { r: 2 })]
      const { commit } = committer(replies)
      const items = cold('-a--bc-d--------|')
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 100, maxDelay: 2, scheduler }))).toBe(
        '--------x-y-----|',
        { x: ok(['a'], 1), y: ok(['b', 'c', 'd'], 2) },
      )
      expectSubscriptions(replies[0]!.subscriptions).toBe('---^----!')
      // No second gather window: the items that waited behind the first commit go at once.
      expectSubscriptions(replies[1]!.subscriptions).toBe('--------^-!')
    })
  })

  it('commits a batch that reaches maxBytes at once, and splits a backlog by maxBytes', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([cold('----r', { r: 1 }), cold('--r', { r: 2 }), cold('--r', { r: 3 })])
      const items = cold('-a-b-(cdef)-----|', { a: 'aa', b: 'bb', c: 'c', d: 'ddd', e: 'ee', f: 'f' })
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 4, maxDelay: 10, scheduler }))).toBe(
        '-------x-y-z----|',
        { x: ok(['aa', 'bb'], 1), y: ok(['c', 'ddd'], 2), z: ok(['ee', 'f'], 3) },
      )
    })
  })

  it('ends the gather window of a batch committed for size: the next first item opens its own', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([cold('--r', { r: 1 }), cold('--r', { r: 2 })])
      const items = cold('-ab--c------------|', { a: 'aa', b: 'bb', c: 'c' })
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 4, maxDelay: 10, scheduler }))).toBe(
        '----x------------y|',
        { x: ok(['aa', 'bb'], 1), y: ok(['c'], 2) },
      )
    })
  })

  it('commits a batch at once when the next item would take it past maxBytes', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([cold('--r', { r: 1 }), cold('--r', { r: 2 })])
      const items = cold('-a-b-----|', { a: 'aaa', b: 'bb' })
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 4, maxDelay: 10, scheduler }))).toBe(
        '-----x-y-|',
        { x: ok(['aaa'], 1), y: ok(['bb'], 2) },
      )
    })
  })

  it('commits an item larger than maxBytes alone, sealing the batch before it', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([1, 2, 3, 4].map((r) => cold('--r', { r })))
      const items = cold('-a-bc-----d---|', { a: 'a', b: 'xxxxxx', c: 'c', d: 'yyyyy' })
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 4, maxDelay: 5, scheduler }))).toBe(
        '-----x-y-z--w-|',
        { x: ok(['a'], 1), y: ok(['xxxxxx'], 2), z: ok(['c'], 3), w: ok(['yyyyy'], 4) },
      )
    })
  })

  it('turns an error, a synchronous throw and a completion without value into failed outcomes, and goes on', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
      const disk = new Error('disk full')
      const thrown = new Error('bad handle')
      const replies = [
        cold('--#', undefined, disk),
        () => {
          throw thrown
        },
        cold('--|'),
        cold('--r-s', { r: 'done', s: 'ignored' }),
      ] as const
      const { commit } = committer(replies)
      const items = cold('-a-----b-----c-----d----|')
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 100, maxDelay: 1, scheduler }))).toBe(
        '----x---y-------z-----w-|',
        {
          x: failed(['a'], disk),
          y: failed(['b'], thrown),
          z: failed(['c'], new CommitWithoutResult()),
          w: ok(['d'], 'done'),
        },
      )
      // Only the first value is awaited.
      expectSubscriptions(replies[3].subscriptions).toBe('--------------------^-!')
    })
  })

  it('on completion, commits what waits in the gather window without waiting for it to end', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([cold('--r', { r: 1 })])
      const items = cold('-a-|')
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 100, maxDelay: 10, scheduler }))).toBe(
        '-----(x|)',
        { x: ok(['a'], 1) },
      )
    })
  })

  it('on completion, commits the backlog batch by batch, one in flight, then completes', () => {
    marbles(({ cold, expectObservable }, scheduler) => {
      const { commit } = committer([1, 2, 3].map((r) => cold('--r', { r })))
      const items = cold('-(abcde|)', { a: 'aa', b: 'bb', c: 'cc', d: 'dd', e: 'e' })
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 4, maxDelay: 10, scheduler }))).toBe(
        '---x-y-(z|)',
        { x: ok(['aa', 'bb'], 1), y: ok(['cc', 'dd'], 2), z: ok(['e'], 3) },
      )
    })
  })

  it('emits a source error after the in-flight commit settles, committing nothing more', () => {
    const boom = new Error('socket gone')
    const busyReplies: Observable<number>[] = []
    const busy = committer(busyReplies)
    const idle = committer<number>([])
    marbles(({ cold, expectObservable }, scheduler) => {
      busyReplies.push(cold('----r', { r: 1 }))
      const options = { sizeOf, maxBytes: 100, maxDelay: 1, scheduler }
      const busyItems = cold('-a-b#', undefined, boom)
      expectObservable(busyItems.pipe(groupCommit(busy.commit, options))).toBe('------(x#)', { x: ok(['a'], 1) }, boom)
      // With nothing in flight the error is immediate, and the gathered items are not committed.
      expectObservable(cold('-a#', undefined, boom).pipe(groupCommit(idle.commit, options))).toBe('--#', undefined, boom)
    })
    expect(busy.calls).to.deep.equal([['a']])
    expect(idle.calls).to.deep.equal([])
  })

  it('on unsubscription, ignores the in-flight commit and commits nothing more', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
      const replies = [cold('----r', { r: 1 })]
      const { commit } = committer(replies)
      const items = cold('-a-b-----|')
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 100, maxDelay: 1, scheduler })), '----!').toBe('-')
      expectSubscriptions(replies[0]!.subscriptions).toBe('--^-!')
      expectSubscriptions(items.subscriptions).toBe('^---!')
    })
  })

  it('on unsubscription, cancels the gather window', () => {
    let windowsEnded = 0
    const { calls, commit } = committer([])
    marbles(({ cold, expectObservable }, virtual) => {
      const scheduler = countingRuns(virtual, () => windowsEnded++)
      const items = cold('-a----|')
      expectObservable(items.pipe(groupCommit(commit, { sizeOf, maxBytes: 100, maxDelay: 3, scheduler })), '--!').toBe('-')
    })
    expect(windowsEnded).to.equal(0)
    expect(calls).to.deep.equal([])
  })

  it('settles a long backlog of synchronous commits in a loop, not by recursion', () => {
    const scheduler = new VirtualTimeScheduler()
    const count = 50_000
    let committed = 0
    const commit = (items: readonly number[]): Observable<number> =>
      // The first commit stays in flight while the whole backlog arrives; the rest settle at once.
      committed++ === 0 ? timer(1, scheduler) : of(items[0]!)
    const source = new Observable<number>((subscriber) => {
      for (let i = 0; i < count; i++) subscriber.next(i)
      subscriber.complete()
    })
    let outcomes = 0
    let failure: unknown
    source.pipe(groupCommit(commit, { sizeOf: () => 1, maxBytes: 1, maxDelay: 0, scheduler })).subscribe({
      next: (o) => {
        if (!o.ok) failure ??= o.error
        else if (o.items.length !== 1 || o.items[0] !== outcomes) failure ??= new Error(`outcome ${outcomes} holds ${o.items}`)
        outcomes++
      },
    })
    scheduler.flush()
    expect(failure).to.equal(undefined)
    expect(outcomes).to.equal(count)
  })

  describe('properties, in virtual time', () => {
    const plan = fc.oneof(
      fc.record({ kind: fc.constant('ok' as const), duration: fc.integer({ min: 0, max: 8 }) }),
      fc.record({ kind: fc.constant('sync ok' as const), duration: fc.constant(0) }),
      fc.record({ kind: fc.constant('error' as const), duration: fc.integer({ min: 0, max: 8 }) }),
      fc.record({ kind: fc.constant('throw' as const), duration: fc.constant(0) }),
      fc.record({ kind: fc.constant('empty' as const), duration: fc.integer({ min: 0, max: 8 }) }),
    )
    const scenario = fc.record({
      arrivals: fc.array(
        fc.record({ gap: fc.integer({ min: 0, max: 5 }), size: fc.integer({ min: 0, max: 20 }) }),
        { maxLength: 60 },
      ),
      plans: fc.array(plan, { minLength: 1, maxLength: 8 }),
      maxBytes: fc.integer({ min: 1, max: 40 }),
      maxDelay: fc.integer({ min: 0, max: 6 }),
    })

    it('conserves every item, in arrival order, across outcomes emitted in commit order', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const run = simulate(s)
          expect(run.completed).to.equal(true)
          expect(run.outcomes.flatMap((o) => o.items)).to.deep.equal(s.arrivals.map((_, i) => i))
          expect(run.outcomes.map((o) => o.items)).to.deep.equal(run.batches)
          run.outcomes.forEach((o, i) => expect(o.ok).to.equal(run.kinds[i] === 'ok' || run.kinds[i] === 'sync ok'))
        }),
        { numRuns: 400 },
      )
    })

    it('never has more than one commit in flight', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          expect(simulate(s).maxInFlight).to.be.at.most(1)
        }),
        { numRuns: 400 },
      )
    })

    it('keeps every batch within maxBytes unless it is a single item', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          for (const batch of simulate(s).batches) {
            const bytes = batch.reduce((sum, i) => sum + s.arrivals[i]!.size, 0)
            expect(batch.length).to.be.at.least(1)
            if (batch.length > 1) expect(bytes).to.be.at.most(s.maxBytes)
          }
        }),
        { numRuns: 400 },
      )
    })

    it('commits a backlog gathered behind one long commit in about totalBytes / maxBytes calls, back to back', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({ at: fc.integer({ min: 1, max: 999 }), size: fc.integer({ min: 1, max: 32 }) }),
            { minLength: 50, maxLength: 300 },
          ),
          fc.integer({ min: 128, max: 1024 }),
          (backlog, maxBytes) => {
            const scheduler = new VirtualTimeScheduler()
            const arrivals = [{ at: 0, size: 1 }, ...[...backlog].sort((x, y) => x.at - y.at)]
            const starts: number[] = []
            const batches: number[][] = []
            const commit = (items: readonly number[]) => {
              starts.push(scheduler.now())
              batches.push([...items])
              return timer(batches.length === 1 ? 1000 : 1, scheduler)
            }
            const source = new Observable<number>((subscriber) => {
              arrivals.forEach(({ at }, i) => scheduler.schedule(() => subscriber.next(i), at))
              scheduler.schedule(() => subscriber.complete(), 1000)
            })
            const sizes = arrivals.map((a) => a.size)
            source.pipe(groupCommit(commit, { sizeOf: (i) => sizes[i]!, maxBytes, maxDelay: 0, scheduler })).subscribe()
            scheduler.flush()

            const behind = batches.slice(1)
            const bytes = behind.map((b) => b.reduce((sum, i) => sum + sizes[i]!, 0))
            const total = bytes.reduce((x, y) => x + y, 0)
            expect(batches[0]).to.deep.equal([0])
            expect(behind.flat()).to.deep.equal(backlog.map((_, i) => i + 1))
            expect(behind.length).to.be.at.least(Math.ceil(total / maxBytes))
            expect(behind.length).to.be.at.most(2 * Math.ceil(total / maxBytes))
            expect(behind.length).to.be.below(backlog.length / 2)
            // Greedy cuts: no batch was sealed while the next one's first item still fitted.
            for (let i = 1; i < bytes.length; i++) expect(bytes[i - 1]! + sizes[behind[i]![0]!]!).to.be.above(maxBytes)
            expect(starts.slice(1)).to.deep.equal(behind.map((_, i) => 1000 + i))
          },
        ),
        { numRuns: 200 },
      )
    })
  })

  describe('with Promises and the immediate scheduler', () => {
    it('commits a turn’s items as one batch, commits the next as the first settles, and survives a rejection', async () => {
      const items = new Subject<string>()
      const calls: string[][] = []
      const commits: { promise: Promise<string>; resolve: (r: string) => void; reject: (e: unknown) => void }[] = []
      const commit = (batch: readonly string[]): Promise<string> => {
        calls.push([...batch])
        let resolve!: (r: string) => void
        let reject!: (e: unknown) => void
        const promise = new Promise<string>((yes, no) => ((resolve = yes), (reject = no)))
        commits.push({ promise, resolve, reject })
        return promise
      }
      const outcomes = lastValueFrom(
        items.pipe(groupCommit(commit, { sizeOf, maxBytes: 1024, maxDelay: 0, scheduler: immediateScheduler }), toArray()),
      )
      const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

      items.next('a')
      items.next('b')
      queueMicrotask(() => items.next('c'))
      await nextTurn()
      expect(calls).to.deep.equal([['a', 'b', 'c']])

      items.next('d')
      await nextTurn()
      items.next('e')
      await nextTurn()
      expect(calls).to.have.length(1)

      commits[0]!.resolve('lsn 1')
      // The operator's reaction to the first commit was registered before this one.
      await commits[0]!.promise
      expect(calls).to.deep.equal([['a', 'b', 'c'], ['d', 'e']])

      const disk = new Error('disk full')
      commits[1]!.reject(disk)
      await commits[1]!.promise.catch(() => {})
      items.next('f')
      items.complete()
      await nextTurn()
      expect(calls).to.have.length(3)
      commits[2]!.resolve('lsn 3')
      expect(await outcomes).to.deep.equal([ok(['a', 'b', 'c'], 'lsn 1'), failed(['d', 'e'], disk), ok(['f'], 'lsn 3')])
    })
  })
})

/** Wraps a scheduler so each piece of work that actually runs is counted. */
function countingRuns(scheduler: SchedulerLike, onRun: () => void): SchedulerLike {
  return {
    now: () => scheduler.now(),
    schedule: (work, delay, state) =>
      scheduler.schedule(
        function (this: unknown, s) {
          onRun()
          return (work as (this: unknown, s: unknown) => void).call(this, s)
        },
        delay,
        state,
      ),
  }
}

type Kind = 'ok' | 'sync ok' | 'error' | 'throw' | 'empty'

/** Runs one scenario in virtual time with an instrumented commit function. */
function simulate(s: {
  arrivals: readonly { gap: number; size: number }[]
  plans: readonly { kind: Kind; duration: number }[]
  maxBytes: number
  maxDelay: number
}) {
  const scheduler = new VirtualTimeScheduler()
  const batches: number[][] = []
  const kinds: Kind[] = []
  let inFlight = 0
  let maxInFlight = 0
  const commit = (items: readonly number[]) => {
    const { kind, duration } = s.plans[batches.length % s.plans.length]!
    batches.push([...items])
    kinds.push(kind)
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    // A commit is in flight until its result reaches the operator.
    const settle = () => {
      inFlight--
      return kind === 'ok' ? of('done') : kind === 'error' ? throwError(() => new Error('io')) : EMPTY
    }
    if (kind === 'throw') {
      inFlight--
      throw new Error('sync')
    }
    if (kind === 'sync ok') return new Observable<string>((subscriber) => {
      inFlight--
      subscriber.next('done')
    })
    return timer(duration, scheduler).pipe(mergeMap(settle))
  }
  const source = new Observable<number>((subscriber) => {
    let at = 0
    s.arrivals.forEach(({ gap }, i) => scheduler.schedule(() => subscriber.next(i), (at += gap)))
    scheduler.schedule(() => subscriber.complete(), at)
  })
  const outcomes: CommitOutcome<number, string>[] = []
  let completed = false
  source
    .pipe(groupCommit(commit, { sizeOf: (i) => s.arrivals[i]!.size, maxBytes: s.maxBytes, maxDelay: s.maxDelay, scheduler }))
    .subscribe({ next: (o) => outcomes.push(o), complete: () => (completed = true) })
  scheduler.flush()
  return { batches, kinds, outcomes, completed, maxInFlight }
}
