// The heavy half of a compaction, on a worker thread: reading the input segments, the k-way merge,
// leaving out dead database generations, and encoding and writing the output segments. The event
// loop keeps the bookkeeping (segment ids, readers for the outputs, the manifest edit, retiring the
// inputs), so a compaction no longer stalls request handling between block reads.
//
// One worker serves the process. It starts with the first compaction and stays for the next ones
// (a worker takes over a tenth of a second to start from dist/, most of a second from the
// TypeScript sources), and it keeps the process alive only while a job runs. A worker that dies
// fails the jobs it held and is replaced at the next job.
//
// This file is both sides: the main thread imports it for runCompactionInWorker, and the worker
// runs it as its entry: the compiled .js directly, the .ts source (under tsx) through
// compaction-worker-tsx.mjs, which registers tsx in the worker first.

import { rm } from 'node:fs/promises'
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads'
import { decodeStoreKey, tenantOfKey } from './store-keys.js'
import { entriesOf, mergeBatches } from './merge.js'
import { openSegment, type SegmentReader } from './segment-reader.js'
import { writeSegment } from './segment-writer.js'
import { SegmentError, type SegmentEntry, type SegmentErrorCode, type SegmentMeta } from './segment-format.js'

export interface CompactionJob {
  /** The input segment files, newest first (the merge's source order). */
  readonly inputs: readonly string[]
  /** The output is the bottom for its key range: tombstones go. */
  readonly dropTombstones: boolean
  /** Clock for expiry, in ms since the Unix epoch. */
  readonly now: number
  /** Each database's current generation; records of older ones are left out. */
  readonly generations: readonly { readonly db: number; readonly gen: number }[]
  /** An output segment is closed once the records written to it reach about this size. */
  readonly targetSegmentBytes: number
  /** Paths for the output segments, used in order; the result names those written. */
  readonly outputs: readonly string[]
  /**
   * Another output path once `outputs` are used up (their count is an estimate from the inputs'
   * sizes). Without it, running out fails the job.
   */
  readonly moreOutputs?: () => string
}

export interface CompactionOutput {
  readonly path: string
  readonly meta: SegmentMeta
}

export interface CompactionResult {
  /** The segments written, in key order; an empty list when every record was dropped. */
  readonly outputs: readonly CompactionOutput[]
  /** Store keys of the expired records the merge removed, in key order (views into one buffer). */
  readonly expired: readonly Buffer[]
}

/**
 * Runs `job` on the compaction worker. Rejects with the worker's error (a SegmentError naming a
 * damaged input stays one) once every output file the job was given has been removed; on success
 * the unused output paths were never created.
 */
export function runCompactionInWorker(job: CompactionJob): Promise<CompactionResult> {
  shared ??= new CompactionWorker()
  return shared.run(job)
}

/**
 * Stops the compaction worker at once: the jobs it runs fail (their outputs are removed, and the
 * inputs stay live), and the next job starts a new worker. A shutdown uses it rather than wait
 * for a long merge; it cancels every compaction of the process.
 */
export async function stopCompactionWorker(): Promise<void> {
  const worker = shared
  shared = undefined
  await worker?.terminate()
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Marks a worker started by this module (other workers may import it). */
const WORKER_DATA = 'we-trust-redis compaction worker'

type WorkerJob = Omit<CompactionJob, 'moreOutputs'>

type ToWorker = { type: 'job'; id: number; job: WorkerJob } | { type: 'output'; id: number; path: string | undefined }

type FromWorker =
  | { type: 'more'; id: number }
  | { type: 'done'; id: number; outputs: CompactionOutput[]; expired: ArrayBuffer; expiredBytes: number }
  | { type: 'failed'; id: number; error: WireError }

/** An error as it crosses the thread boundary: its message, name, stack and primitive fields. */
interface WireError {
  name: string
  message: string
  stack: string | undefined
  fields: Record<string, string | number | boolean>
}

function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), stack: undefined, fields: {} }
  const fields: Record<string, string | number | boolean> = {}
  for (const [name, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[name] = value
  }
  return { name: error.name, message: error.message, stack: error.stack, fields }
}

function fromWire(wire: WireError): Error {
  const { fields } = wire
  const error =
    wire.name === 'SegmentError'
      ? new SegmentError(
          wire.message,
          fields['code'] as SegmentErrorCode,
          fields['path'] as string | undefined,
          fields['offset'] as number | undefined,
        )
      : Object.assign(new Error(wire.message), fields, { name: wire.name })
  if (wire.stack !== undefined) error.stack = wire.stack
  return error
}

