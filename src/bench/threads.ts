// Runs a workload on T threads: thread t takes a contiguous share of the clients (and the same
// share of `--requests` and `--rate`), and the snapshots merge into one. With one thread the run
// stays on the calling thread.

import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { mergeSnapshots, type RecorderSnapshot } from './recorder.js'
import { runWorkload, type RunOptions } from './runner.js'
import type { WorkerMessage } from './worker.js'

export interface Progress {
  readonly elapsedMs: number
  readonly ops: number
  readonly errors: number
  /** p99 of the last complete second, in ms (the worst thread's). */
  readonly p99: number
}

/** Splits `total` into `parts` integers that differ by at most one, larger ones first. */
export const shares = (total: number, parts: number): number[] =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))

export const threadOptions = (options: RunOptions, threads: number): RunOptions[] => {
  const clients = shares(options.clients, threads)
  const requests = options.requests === undefined ? undefined : shares(options.requests, threads)
  let first = 0
  return clients.map((count, t) => {
    const share: RunOptions = {
      ...options,
      clients: count,
      firstClient: first,
      totalClients: options.clients,
      ...(requests === undefined ? {} : { requests: requests[t]! }),
      ...(options.rate === undefined ? {} : { rate: (options.rate * count) / options.clients }),
    }
    first += count
    return share
  })
}

/**
 * A worker that runs a TypeScript module: it registers tsx's loader itself before importing, as
 * loader flags given to the parent do not reach worker threads on Node 20.
 */
const sourceWorker = (url: URL, workerData: unknown): Worker => {
  // The ES module build of tsx's API: its CommonJS build mislocates its loader from a worker.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}

export const runThreads = async (
  options: RunOptions,
  threads: number,
  onProgress?: (progress: Progress) => void,
): Promise<RecorderSnapshot> => {
  const started = performance.now()
  if (threads <= 1) {
    return runWorkload(options, {
      ...(onProgress === undefined
        ? {}
        : {
            onTick: (recorder, elapsedMs) =>
              onProgress({ elapsedMs, ...recorder.totals(), p99: recorder.second(Math.max(0, Math.floor(elapsedMs / 1000) - 1))?.p99 ?? 0 }),
          }),
    })
  }
  const parts = threadOptions(options, Math.min(threads, options.clients)).filter((o) => o.clients > 0)
  const latest = parts.map(() => ({ ops: 0, errors: 0, p99: 0 }))
  // Run from TypeScript sources (the specs), a worker needs the TypeScript loader of its own.
  const fromSources = import.meta.url.endsWith('.ts')
  const workerUrl = new URL(fromSources ? './worker.ts' : './worker.js', import.meta.url)
  const snapshots = await Promise.all(
    parts.map(
      (workerData, t) =>
        new Promise<RecorderSnapshot>((resolve, reject) => {
          const worker = fromSources ? sourceWorker(workerUrl, workerData) : new Worker(workerUrl, { workerData })
          worker.on('message', (message: WorkerMessage) => {
            if (message.kind === 'tick') {
              latest[t] = message
              if (t === 0 && onProgress !== undefined) {
                onProgress({
                  elapsedMs: performance.now() - started,
                  ops: latest.reduce((a, l) => a + l.ops, 0),
                  errors: latest.reduce((a, l) => a + l.errors, 0),
                  p99: Math.max(...latest.map((l) => l.p99)),
                })
              }
            } else if (message.kind === 'done') resolve(message.snapshot)
            else reject(new Error(message.message))
          })
          worker.once('error', reject)
          worker.once('exit', (code) => reject(new Error(`bench thread ${t} exited with code ${code}`)))
        }),
    ),
  )
  return mergeSnapshots(snapshots)
}
