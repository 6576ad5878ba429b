import { expect } from 'chai'
import fc from 'fast-check'
import { Subject, from } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { holdUntilDurable, type DurabilityGate, type Settlement } from '../../src/pipeline/holdUntilDurable.js'
import type { ReplyBatch } from '../../src/pipeline/batches.js'
import { NO_REPLY, NULL, OK, array, bulk, error, integer, transientBulk, type ArrayReply, type BulkReply, type Reply } from '../../src/protocol/reply.js'

const batch = (...replies: Reply[]): ReplyBatch => ({ replies, resp: 2, close: false })

/** A gate whose marks come from a script: each batch depends on the next number in `needs`. */
class ScriptedGate implements DurabilityGate {
  settledSeq = 0
  readonly settlements = new Subject<Settlement>()
  constructor(private readonly needs: number[]) {}
  mark(): number {
    return this.needs.shift() ?? 0
  }
  poll(): void {}
  settle(s: Settlement): void {
    this.settledSeq = s.settled
    this.settlements.next(s)
  }
}

const testScheduler = (): TestScheduler => new TestScheduler((a, e) => {
    expect(a).to.deep.equal(e)
  })

describe('holdUntilDurable', () => {
  it('passes batches that depend on nothing unsettled straight through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const gate = new ScriptedGate([0, 0])
      const a = batch(OK)
      const b = batch(integer(1))
      expectObservable(cold('-a-b-|', { a, b }).pipe(holdUntilDurable(gate))).toBe('-a-b-|', { a, b })
    })
  })

  it('holds a batch until its write settles, and keeps order behind it', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const gate = new ScriptedGate([3, 0, 4])
      const a = batch(OK)
      const b = batch(integer(7))
      const c = batch(OK)
      hot('----x-----y', { x: 3, y: 4 }).subscribe((n) => gate.settle({ settled: n }))
      expectObservable(cold('-a-b-c|', { a, b, c }).pipe(holdUntilDurable(gate))).toBe('----(ab)--(c|)', { a, b, c })
    })
  })

  it('copies the transient values of a batch it holds (also inside arrays), and passes others as they are', () => {
    const scratch = Buffer.from('v1')
    const gate = new ScriptedGate([0, 1])
    const out: ReplyBatch[] = []
    const input = new Subject<ReplyBatch>()
    input.pipe(holdUntilDurable(gate)).subscribe((b) => out.push(b))
    const passed = transientBulk(scratch)
    input.next(batch(passed))
    expect(out[0]!.replies[0]).to.equal(passed)
    input.next(batch(transientBulk(scratch), array([NULL, transientBulk(scratch)]), bulk(scratch)))
    // Storage reuses the bytes while the batch waits for its write.
    scratch.write('v2')
    gate.settle({ settled: 1 })
    const [single, list, plain] = out[1]!.replies as [BulkReply, ArrayReply, BulkReply]
    expect(single.value.toString()).to.equal('v1')
    expect((list.value[1] as BulkReply).value.toString()).to.equal('v1')
    expect(list.value[0]).to.equal(NULL)
    // Not transient: the command owns these bytes, and they are not copied.
    expect(plain.value).to.equal(scratch)
  })

  it('completes only after the held batches are released', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const gate = new ScriptedGate([1])
      const a = batch(OK)
      hot('-----x', { x: 1 }).subscribe((n) => gate.settle({ settled: n }))
      expectObservable(cold('-a|', { a }).pipe(holdUntilDurable(gate))).toBe('-----(a|)', { a })
    })
  })

  it('turns every reply of a batch that saw a failed write into the failure error', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const gate = new ScriptedGate([2, 5])
      const a = batch(OK, integer(3), NO_REPLY)
      const b = batch(OK)
      const reason = 'MISCONF Errors writing to the AOF file: No space left on device'
      hot('---x-y', { x: { settled: 4, failed: { from: 2, to: 4, reason } }, y: { settled: 5 } }).subscribe((s) =>
        gate.settle(s),
      )
      expectObservable(cold('-ab|', { a, b }).pipe(holdUntilDurable(gate))).toBe('---a-(b|)', {
        a: batch(error(reason), error(reason), NO_REPLY),
        b,
      })
    })
  })

  it('property: every batch comes out once, in order, never before its write settled', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5), { minLength: 1, maxLength: 40 }), (gaps) => {
        // Batch i depends on write i+1 or on nothing; writes settle one by one afterwards.
        const needs = gaps.map((g, i) => (g === 0 ? 0 : i + 1))
        const gate = new ScriptedGate([...needs])
        const seen: number[] = []
        const batches = needs.map((_, i) => batch(integer(i)))
        let settled = 0
        from(batches)
          .pipe(holdUntilDurable(gate))
          .subscribe((out) => {
            const i = (out.replies[0] as { value: number }).value
            expect(needs[i]! <= settled, `batch ${i} released before write ${needs[i]} settled`).to.equal(true)
            seen.push(i)
          })
        for (let n = 1; n <= needs.length; n++) {
          settled = n
          gate.settle({ settled: n })
        }
        expect(seen).to.deep.equal(needs.map((_, i) => i))
      }),
    )
  })
})
