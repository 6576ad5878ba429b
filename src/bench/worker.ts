// The body of one `--threads` worker: runs its share of the clients and posts progress ticks and
// finally its snapshot to the parent thread.

import { parentPort, workerData } from 'node:worker_threads'
import { runWorkload, type RunOptions } from './runner.js'

export type WorkerMessage =
  | { readonly kind: 'tick'; readonly ops: number; readonly errors: number; readonly p99: number }
  | { readonly kind: 'done'; readonly snapshot: import('./recorder.js').RecorderSnapshot }
  | { readonly kind: 'failed'; readonly message: string }

const post = (message: WorkerMessage): void => parentPort!.postMessage(message)

runWorkload(workerData as RunOptions, {
  onTick: (recorder, elapsedMs) => {
    const totals = recorder.totals()
    post({ kind: 'tick', ...totals, p99: recorder.second(Math.max(0, Math.floor(elapsedMs / 1000) - 1))?.p99 ?? 0 })
  },
}).then(
  (snapshot) => post({ kind: 'done', snapshot }),
  (error: unknown) => post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
)
