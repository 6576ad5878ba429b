#!/usr/bin/env node
// How soon does the event loop learn that a WAL append is durable? Sequential appends (2.5 KB
// written over a preallocated file, then fdatasync), each awaited before the next as the group
// commit does, under load, through several completion mechanisms. bench/wal-wakeup.md describes
// the variants, the options and the results.
//
//   node bench/wal-wakeup.mjs [--load echo|server|none] [--clients 50] [--rounds 6] [--seconds 3]
//                             [--bytes 2560] [--work-us 0] [--variants pool,committer,...]
//
// Builds its native half (bench/wal-wakeup.rs) with rustc into a temporary directory. --load
// echo and server need redis-benchmark on PATH; server also needs `npm run build`.

import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, workerData } from 'node:worker_threads'
import { DataType, isNullPointer, load, open } from 'ffi-rs'

const LIBRARY = 'wal_wakeup_probe'
const COMPLETION_BYTES = 32
/** Worker variant: the shared control words, then the payload. */
const CONTROL_WORDS = 4
const [REQUEST, DONE, STATUS, LENGTH] = [0, 1, 2, 3]
const HANDLE = DataType.External
/** The built probe library's path (the worker variant opens it in its own thread). */
let workerLibrary

function call(funcName, retType, paramsType, paramsValue) {
  return load({ library: LIBRARY, funcName, retType, paramsType, paramsValue })
}

function openProbe(path) {
  const handle = call('probe_open', HANDLE, [DataType.String], [path])
  if (isNullPointer(handle)) throw new Error(`cannot open ${path}`)
  return handle
}

const appendTypes = [HANDLE, DataType.U8Array, DataType.U64]
const setThreadSlice = (micros) => call('probe_set_thread_slice', DataType.I64, [DataType.U32], [micros])

if (isMainThread) await main()
else runWorker()

// ---- the mechanisms: each is { append(sequence, payload): Promise<void>, close() } ----

/** (a) as the binding does it: the synchronous append on the libuv pool, through ffi-rs runInNewThread. */
function poolVariant(handle) {
  const params = {
    library: LIBRARY,
    funcName: 'probe_append',
    retType: DataType.I32,
    paramsType: appendTypes,
    paramsValue: [handle, Buffer.alloc(0), 0],
    runInNewThread: true,
  }
  return {
    async append(_sequence, payload) {
      params.paramsValue[1] = payload
      params.paramsValue[2] = payload.length
      const status = await load(params)
      if (status !== 0) throw new Error(`append failed: ${status}`)
    },
    close() {},
  }
}

/**
 * (b) a writer thread of the library's own, fed by a synchronous call that copies the payload;
 * its completion messages arrive on a Unix socket that libuv watches. Each message carries when
 * the thread started and finished the record, which splits the latency into the hand-over
 * (submit to start), the disk work and the wake-up (finish to the 'data' callback).
 */
function committerVariant(handle, spinMicros, sliceMicros) {
  const fd = call('probe_committer_start', DataType.I32, [HANDLE, DataType.U32, DataType.U32], [handle, spinMicros, sliceMicros])
  if (fd < 0) throw new Error('probe_committer_start failed')
  const socket = new net.Socket({ fd, readable: true, writable: false })
  socket.unref()
  const submit = {
    library: LIBRARY,
    funcName: 'probe_submit',
    retType: DataType.I32,
    paramsType: [HANDLE, DataType.U64, DataType.U8Array, DataType.U64],
    paramsValue: [handle, 0, Buffer.alloc(0), 0],
  }
  const waiting = []
  const phases = { handOver: [], disk: [], wakeUp: [] }
  let submitted = 0n
  let partial = Buffer.alloc(0)
  socket.on('data', (chunk) => {
    const now = process.hrtime.bigint()
    const bytes = partial.length === 0 ? chunk : Buffer.concat([partial, chunk])
    let at = 0
    for (; at + COMPLETION_BYTES <= bytes.length; at += COMPLETION_BYTES) {
      const status = bytes.readInt32LE(at + 4)
      const started = bytes.readBigUInt64LE(at + 16)
      const finished = bytes.readBigUInt64LE(at + 24)
      phases.handOver.push(Number(started - submitted) / 1000)
      phases.disk.push(Number(finished - started) / 1000)
      phases.wakeUp.push(Number(now - finished) / 1000)
      const waiter = waiting.shift()
      if (waiting.length === 0) socket.unref()
      if (status === 0) waiter.resolve()
      else waiter.reject(new Error(`append failed: ${status}`))
    }
    partial = bytes.subarray(at)
  })
  return {
    append(sequence, payload) {
      submit.paramsValue[1] = sequence
      submit.paramsValue[2] = payload
      submit.paramsValue[3] = payload.length
      submitted = process.hrtime.bigint()
      if (load(submit) !== 0) return Promise.reject(new Error('submit failed'))
      // Referenced only while a completion is due: an idle probe keeps no process alive.
      if (waiting.length === 0) socket.ref()
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
    },
    /** Median hand-over, disk and wake-up times since the last call, in µs. */
    phases() {
      const result = Object.fromEntries(Object.entries(phases).map(([name, values]) => [name, median(values)]))
      for (const values of Object.values(phases)) values.length = 0
      return result
    },
    close() {
      socket.destroy()
    },
  }
}

