import { expect } from 'chai'
import { TestScheduler } from 'rxjs/testing'
import type { Completion } from '../../src/bench/completion.js'
import { decodeHistogram } from '../../src/bench/histogram.js'
import { LatencyRecorder, mergeSnapshots } from '../../src/bench/recorder.js'
import { recordLatency } from '../../src/bench/recordLatency.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
  expect(actual).to.deep.equal(expected)
})

const ok = (op: string, intendedAt: number, doneAt: number): Completion => ({ op, pipe: 0, intendedAt, sentAt: intendedAt, doneAt, reply: { kind: 'simple', value: 'OK' } })
const failed = (value: string, doneAt: number): Completion => ({ op: 'set', pipe: 0, intendedAt: 0, sentAt: 0, doneAt, reply: { kind: 'error', value } })

describe('recordLatency', () => {
  it('passes every completion through unchanged, and completes and errors with its source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: ok('get', 0, 1), b: ok('set', 2, 5) }
      const recorder = new LatencyRecorder(0)
      expectObservable(cold('-a-b-|', values).pipe(recordLatency(recorder))).toBe('-a-b-|', values)
      expectObservable(cold('-a-#', values).pipe(recordLatency(new LatencyRecorder(0)))).toBe('-a-#', values)
    })
  })

  it('records each operation in its own histogram, in microseconds, measured from the intended time', () => {
    const recorder = new LatencyRecorder(0)
    testScheduler().run(({ cold, flush }) => {
      cold('abc|', { a: ok('get', 0, 1.5), b: ok('get', 10, 12), c: ok('set', 0, 0.25) }).pipe(recordLatency(recorder)).subscribe()
      flush()
    })
    const snapshot = recorder.snapshot()
    const get = decodeHistogram(snapshot.operations['get']!)
    expect(get.totalCount).to.equal(2)
    expect(get.minNonZeroValue).to.be.closeTo(1500, 1)
    expect(get.maxValue).to.be.closeTo(2000, 1)
    expect(decodeHistogram(snapshot.operations['set']!).maxValue).to.be.closeTo(250, 1)
  })

  it('counts error replies by their first word and keeps them out of the latency histograms', () => {
    const recorder = new LatencyRecorder(0)
    for (const c of [failed('ERR syntax error', 1), failed('ERR wrong', 2), failed('NOAUTH Authentication required.', 3), failed('CONNECTION closed', 4), ok('get', 0, 1)]) {
      recorder.record(c)
    }
    const snapshot = recorder.snapshot()
    expect(snapshot.errors).to.deep.equal({ ERR: 2, NOAUTH: 1, CONNECTION: 1 })
    expect(Object.keys(snapshot.operations)).to.deep.equal(['get'])
  })

  it('buckets completions into seconds from the start, capped at the last second of the run', () => {
    const recorder = new LatencyRecorder(1000, 1)
    for (const doneAt of [1000, 1999, 2000, 2500, 3100]) recorder.record(ok('get', doneAt - 1, doneAt))
    expect(recorder.snapshot().series.map((s) => [s.second, s.ops])).to.deep.equal([
      [0, 2],
      [1, 3],
    ])
  })

  it('merges the snapshots of parallel runs: counts add up, histograms combine, time is the longest', () => {
    const a = new LatencyRecorder(0)
    const b = new LatencyRecorder(0)
    a.record(ok('get', 0, 1))
    b.record(ok('get', 0, 3))
    b.record(ok('set', 1200, 1202))
    b.record(failed('ERR x', 5))
    const merged = mergeSnapshots([a.snapshot(900), b.snapshot(1500)])
    expect(merged.elapsedMs).to.equal(1500)
    expect(decodeHistogram(merged.operations['get']!).totalCount).to.equal(2)
    expect(merged.errors).to.deep.equal({ ERR: 1 })
    expect(merged.series.map((s) => [s.second, s.ops, s.errors])).to.deep.equal([
      [0, 2, 1],
      [1, 1, 0],
    ])
  })
})
