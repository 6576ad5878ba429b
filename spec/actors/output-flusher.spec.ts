import { expect } from 'chai'
import { OutputFlusher, type PendingOutput } from '../../src/actors/output-flusher.js'

const recorder = (log: string[], name: string): PendingOutput => ({ flushOutput: () => log.push(name) })
const checkPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('OutputFlusher', () => {
  it('writes nothing during the turn (synchronously or in microtasks), then everything in enqueue order', async () => {
    const log: string[] = []
    const flusher = new OutputFlusher()
    flusher.enqueue(recorder(log, 'a'))
    flusher.enqueue(recorder(log, 'b'))
    await Promise.resolve()
    expect(log).to.deep.equal([])
    flusher.enqueue(recorder(log, 'c'))
    await checkPhase()
    expect(log).to.deep.equal(['a', 'b', 'c'])
  })

  it('flushes once per enqueue, and a connection enqueued during a flush goes out on the next turn', async () => {
    const log: string[] = []
    const flusher = new OutputFlusher()
    const late = recorder(log, 'late')
    flusher.enqueue({
      flushOutput: () => {
        log.push('first')
        flusher.enqueue(late)
      },
    })
    await checkPhase()
    expect(log).to.deep.equal(['first'])
    await checkPhase()
    expect(log).to.deep.equal(['first', 'late'])
    await checkPhase()
    expect(log).to.deep.equal(['first', 'late'])
  })
})