/**
 * (c) a worker thread that appends synchronously; the event loop hands it the payload through
 * shared memory and learns of completion through Atomics.waitAsync.
 */
function workerVariant(path, sliceMicros) {
  const shared = new SharedArrayBuffer(CONTROL_WORDS * 4 + 1024 * 1024)
  const control = new Int32Array(shared, 0, CONTROL_WORDS)
  const data = Buffer.from(shared, CONTROL_WORDS * 4)
  const worker = new Worker(new URL(import.meta.url), { workerData: { shared, path, sliceMicros, library: workerLibrary } })
  let request = 0
  return {
    async append(_sequence, payload) {
      payload.copy(data)
      Atomics.store(control, LENGTH, payload.length)
      request++
      Atomics.store(control, REQUEST, request)
      Atomics.notify(control, REQUEST)
      const wait = Atomics.waitAsync(control, DONE, request - 1)
      if (wait.async) await wait.value
      const status = Atomics.load(control, STATUS)
      if (status !== 0) throw new Error(`append failed: ${status}`)
    },
    close() {
      Atomics.store(control, REQUEST, -1)
      Atomics.notify(control, REQUEST)
      return new Promise((resolve) => worker.once('exit', resolve))
    },
  }
}

function runWorker() {
  const { shared, path, sliceMicros, library } = workerData
  open({ library: LIBRARY, path: library })
  if (sliceMicros > 0) setThreadSlice(sliceMicros)
  const control = new Int32Array(shared, 0, CONTROL_WORDS)
  const data = Buffer.from(shared, CONTROL_WORDS * 4)
  const handle = openProbe(path)
  let seen = 0
  for (;;) {
    Atomics.wait(control, REQUEST, seen)
    seen = Atomics.load(control, REQUEST)
    if (seen < 0) break
    const length = Atomics.load(control, LENGTH)
    const status = call('probe_append', DataType.I32, appendTypes, [handle, data.subarray(0, length), length])
    Atomics.store(control, STATUS, status)
    Atomics.store(control, DONE, seen)
    Atomics.notify(control, DONE)
  }
  call('probe_close', DataType.I32, [HANDLE], [handle])
}

/** The reference: the same append made synchronously, blocking the event loop while it runs. */
function blockingVariant(handle) {
  const params = [handle, Buffer.alloc(0), 0]
  return {
    async append(_sequence, payload) {
      params[1] = payload
      params[2] = payload.length
      const status = call('probe_append', DataType.I32, appendTypes, params)
      if (status !== 0) throw new Error(`append failed: ${status}`)
    },
    close() {},
  }
}

// ---- modifiers ----

/** Sets the slice of every libuv pool thread: one call per thread, made concurrently so each takes one. */
function setPoolSlice(micros) {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4)
  return Promise.all(
    Array.from({ length: poolSize }, () =>
      load({ library: LIBRARY, funcName: 'probe_set_thread_slice', retType: DataType.I64, paramsType: [DataType.U32], paramsValue: [micros], runInNewThread: true }),
    ),
  )
}

/** Adds work before (begin) and after (end) each measured run. */
function around(variant, begin, end) {
  return {
    ...variant,
    begin: async () => {
      await variant.begin?.()
      await begin()
    },
    end: async () => {
      await end()
      await variant.end?.()
    },
  }
}

