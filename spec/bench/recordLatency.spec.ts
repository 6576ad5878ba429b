import { expect } from 'chai'
import fc from 'fast-check'
import { TestScheduler } from 'rxjs/testing'
import type { Completion } from '../../src/bench/completion.js'
import { decodeHistogram } from '../../src/bench/histogram.js'
import { LatencyRecorder, mergeSnapshots } from '../../src/bench/recorder.js'
import { recordLatency } from '../../src/bench/recordLatency.js'

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
  expect(actual).to.deep.equal(expected)
})

const ok = (op: string, intendedAt: number, doneAt: number): Completion => ({
  op,
  pipe: 0,
  intendedAt,
  sentAt: intendedAt,
  firstReplyAt: doneAt,
  doneAt,
  latencyMs: doneAt - intendedAt,
  reply: { kind: 'simple', value: 'OK' },
})
const failed = (value: string, doneAt: number): Completion => ({
  op: 'set',
  pipe: 0,
  intendedAt: 0,
  sentAt: 0,
  firstReplyAt: doneAt,
  doneAt,
  latencyMs: doneAt,
  reply: { kind: 'error', value },
})

describe('recordLatency', () => {
  it('passes every group of completions through unchanged, and completes and errors with its source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: [ok('get', 0, 1)], b: [ok('set', 2, 5), ok('set', 2, 6)] }
      const recorder = new LatencyRecorder(0)
      expectObservable(cold('-a-b-|', values).pipe(recordLatency(recorder))).toBe('-a-b-|', values)
      expectObservable(cold('-a-#', values).pipe(recordLatency(new LatencyRecorder(0)))).toBe('-a-#', values)
    })
  })

  it('records each operation in its own histogram, in microseconds, measured from the intended time', () => {
    const recorder = new LatencyRecorder(0)
    testScheduler().run(({ cold, flush }) => {
      cold('ab|', { a: [ok('get', 0, 1.5), ok('get', 10, 12)], b: [ok('set', 0, 0.25)] }).pipe(recordLatency(recorder)).subscribe()
      flush()
    })
    const snapshot = recorder.snapshot()
    const get = decodeHistogram(snapshot.operations['get']!)
    expect(get.totalCount).to.equal(2)
    expect(get.minNonZeroValue).to.be.closeTo(1500, 1)
    expect(get.maxValue).to.be.closeTo(2000, 1)
    expect(decodeHistogram(snapshot.operations['set']!).maxValue).to.be.closeTo(250, 1)
  })

  it('records a group of equal latencies with one count each, exactly as recording them one by one', () => {
    // Groups as a read brings them: several operations, latencies often equal, now and then an error.
    const completion = fc
      .record({
        op: fc.constantFrom('get', 'set'),
        doneAt: fc.integer({ min: 0, max: 2500 }),
        latencyUs: fc.constantFrom(1, 250, 999, 1000, 1500),
        fraction: fc.constantFrom(0, 0.0004, 0.3),
        error: fc.constantFrom(undefined, 'ERR x', 'NOAUTH y'),
      })
      .map(({ op, doneAt, latencyUs, fraction, error }) => {
        const c = ok(op, doneAt - (latencyUs + fraction) / 1000, doneAt)
        return error === undefined ? c : { ...c, reply: { kind: 'error' as const, value: error } }
      })
    fc.assert(
      fc.property(fc.array(fc.array(completion, { maxLength: 20 }), { maxLength: 6 }), (groups) => {
        const grouped = new LatencyRecorder(0, 1)
        const single = new LatencyRecorder(0, 1)
        for (const group of groups) grouped.recordAll(group)
        for (const c of groups.flat()) single.record(c)
        const a = grouped.snapshot()
        const b = single.snapshot()
        expect(a.elapsedMs).to.equal(b.elapsedMs)
        expect(a.errors).to.deep.equal(b.errors)
        expect(Object.keys(a.operations).sort()).to.deep.equal(Object.keys(b.operations).sort())
        for (const op of Object.keys(a.operations)) {
          const [x, y] = [decodeHistogram(a.operations[op]!), decodeHistogram(b.operations[op]!)]
          expect([x.totalCount, x.minNonZeroValue, x.maxValue, x.mean]).to.deep.equal([y.totalCount, y.minNonZeroValue, y.maxValue, y.mean])
        }
        expect(a.series.map((s) => [s.second, s.ops, s.errors, decodeHistogram(s.histogram).totalCount])).to.deep.equal(
          b.series.map((s) => [s.second, s.ops, s.errors, decodeHistogram(s.histogram).totalCount]),
        )
      }),
    )
  })

  it('records latencies as whole microseconds, at least 1', () => {
    const recorder = new LatencyRecorder(0)
    recorder.recordAll([ok('get', 0, 0.0004), ok('get', 0, 0.0014), ok('get', 0, 0.0016)])
    const h = decodeHistogram(recorder.snapshot().operations['get']!)
    expect([h.totalCount, h.minNonZeroValue, h.maxValue]).to.deep.equal([3, 1, 2])
    // 0.4 µs counts as 1 µs and 1.4 µs rounds to 1 µs: two thirds of the values are 1.
    expect(h.getValueAtPercentile(66)).to.equal(1)
    expect(h.getValueAtPercentile(67)).to.equal(2)
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