/**
 * A key from a cloned SegmentMeta: structured clone turns a Buffer into a plain Uint8Array over a
 * copy of its whole ArrayBuffer (for a small key, a pool slab), so the bytes are copied out.
 */
const keyCopy = (bytes: Uint8Array): Buffer => Buffer.from(bytes)

// ---------------------------------------------------------------------------------------------
// Main thread

interface PendingJob {
  readonly job: CompactionJob
  /** Every output path the worker was given, so a failed job can remove what it left. */
  readonly handedOut: string[]
  readonly resolve: (result: CompactionResult) => void
  readonly reject: (error: Error) => void
}

let shared: CompactionWorker | undefined

class CompactionWorker {
  private readonly worker: Worker
  private readonly pending = new Map<number, PendingJob>()
  private nextId = 1
  /** Removals of failed jobs' outputs still running. */
  private readonly cleanups = new Set<Promise<unknown>>()
  /** What an unexpected exit reports: the uncaught error, when there was one. */
  private crash: Error | undefined

  constructor() {
    this.worker = startWorker()
    this.worker.unref()
    this.worker.on('message', (message: FromWorker) => this.receive(message))
    this.worker.on('error', (error) => (this.crash = error))
    this.worker.on('exit', (code) => {
      if (shared === this) shared = undefined
      const error = this.crash ?? new Error(`the compaction worker exited (code ${code}) with a job running`)
      for (const id of [...this.pending.keys()]) this.fail(id, error)
    })
  }

  /** Resolves once the worker is gone and every job it ran has failed and been cleaned up. */
  async terminate(): Promise<void> {
    await this.worker.terminate()
    // The exit handler has failed the jobs; wait for their outputs to be removed.
    await Promise.all(this.cleanups)
  }

  run(job: CompactionJob): Promise<CompactionResult> {
    const id = this.nextId++
    const { moreOutputs: _, ...wireJob } = job
    return new Promise((resolve, reject) => {
      this.pending.set(id, { job, handedOut: [...job.outputs], resolve, reject })
      this.worker.ref()
      this.worker.postMessage({ type: 'job', id, job: wireJob } satisfies ToWorker)
    })
  }

  private receive(message: FromWorker): void {
    const pending = this.pending.get(message.id)
    if (pending === undefined) return
    if (message.type === 'more') {
      let path: string | undefined
      try {
        path = pending.job.moreOutputs?.()
      } catch {
        path = undefined
      }
      if (path !== undefined) pending.handedOut.push(path)
      this.worker.postMessage({ type: 'output', id: message.id, path } satisfies ToWorker)
    } else if (message.type === 'done') {
      this.settled(message.id)
      const outputs = message.outputs.map(({ path, meta }) => ({
        path,
        meta: { ...meta, firstKey: keyCopy(meta.firstKey), lastKey: keyCopy(meta.lastKey) },
      }))
      pending.resolve({ outputs, expired: unpackKeys(Buffer.from(message.expired, 0, message.expiredBytes)) })
    } else {
      this.fail(message.id, fromWire(message.error))
    }
  }

  private fail(id: number, error: Error): void {
    const pending = this.pending.get(id)!
    this.settled(id)
    // The job is over (it failed, or its worker is gone), so nothing writes these files any more.
    const removals = pending.handedOut.flatMap((path) => [rm(path, { force: true }), rm(`${path}.tmp`, { force: true })])
    const cleanup = Promise.allSettled(removals).then(() => pending.reject(error))
    this.cleanups.add(cleanup)
    void cleanup.finally(() => this.cleanups.delete(cleanup))
  }

  private settled(id: number): void {
    this.pending.delete(id)
    if (this.pending.size === 0) this.worker.unref()
  }
}

const WORKER_YOUNG_GENERATION_MB = 8

function startWorker(): Worker {
  const self = import.meta.url
  const entry = self.endsWith('.ts') ? new URL('./compaction-worker-tsx.mjs', self) : new URL(self)
  // A merge's garbage is short-lived and its pace is not the hot path's: a small young generation
  // (Node's default lets it grow to 48 MB) keeps the worker's resident memory down. Loading 1 M
  // keys under --maxmemory 50mb: RSS 355 MB with the default, 330-339 MB with 6 MB and 338 MB with
  // 8 MB, at the same load speed.
  return new Worker(entry, { workerData: WORKER_DATA, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } })
}