/** Keeps the event loop from sleeping while an append is in flight (setImmediate until it settles). */
function loopSpinning(variant) {
  return {
    ...variant,
    async append(sequence, payload) {
      let done = false
      const spin = () => {
        if (!done) setImmediate(spin)
      }
      setImmediate(spin)
      try {
        await variant.append(sequence, payload)
      } finally {
        done = true
      }
    },
  }
}

/** Starts each append in a microtask, after the caller's synchronous work, as the binding used to. */
function deferred(variant) {
  return {
    ...variant,
    async append(sequence, payload) {
      await undefined
      return variant.append(sequence, payload)
    },
  }
}

// ---- load ----

/** A RESP responder in this process that answers every PING with +PONG. */
async function startEcho() {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    socket.on('data', (chunk) => {
      let count = 0
      for (let at = chunk.indexOf('PING\r\n'); at >= 0; at = chunk.indexOf('PING\r\n', at + 6)) count++
      if (count > 0) socket.write('+PONG\r\n'.repeat(count))
    })
    socket.on('error', () => {})
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: server.address().port, close: () => server.close() }
}

/** The built server without persistence, in a process of its own: load on the CPUs, not on this loop. */
async function startServer(dir) {
  const bin = fileURLToPath(new URL('../bin/we-trust-redis.js', import.meta.url))
  const child = spawn(process.execPath, [bin, '--port', '0', '--dir', dir, '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const port = await new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk) => {
      text += chunk
      const match = /Ready to accept connections.*:(\d+)\s*$/m.exec(text)
      if (match) resolve(Number(match[1]))
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => reject(new Error(`the server exited (${code}): ${text}`)))
  })
  return { port, close: () => child.kill() }
}

function startBenchmark(port, test, clients) {
  const args = ['-p', String(port), '-t', test, '-c', String(clients), '-P', '1', '-n', '2000000000', '-r', '100000', '-d', '64', '-q']
  const child = spawn('redis-benchmark', args, { stdio: 'ignore' })
  return () => child.kill()
}

// ---- measurement ----

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Synchronous work on the event loop, as writing the previous batch's replies is. */
function busy(micros) {
  const end = performance.now() + micros / 1000
  while (performance.now() < end);
}

/** Latency of each append from the call to the continuation after its promise settles, in µs. */
async function measure(variant, payload, seconds, workMicros) {
  const latencies = []
  const end = performance.now() + seconds * 1000
  let sequence = 0
  while (performance.now() < end) {
    const start = performance.now()
    const done = variant.append(sequence++, payload)
    if (workMicros > 0) busy(workMicros)
    await done
    latencies.push((performance.now() - start) * 1000)
  }
  latencies.sort((a, b) => a - b)
  return { count: latencies.length, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99) }
}

function parseArgs(argv) {
  const options = {
    load: 'echo',
    clients: 50,
    rounds: 6,
    seconds: 3,
    bytes: 2560,
    'work-us': 0,
    variants: 'pool,committer,worker,blocking',
  }
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '')
    if (!(name in options) || argv[i + 1] === undefined) throw new Error(`unknown option or missing value: ${argv[i]}`)
    options[name] = typeof options[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return options
}

function buildProbe(root) {
  const rustc = [join(homedir(), '.cargo', 'bin', 'rustc'), 'rustc'].find((candidate) => candidate === 'rustc' || existsSync(candidate))
  const output = join(root, process.platform === 'darwin' ? 'libprobe.dylib' : 'libprobe.so')
  const source = fileURLToPath(new URL('./wal-wakeup.rs', import.meta.url))
  execFileSync(rustc, ['--edition', '2021', '-O', '--crate-type', 'cdylib', '-o', output, source], { stdio: 'inherit' })
  return output
}

async function main() {
  const options = parseArgs(process.argv.slice(2))
  const root = mkdtempSync(join(tmpdir(), 'wtr-wal-wakeup-'))
  workerLibrary = buildProbe(root)
  open({ library: LIBRARY, path: workerLibrary })
  const payload = Buffer.alloc(options.bytes, 0x5a)
  const handles = []
  const probe = (name) => {
    const handle = openProbe(join(root, `${name}.data`))
    handles.push(handle)
    return handle
  }

  /**
   * A variant is a mechanism with modifiers, in this order: pool | committer | worker | blocking,
   * then -spin<µs> (committer: poll for the next record that long before sleeping), -slice<µs>
   * (the helper threads ask for that EEVDF slice), +main-slice<µs> (the event-loop thread does,
   * during the run), +loop-spin (setImmediate keeps the loop awake while an append is in flight),
   * +deferred (each append starts in a microtask, after the synchronous --work-us).
   */
  const make = (name) => {
    const parsed = /^(pool|committer|worker|blocking)(?:-spin(\d+))?(?:-slice(\d+))?(?:\+main-slice(\d+))?(\+loop-spin)?(\+deferred)?$/.exec(name)
    if (parsed === null) throw new Error(`unknown variant ${name}`)
    const [, mechanism, spin = '0', slice = '0', mainSlice = '0', loopSpin, defer] = parsed
    let variant
    if (mechanism === 'pool') variant = poolVariant(probe(name))
    else if (mechanism === 'committer') variant = committerVariant(probe(name), Number(spin), Number(slice))
    else if (mechanism === 'worker') variant = workerVariant(join(root, `${name}.data`), Number(slice))
    else variant = blockingVariant(probe(name))
    if (mechanism === 'pool' && slice !== '0') variant = around(variant, () => setPoolSlice(Number(slice)), () => setPoolSlice(0))
    if (mainSlice !== '0') variant = around(variant, () => setThreadSlice(Number(mainSlice)), () => setThreadSlice(0))
    if (loopSpin !== undefined) variant = loopSpinning(variant)
    if (defer !== undefined) variant = deferred(variant)
    return variant
  }
  const names = options.variants.split(',')
  const variants = new Map(names.map((name) => [name, make(name)]))

  const stops = []
  if (options.load === 'echo') {
    const echo = await startEcho()
    stops.push(echo.close, startBenchmark(echo.port, 'ping', options.clients))
  } else if (options.load === 'server') {
    const server = await startServer(join(root, 'server'))
    stops.push(server.close, startBenchmark(server.port, 'set', options.clients))
  } else if (options.load !== 'none') throw new Error(`unknown load ${options.load}`)
  await new Promise((resolve) => setTimeout(resolve, 1000))

  const results = new Map(names.map((name) => [name, []]))
  for (let round = 0; round < options.rounds; round++) {
    // Alternate the order each round, so that no variant always follows the same one.
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) {
      const variant = variants.get(name)
      await variant.begin?.()
      const result = await measure(variant, payload, options.seconds, options['work-us'])
      await variant.end?.()
      result.phases = variant.phases?.()
      results.get(name).push(result)
      const phases = result.phases === undefined ? '' : `  (hand-over ${result.phases.handOver.toFixed(0)}, disk ${result.phases.disk.toFixed(0)}, wake-up ${result.phases.wakeUp.toFixed(0)} µs)`
      console.log(
        `round ${round + 1} ${name.padEnd(24)} n=${String(result.count).padStart(6)}  p50 ${result.p50.toFixed(0).padStart(5)} µs  p90 ${result.p90.toFixed(0).padStart(5)} µs  p99 ${result.p99.toFixed(0).padStart(6)} µs${phases}`,
      )
    }
  }
  for (const stop of stops) stop()
  for (const variant of variants.values()) await variant.close()
  for (const handle of handles) call('probe_close', DataType.I32, [HANDLE], [handle])
  rmSync(root, { recursive: true, force: true })

  console.log(
    `\nload ${options.load}${options.load === 'none' ? '' : ` (${options.clients} clients)`}, ${options.rounds} rounds of ${options.seconds} s, ` +
      `${options.bytes}-byte appends with fdatasync, ${options['work-us']} µs of synchronous work after each start; medians over the rounds`,
  )
  console.log('| variant | appends/s | p50 µs | p90 µs | p99 µs | hand-over / disk / wake-up µs (p50) |')
  console.log('|---|---|---|---|---|---|')
  for (const name of names) {
    const runs = results.get(name)
    const rate = median(runs.map((r) => r.count / options.seconds))
    const phases = runs[0].phases === undefined ? '' : ['handOver', 'disk', 'wakeUp'].map((phase) => median(runs.map((r) => r.phases[phase])).toFixed(0)).join(' / ')
    console.log(
      `| ${name} | ${rate.toFixed(0)} | ${median(runs.map((r) => r.p50)).toFixed(0)} | ${median(runs.map((r) => r.p90)).toFixed(0)} | ${median(runs.map((r) => r.p99)).toFixed(0)} | ${phases} |`,
    )
  }
}