/** Store keys packed as (u32 length, bytes) pairs, read back as views into `packed`. */
function unpackKeys(packed: Buffer): Buffer[] {
  const keys: Buffer[] = []
  for (let at = 0; at < packed.length; ) {
    const length = packed.readUInt32LE(at)
    keys.push(packed.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  return keys
}

// ---------------------------------------------------------------------------------------------
// Worker thread

if (!isMainThread && workerData === WORKER_DATA) serve(parentPort!)

function serve(port: MessagePort): void {
  /** Jobs waiting for the main thread to hand out another output path. */
  const waiting = new Map<number, (path: string | undefined) => void>()
  port.on('message', (message: ToWorker) => {
    if (message.type === 'output') {
      const resume = waiting.get(message.id)
      waiting.delete(message.id)
      resume?.(message.path)
      return
    }
    const { id, job } = message
    const paths = [...job.outputs]
    const nextPath = (): Promise<string> => {
      const path = paths.shift()
      if (path !== undefined) return Promise.resolve(path)
      return new Promise((resolve, reject) => {
        waiting.set(id, (more) =>
          more === undefined ? reject(new Error(`compaction ran out of output paths after ${job.outputs.length}`)) : resolve(more),
        )
        port.postMessage({ type: 'more', id } satisfies FromWorker)
      })
    }
    compact(job, nextPath).then(
      ({ outputs, expired }) => {
        const packed = expired.finish()
        const reply: FromWorker = { type: 'done', id, outputs, expired: packed.buffer as ArrayBuffer, expiredBytes: packed.length }
        port.postMessage(reply, [packed.buffer as ArrayBuffer])
      },
      (error: unknown) => port.postMessage({ type: 'failed', id, error: toWire(error) } satisfies FromWorker),
    )
  })
}

/** Appends store keys as (u32 length, bytes) pairs into one transferable buffer. */
class KeyPacker {
  /** Not from the shared pool: its whole ArrayBuffer is transferred. */
  private bytes = Buffer.allocUnsafeSlow(4096)
  private length = 0

  add(key: Buffer): void {
    const needed = this.length + 4 + key.length
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.bytes.length))
      this.bytes.copy(grown, 0, 0, this.length)
      this.bytes = grown
    }
    this.bytes.writeUInt32LE(key.length, this.length)
    key.copy(this.bytes, this.length + 4)
    this.length = needed
  }

  /** The packed keys: a view over the start of a buffer the packer no longer uses. */
  finish(): Buffer {
    return this.bytes.subarray(0, this.length)
  }
}

/** Merges the job's inputs into output segments cut at about targetSegmentBytes and at every tenant boundary. */
async function compact(
  job: WorkerJob,
  nextPath: () => Promise<string>,
): Promise<{ outputs: CompactionOutput[]; expired: KeyPacker }> {
  const readers: SegmentReader[] = []
  try {
    for (const [source, path] of job.inputs.entries()) readers.push(await openSegment(path, source))
    const expired = new KeyPacker()
    const merged = liveGenerations(
      mergeBatches(
        readers.map((reader) => reader.scanBatches(undefined, undefined, { fillCache: false })),
        { dropTombstones: job.dropTombstones, now: job.now, onExpired: (entry) => expired.add(entry.key) },
      ),
      job.generations,
    )[Symbol.asyncIterator]()
    const outputs: CompactionOutput[] = []
    try {
      let next = await merged.next()
      while (!next.done) {
        const path = await nextPath()
        let bytes = 0
        const cut = async function* (): AsyncIterableIterator<SegmentEntry> {
          while (!next.done) {
            const entry = next.value
            yield entry
            bytes += entry.key.length + entry.value.length + 16
            next = await merged.next()
            if (bytes >= job.targetSegmentBytes) return
            // One tenant per segment, so tiering can move a tenant's range alone.
            if (!next.done && tenantOfKey(next.value.key) !== tenantOfKey(entry.key)) return
          }
        }
        outputs.push({ path, meta: await writeSegment(path, cut()) })
      }
    } finally {
      await merged.return?.()
    }
    return { outputs, expired }
  } finally {
    await Promise.allSettled(readers.map((reader) => reader.close()))
  }
}

/**
 * Leaves out entries of database generations older than the manifest's (a FLUSHDB made them
 * dead): compaction reclaims their space.
 */
async function* liveGenerations(
  batches: AsyncIterable<readonly SegmentEntry[]>,
  generations: readonly { readonly db: number; readonly gen: number }[],
): AsyncIterableIterator<SegmentEntry> {
  if (generations.length === 0) {
    yield* entriesOf(batches)
    return
  }
  const current = new Map(generations.map((g) => [g.db, g.gen]))
  for await (const entry of entriesOf(batches)) {
    const decoded = decodeStoreKey(entry.key)
    if (decoded !== undefined && decoded.gen < (current.get(decoded.space) ?? 0)) continue
    yield entry
  }
}
