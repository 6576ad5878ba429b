#!/usr/bin/env node
// Datasets far larger than memory: load KEYS values into a server capped by --maxmemory, then
// measure what a larger-than-memory store promises: resident memory near the cap, GET latency
// over the whole keyspace (uniform and zipf-skewed), bytes on disk per logical byte, and restart
// time after SHUTDOWN and after SIGKILL. Every value read back is checked, so a lost or corrupted
// key fails the run (exit 1) whatever the timings. bench/larger-than-memory.md describes the
// scenario; bench/larger-than-memory.sh builds dist/ and runs this file.
//
// Configuration is by environment (names and defaults in readConfig below). The markdown report goes to
// stdout, progress to stderr, and the same numbers as JSON to $OUT when it is set.

import { spawn, execFileSync } from 'node:child_process'
import { createWriteStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..')

// ---------------------------------------------------------------------------------------------
// Configuration

const env = process.env

/** Redis's memtoll units, so MAXMEMORY reads exactly as the server's --maxmemory does. */
const MEMORY_UNITS = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 }

function parseMemory(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? MEMORY_UNITS[m[2].toLowerCase()] : undefined
  if (unit === undefined) throw new Error(`not a memory size: ${JSON.stringify(text)}`)
  return Math.round(Number(m[1]) * unit)
}

function integerEnv(name, fallback, min, max = Number.MAX_SAFE_INTEGER) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw.replaceAll('_', ''))
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`)
  return n
}

function numberEnv(name, fallback, min) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got ${JSON.stringify(raw)}`)
  return n
}

const KEY_PREFIX = 'key:'
const KEY_DIGITS = 10
const KEY_LENGTH = KEY_PREFIX.length + KEY_DIGITS

function readConfig() {
  const keys = integerEnv('KEYS', 5_000_000, 1, 0xffff_ffff)
  const maxmemoryText = env.MAXMEMORY || '100mb'
  const appendfsync = (env.APPENDFSYNC || 'everysec').toLowerCase()
  if (!['always', 'everysec', 'no'].includes(appendfsync)) throw new Error(`APPENDFSYNC must be always, everysec or no, got ${appendfsync}`)
  return {
    keys,
    valueSize: integerEnv('VALUE_SIZE', 200, 1, 64 * 1024 * 1024),
    maxmemoryText,
    maxmemory: parseMemory(maxmemoryText),
    appendfsync,
    /** The server's entry script; another build can be measured by pointing SERVER at its bin. */
    serverEntry: env.SERVER || join(REPO, 'bin', 'we-trust-redis.js'),
    /** Extra server flags, split on whitespace (e.g. SERVER_ARGS="--wal-segment-size 64mb"). */
    serverArgs: (env.SERVER_ARGS || '').split(/\s+/).filter(Boolean),
    loadConnections: integerEnv('LOAD_CONNECTIONS', 8, 1, 1024),
    loadDepth: integerEnv('LOAD_DEPTH', 64, 1, 65536),
    getClients: integerEnv('GET_CLIENTS', 50, 1, 10000),
    getSeconds: numberEnv('GET_SECONDS', 10, 0.1),
    /** Requests before each GET measurement starts recording (still verified). */
    warmupSeconds: numberEnv('WARMUP_SECONDS', 1, 0),
    zipfExponent: numberEnv('ZIPF_S', 0.99, 0.01),
    spotChecks: integerEnv('SPOT_CHECKS', 1000, 1, 10_000_000),
    /** Wait for the load's compactions to finish before the GET phases (steady-state reads). */
    settle: env.SETTLE === '1',
    settleTimeoutMs: numberEnv('SETTLE_TIMEOUT_S', 600, 1) * 1000,
    seed: integerEnv('SEED', 12345, 0, 0xffff_ffff),
    /** The start-up wait scales with the data a restart may replay. */
    readyTimeoutMs: numberEnv('READY_TIMEOUT_S', 30 + keys / 10_000, 1) * 1000,
    shutdownTimeoutMs: numberEnv('SHUTDOWN_TIMEOUT_S', 30 + keys / 20_000, 1) * 1000,
    /** A phase fails when the server answers nothing for this long. */
    stallTimeoutMs: numberEnv('STALL_TIMEOUT_S', 60, 1) * 1000,
    progressMs: numberEnv('PROGRESS_S', 5, 0.1) * 1000,
    rssSampleMs: 200,
    keep: env.KEEP === '1',
    strict: env.STRICT === '1',
    out: env.OUT || '',
  }
}

/** The targets a larger-than-memory store is held to. */
const TARGETS = { rssRatio: 2, getP99Ms: 2, restartMs: 2000 }

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: a small seeded 32-bit generator; enough for key picks, not for cryptography. */
function makeRandom(seed) {
  let state = seed >>> 0
  const next32 = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return (t ^ (t >>> 14)) >>> 0
  }
  /** A double in [0, 1) with 53 random bits (zipf's tail needs more than 32). */
  const double = () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992
  return { next32, double, below: (n) => Math.floor(double() * n) }
}

/**
 * Zipf over ranks 1..n with exponent s, by rejection-inversion (Hörmann and Derflinger, 1996, as
 * in Apache Commons RNG's RejectionInversionZipfSampler): O(1) memory and time per sample at any n.
 */
function makeZipf(n, exponent, random) {
  const helper1 = (x) => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x)))
  const helper2 = (x) => (Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + 0.25 * x)))
  const h = (x) => Math.exp(-exponent * Math.log(x))
  const hIntegral = (x) => {
    const logX = Math.log(x)
    return helper2((1 - exponent) * logX) * logX
  }
  const hIntegralInverse = (x) => {
    let t = x * (1 - exponent)
    if (t < -1) t = -1
    return Math.exp(helper1(t) * x)
  }
  const hIntegralX1 = hIntegral(1.5) - 1
  const hIntegralN = hIntegral(n + 0.5)
  const squeeze = 2 - hIntegralInverse(hIntegral(2.5) - h(2))
  return function sampleRank() {
    for (;;) {
      const u = hIntegralN + random.double() * (hIntegralX1 - hIntegralN)
      const x = hIntegralInverse(u)
      let k = Math.floor(x + 0.5)
      if (k < 1) k = 1
      else if (k > n) k = n
      if (k - x <= squeeze || u >= hIntegral(k + 0.5) - h(k)) return k
    }
  }
}

/** A seeded Fisher-Yates permutation of 0..n-1, so zipf's hot ranks land on scattered keys. */
function permutation(n, random) {
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = random.below(i + 1)
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
  return order
}

// ---------------------------------------------------------------------------------------------
// Keys, values and RESP requests

/** Writes index as the 10 ASCII digits of key:%010d. */
function writeDigits(buf, offset, index) {
  let n = index
  for (let i = KEY_DIGITS - 1; i >= 0; i--) {
    const d = n % 10
    buf[offset + i] = 48 + d
    n = (n - d) / 10
  }
}

const keyName = (index) => KEY_PREFIX + String(index).padStart(KEY_DIGITS, '0')

/**
 * A key's value: its 10 digits (readable in redis-cli), then bytes from a generator seeded by the
 * index. The bytes are incompressible, so a store that compresses cannot flatter the space
 * amplification, and any value read back can be regenerated and compared byte for byte. A value
 * shorter than 10 bytes holds the low digits only, so neighbouring keys still differ.
 */
function writeValue(buf, offset, index, size) {
  const digits = Math.min(KEY_DIGITS, size)
  const skipped = KEY_DIGITS - digits
  let n = index
  for (let i = KEY_DIGITS - 1; i >= skipped; i--) {
    const d = n % 10
    buf[offset + i - skipped] = 48 + d
    n = (n - d) / 10
  }
  let state = (Math.imul(index >>> 0, 0x9e3779b1) ^ Math.floor(index / 0x1_0000_0000) ^ 0x5bd1e995) | 0
  for (let i = digits; i < size; i += 4) {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    t ^= t >>> 14
    const end = Math.min(4, size - i)
    for (let b = 0; b < end; b++) buf[offset + i + b] = (t >>> (8 * b)) & 0xff
  }
}

function makeCodec(valueSize) {
  const setHead = Buffer.from(`*3\r\n$3\r\nSET\r\n$${KEY_LENGTH}\r\n${KEY_PREFIX}`)
  const setMiddle = Buffer.from(`\r\n$${valueSize}\r\n`)
  const setLength = setHead.length + KEY_DIGITS + setMiddle.length + valueSize + 2
  const getTemplate = Buffer.from(`*2\r\n$3\r\nGET\r\n$${KEY_LENGTH}\r\n${KEY_PREFIX}${'0'.repeat(KEY_DIGITS)}\r\n`)
  const getDigitsAt = getTemplate.length - 2 - KEY_DIGITS
  const expected = Buffer.alloc(valueSize)

  return {
    /** SET commands for indexes first..first+count-1, in one buffer. */
    sets(first, count) {
      const buf = Buffer.allocUnsafe(setLength * count)
      let at = 0
      for (let index = first; index < first + count; index++) {
        setHead.copy(buf, at)
        at += setHead.length
        writeDigits(buf, at, index)
        at += KEY_DIGITS
        setMiddle.copy(buf, at)
        at += setMiddle.length
        writeValue(buf, at, index, valueSize)
        at += valueSize
        buf[at++] = 13
        buf[at++] = 10
      }
      return buf
    },
    get(index) {
      return this.getInto(Buffer.from(getTemplate), index)
    },
    /** A GET request buffer of one's own, for getInto. */
    getBuffer: () => Buffer.from(getTemplate),
    /** `buf` (from getBuffer) made the GET of key index, in place. */
    getInto(buf, index) {
      writeDigits(buf, getDigitsAt, index)
      return buf
    },
    /** Sorts a GET reply for key index into one of the outcome counters' names. */
    judge(reply, index) {
      if (reply.kind === 'error') return 'errors'
      if (reply.kind === 'nil') return 'missing'
      if (reply.kind !== 'bulk') return 'errors'
      return this.judgeBulk(reply.value, 0, reply.value.length, index)
    },
    /** judge for a bulk reply whose payload is bytes [start, start + length) of buf. */
    judgeBulk(buf, start, length, index) {
      if (length !== valueSize) return 'wrongLength'
      writeValue(expected, 0, index, valueSize)
      return buf.compare(expected, 0, valueSize, start, start + length) === 0 ? 'ok' : 'wrongContent'
    },
  }
}

const newOutcomes = () => ({ ok: 0, missing: 0, wrongLength: 0, wrongContent: 0, errors: 0 })
const failures = (o) => o.missing + o.wrongLength + o.wrongContent + o.errors

// ---------------------------------------------------------------------------------------------
// RESP replies and the client connection

const EMPTY = Buffer.alloc(0)
/** Bytes each connection reads into, reused by every read (see Client.connect). */
const READ_BUFFER_BYTES = 64 * 1024

/** Incremental RESP2/RESP3 reply parser for the scalar replies this scenario sees. */
class ReplyReader {
  buf = EMPTY
  at = 0

  /** `chunk` may be a view of a buffer the next read overwrites: see keepRest. */
  push(chunk) {
    this.buf = this.at < this.buf.length ? Buffer.concat([this.buf.subarray(this.at), chunk]) : chunk
    this.at = 0
  }

  /** Copies the bytes of an incomplete reply out of the read buffer, before the next read reuses it. */
  keepRest() {
    this.buf = this.at < this.buf.length ? Buffer.from(this.buf.subarray(this.at)) : EMPTY
    this.at = 0
  }

  /** The next complete reply, or undefined until more bytes arrive. */
  next() {
    const { buf } = this
    const start = this.at
    if (start >= buf.length) return undefined
    const lineEnd = buf.indexOf(13, start)
    if (lineEnd < 0 || lineEnd + 1 >= buf.length) return undefined
    const type = buf[start]
    const line = () => buf.toString('latin1', start + 1, lineEnd)
    switch (type) {
      case 43: // '+'
        this.at = lineEnd + 2
        return { kind: 'status', value: line() }
      case 45: // '-'
        this.at = lineEnd + 2
        return { kind: 'error', value: line() }
      case 58: // ':'
        this.at = lineEnd + 2
        return { kind: 'integer', value: Number(line()) }
      case 95: // '_' (RESP3 null)
        this.at = lineEnd + 2
        return { kind: 'nil' }
      case 36: { // '$'
        const length = Number(line())
        if (length < 0) {
          this.at = lineEnd + 2
          return { kind: 'nil' }
        }
        const bodyStart = lineEnd + 2
        if (buf.length < bodyStart + length + 2) return undefined
        this.at = bodyStart + length + 2
        return { kind: 'bulk', value: buf.subarray(bodyStart, bodyStart + length) }
      }
      default:
        throw new Error(`unexpected reply type ${JSON.stringify(String.fromCharCode(type))}`)
    }
  }
}

/**
 * The payload length when `buf` is exactly one bulk reply (`$<n>\r\n<n bytes>\r\n`), else -1.
 */
function wholeBulk(buf) {
  if (buf.length < 5 || buf[0] !== 36) return -1
  let n = 0
  let i = 1
  for (; i < buf.length && buf[i] >= 48 && buf[i] <= 57; i++) n = n * 10 + buf[i] - 48
  if (i === 1 || buf[i] !== 13 || buf[i + 1] !== 10) return -1
  return buf.length === i + 2 + n + 2 && buf[buf.length - 2] === 13 && buf[buf.length - 1] === 10 ? n : -1
}

/**
 * A reply that may outlive its read: a bulk value is a view of the connection's read buffer,
 * which the next read overwrites (callbacks that judge a reply at once need no copy).
 */
const ownReply = (reply) => (reply.kind === 'bulk' ? { kind: 'bulk', value: Buffer.from(reply.value) } : reply)

/**
 * One connection. Replies go to `onReply` when a phase installs its own handler (the pipelined
 * load), otherwise to the callbacks of `request` in order.
 */
class Client {
  reader = new ReplyReader()
  callbacks = []
  onReply = undefined
  /**
   * When set (the GET phases): a read that holds exactly one whole bulk reply, with nothing left
   * over from earlier reads, goes here as (buf, start, length) of its payload, with no reply
   * object, view or copy; any other read takes the general path. Garbage the measuring client
   * makes is collection pauses that land in the latencies it measures.
   */
  onBulk = undefined
  closedByUs = false

  constructor(socket) {
    this.socket = socket
    /** Rejects if the connection ends without close() having been called. */
    this.lost = new Promise((_, reject) => {
      let cause = ''
      socket.on('error', (err) => { cause = `: ${err.message}` })
      socket.on('close', () => { if (!this.closedByUs) reject(new Error(`the server closed a connection${cause}`)) })
    })
    this.lost.catch(() => {})
    socket.setNoDelay(true)
  }

  /** One read's bytes, a view of the connection's read buffer: every reply is handled before it returns. */
  onRead(chunk) {
    if (this.onBulk !== undefined && this.reader.at >= this.reader.buf.length && this.callbacks.length === 1) {
      const length = wholeBulk(chunk)
      if (length >= 0) {
        this.callbacks.length = 0
        this.onBulk(chunk, chunk.length - 2 - length, length)
        return
      }
    }
    this.reader.push(chunk)
    for (let reply = this.reader.next(); reply !== undefined; reply = this.reader.next()) {
      if (this.onReply) this.onReply(reply)
      else {
        const callback = this.callbacks.shift()
        if (!callback) throw new Error('reply with no request waiting')
        callback(reply)
      }
    }
    this.reader.keepRest()
  }

  static connect(port, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      // Reads land in one buffer per connection (`onread`), not in a new Buffer per read through
      // the readable stream: the client's CPU per request is CPU the server does not get.
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
      let client
      const onread = { buffer: readBuffer, callback: (bytes) => { client?.onRead(readBuffer.subarray(0, bytes)); return true } }
      const socket = net.connect({ host: '127.0.0.1', port, onread })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to 127.0.0.1:${port} timed out`))
      }, timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        client = new Client(socket)
        resolve(client)
      })
      socket.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  }

  request(buf, callback) {
    this.callbacks.push(callback)
    this.socket.write(buf)
  }

  /** One command (words are strings), as a promise that fails after timeoutMs. */
  command(words, timeoutMs = 30_000) {
    const parts = [`*${words.length}\r\n`]
    for (const w of words) parts.push(`$${Buffer.byteLength(w)}\r\n${w}\r\n`)
    return withTimeout(new Promise((resolve) => this.request(Buffer.from(parts.join('')), (reply) => resolve(ownReply(reply)))), timeoutMs, `${words[0]} timed out`)
  }

  close() {
    this.closedByUs = true
    this.socket.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting, timing and cleanup

const nowNs = () => process.hrtime.bigint()
const msSince = (startNs) => Number(nowNs() - startNs) / 1e6
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** message may be a function, so that it describes the moment the wait ran out. */
function withTimeout(promise, ms, message) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(typeof message === 'function' ? message() : message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Every server this run started, so any exit path can kill exactly those PIDs. */
const liveServers = new Set()
let scratchRoot = ''
let keepScratch = false

/** SIGKILLs every server this run started; the promise settles once they are gone (or after 10 s). */
function killLiveServers() {
  const exits = []
  for (const server of liveServers) {
    server.expectExit = true
    try { process.kill(server.pid, 'SIGKILL') } catch { /* already gone */ }
    exits.push(server.exited)
  }
  liveServers.clear()
  return withTimeout(Promise.all(exits), 10_000, 'a killed server did not exit').catch((err) => log(err.message))
}

function removeScratch() {
  if (!scratchRoot) return
  if (keepScratch) log(`kept ${scratchRoot} (server-<n>.log and data/)`)
  else rmSync(scratchRoot, { recursive: true, force: true, maxRetries: 5 })
  scratchRoot = ''
}

const log = (message) => process.stderr.write(`[larger-than-memory] ${message}\n`)

// ---------------------------------------------------------------------------------------------
// The server process

/** Peak and latest VmRSS / VmHWM of one process, from /proc/<pid>/status, in bytes. */
function readProcMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1')
    const field = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
      return m ? Number(m[1]) * 1024 : undefined
    }
    return { rss: field('VmRSS'), hwm: field('VmHWM') }
  } catch {
    return undefined
  }
}

/**
 * A spawned server: its PID, start-up time, log (to a file in the scratch directory) and RSS
 * samples. `crashed` rejects if the process exits while no one asked it to.
 */
class ServerProcess {
  static sequence = 0

  constructor(config, dataDir, label) {
    this.label = label
    this.number = ++ServerProcess.sequence
    this.logPath = join(scratchRoot, `server-${this.number}.log`)
    this.expectExit = false
    this.rss = { last: 0, sampledPeak: 0, hwm: 0, samples: 0 }
    this.loadedLine = ''
    /** The last lines the server printed, for error messages. */
    this.recentLines = []
    const args = [
      config.serverEntry, '--port', '0', '--dir', dataDir,
      '--maxmemory', config.maxmemoryText, '--appendonly', 'yes', '--appendfsync', config.appendfsync,
      ...config.serverArgs,
    ]
    this.spawnedAt = nowNs()
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.pid = this.child.pid
    if (this.pid === undefined) throw new Error('could not spawn the server')
    liveServers.add(this)
    const logFile = createWriteStream(this.logPath)
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        liveServers.delete(this)
        clearInterval(this.sampler)
        resolve({ code, signal })
      })
    })
    const outputClosed = new Promise((resolve) => this.child.once('close', resolve))
    this.crashed = this.exited.then(async ({ code, signal }) => {
      if (this.expectExit) return new Promise(() => {})
      await Promise.race([outputClosed, sleep(1000)])
      throw new Error(`server ${this.pid} exited unexpectedly (code ${code}, signal ${signal}); its last lines:\n${this.logTail()}`)
    })
    this.crashed.catch(() => {})

    let pending = ''
    let resolveReady
    this.ready = new Promise((resolve) => { resolveReady = resolve })
    const scan = (chunk) => {
      logFile.write(chunk)
      pending += chunk.toString('utf8')
      let newline
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        this.recentLines.push(line)
        if (this.recentLines.length > 20) this.recentLines.shift()
        if (line.includes('DB loaded from disk')) this.loadedLine = line.replace(/^.*?\* /, '')
        const ready = /Ready to accept connections.*:(\d+)\s*$/.exec(line)
        if (ready && this.port === undefined) {
          this.readyMs = msSince(this.spawnedAt)
          this.port = Number(ready[1])
          resolveReady()
        }
      }
    }
    this.child.stdout.on('data', scan)
    this.child.stderr.on('data', scan)
    this.child.once('exit', () => logFile.end())

    this.sampler = setInterval(() => this.sampleMemory(), config.rssSampleMs)
    this.sampler.unref()
  }

  sampleMemory() {
    const mem = readProcMemory(this.pid)
    if (!mem || mem.rss === undefined) return this.rss
    this.rss.last = mem.rss
    this.rss.hwm = Math.max(this.rss.hwm, mem.hwm ?? 0)
    this.rss.sampledPeak = Math.max(this.rss.sampledPeak, mem.rss)
    this.rss.samples++
    return this.rss
  }

  logTail() {
    return this.recentLines.length ? this.recentLines.join('\n') : '(it printed nothing)'
  }

  async waitReady(timeoutMs) {
    await withTimeout(Promise.race([this.ready, this.crashed]), timeoutMs,
      () => `server ${this.pid} not ready after ${(timeoutMs / 1000).toFixed(0)} s; its last lines:\n${this.logTail()}`)
    this.sampleMemory()
    return this.readyMs
  }

  /** Sends sig to this PID and waits for the exit; SIGKILL if it outlives timeoutMs. */
  async stop(sig, timeoutMs) {
    this.expectExit = true
    if (liveServers.has(this)) process.kill(this.pid, sig)
    return this.waitExit(timeoutMs)
  }

  async waitExit(timeoutMs) {
    this.expectExit = true
    const startNs = nowNs()
    try {
      const how = await withTimeout(this.exited, timeoutMs, 'exit timed out')
      return { ...how, ms: msSince(startNs), forced: false }
    } catch {
      log(`server ${this.pid} still running after ${(timeoutMs / 1000).toFixed(0)} s; sending SIGKILL`)
      try { process.kill(this.pid, 'SIGKILL') } catch { /* already gone */ }
      const how = await withTimeout(this.exited, 10_000, `server ${this.pid} survived SIGKILL`)
      return { ...how, ms: msSince(startNs), forced: true }
    }
  }
}

async function startServer(config, dataDir, label) {
  const server = new ServerProcess(config, dataDir, label)
  await server.waitReady(config.readyTimeoutMs)
  log(`${label}: server pid ${server.pid} ready on :${server.port} in ${server.readyMs.toFixed(0)} ms${server.loadedLine ? ` (${server.loadedLine})` : ''}`)
  return server
}

// ---------------------------------------------------------------------------------------------
// Phases

/**
 * Runs body until it settles, failing early if the server dies, drops one of the clients, or
 * answers nothing for STALL_TIMEOUT_S.
 */
async function supervise(server, config, clients, progressOf, body) {
  let watchdog
  const stalled = new Promise((_, reject) => {
    let lastProgress = progressOf()
    let lastChange = Date.now()
    watchdog = setInterval(() => {
      const progress = progressOf()
      if (progress !== lastProgress) {
        lastProgress = progress
        lastChange = Date.now()
      } else if (Date.now() - lastChange > config.stallTimeoutMs) {
        reject(new Error(`no reply from server ${server.pid} for ${config.stallTimeoutMs / 1000} s`))
      }
    }, 500)
  })
  try {
    // A dropped connection is usually the first sign of a crash; the crash's message says more.
    const dropped = clients.map((c) => c.lost.catch(async (err) => {
      await Promise.race([server.crashed, sleep(1000)])
      throw err
    }))
    return await Promise.race([body(), stalled, server.crashed, ...dropped])
  } finally {
    clearInterval(watchdog)
  }
}

async function loadPhase(server, config, codec) {
  const { keys, loadConnections, loadDepth } = config
  const clients = await Promise.all(Array.from({ length: loadConnections }, () => Client.connect(server.port)))
  let next = 0
  let acked = 0
  let errorReplies = 0
  const errorSamples = []
  const startNs = nowNs()
  let lastReport = { ns: startNs, acked: 0 }
  const progress = setInterval(() => {
    const rss = server.sampleMemory()
    const at = nowNs()
    const rate = ((acked - lastReport.acked) * 1e9) / Number(at - lastReport.ns)
    lastReport = { ns: at, acked }
    log(`load: ${fmtInt(acked)} / ${fmtInt(keys)} keys (${((100 * acked) / keys).toFixed(1)}%), ${fmtInt(rate)} keys/s, RSS ${fmtBytes(rss.last)}`)
  }, config.progressMs)

  try {
    await supervise(server, config, clients, () => acked, () => new Promise((resolve) => {
      for (const client of clients) {
        let inFlight = 0
        const fill = () => {
          const count = Math.min(loadDepth - inFlight, keys - next)
          if (count <= 0) return
          const first = next
          next += count
          inFlight += count
          client.socket.write(codec.sets(first, count))
        }
        client.onReply = (reply) => {
          inFlight--
          acked++
          if (reply.kind === 'error') {
            errorReplies++
            if (errorSamples.length < 5) errorSamples.push(reply.value)
          }
          if (acked === keys) resolve()
          else if (inFlight <= loadDepth / 2) fill()
        }
        fill()
      }
    }))
  } finally {
    clearInterval(progress)
    for (const c of clients) c.close()
  }
  const seconds = msSince(startNs) / 1000
  return { keys, seconds, keysPerSecond: keys / seconds, errorReplies, errorSamples }
}

/**
 * Closed-loop GETs: each of GET_CLIENTS connections keeps one request in flight, keys from
 * pickIndex. Every latency after the warm-up is recorded (from performance.now(), a double with
 * sub-microsecond resolution: two BigInts per request were a visible share of the client's own
 * CPU, which it takes from the server on a small machine) and every reply is checked against the
 * value the load wrote.
 */
async function getPhase(server, config, codec, name, pickIndex) {
  const clients = await Promise.all(Array.from({ length: config.getClients }, () => Client.connect(server.port)))
  const outcomes = newOutcomes()
  const failureSamples = []
  let latencies = new Float64Array(1 << 20)
  let recorded = 0
  let completed = 0
  let completedInWindow = 0
  const startMs = performance.now()
  const recordFromMs = startMs + config.warmupSeconds * 1000
  const endMs = recordFromMs + config.getSeconds * 1000
  let finished = 0
  const cpuBefore = process.cpuUsage()

  log(`${name}: ${config.getClients} clients × 1 in flight, ${config.warmupSeconds} s warm-up + ${config.getSeconds} s`)
  await supervise(server, config, clients, () => completed, () => new Promise((resolve) => {
    // One callback per connection, not a closure per request: the client's garbage is
    // collection time it takes from the server's share of the machine.
    const loopOf = (client) => {
      let index = 0
      let sentMs = 0
      // Patched in place for each GET: the write before it has reached the server once its reply is in.
      const request = codec.getBuffer()
      const done = (reply) => finish(codec.judge(reply, index), reply)
      client.onBulk = (buf, start, length) => finish(codec.judgeBulk(buf, start, length, index), undefined)
      const finish = (outcome, reply) => {
        const doneMs = performance.now()
        completed++
        if (doneMs >= recordFromMs && doneMs < endMs) completedInWindow++
        // Every request sent in the window is timed, including those that finish after it: a
        // slow reply at the end must count.
        if (sentMs >= recordFromMs) {
          if (recorded === latencies.length) {
            const grown = new Float64Array(latencies.length * 2)
            grown.set(latencies)
            latencies = grown
          }
          latencies[recorded++] = (doneMs - sentMs) * 1e6
        }
        outcomes[outcome]++
        if (outcome !== 'ok' && failureSamples.length < 10) {
          failureSamples.push(`${keyName(index)}: ${outcome}${reply?.kind === 'error' ? ` (${reply.value})` : ''}`)
        }
        if (doneMs < endMs) send()
        else if (++finished === clients.length) resolve()
      }
      const send = () => {
        index = pickIndex()
        sentMs = performance.now()
        client.request(codec.getInto(request, index), done)
      }
      return send
    }
    for (const send of clients.map(loopOf)) send()
  })).finally(() => { for (const c of clients) c.close() })
  const cpu = process.cpuUsage(cpuBefore)

  const sorted = latencies.subarray(0, recorded).sort()
  const at = (q) => (recorded === 0 ? NaN : sorted[Math.min(recorded - 1, Math.max(0, Math.ceil(q * recorded) - 1))] / 1000)
  const result = {
    name,
    requests: completed,
    recorded,
    opsPerSecond: completedInWindow / config.getSeconds,
    latencyUs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: at(1), mean: mean(sorted) / 1000 },
    /** This process's CPU per request: the share of the machine the measuring client takes. */
    clientCpuUsPerRequest: (cpu.user + cpu.system) / completed,
    outcomes,
    failureSamples,
  }
  log(`${name}: ${fmtInt(result.opsPerSecond)} GET/s, p50 ${fmtUs(result.latencyUs.p50)}, p99 ${fmtUs(result.latencyUs.p99)}, p99.9 ${fmtUs(result.latencyUs.p999)}, max ${fmtUs(result.latencyUs.max)}; ${failures(outcomes)} bad replies`)
  return result
}

function mean(values) {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]
  return values.length ? sum / values.length : NaN
}

/** SPOT_CHECKS random keys, pipelined on one connection, each value compared byte for byte; plus DBSIZE. */
async function spotCheck(server, config, codec, random) {
  const client = await Client.connect(server.port)
  try {
    const outcomes = newOutcomes()
    const failureSamples = []
    const batch = 500
    for (let done = 0; done < config.spotChecks; done += batch) {
      const indexes = Array.from({ length: Math.min(batch, config.spotChecks - done) }, () => random.below(config.keys))
      const replies = indexes.map((index) => new Promise((resolve) => client.request(codec.get(index), (reply) => resolve(ownReply(reply)))))
      const settled = await withTimeout(Promise.race([Promise.all(replies), server.crashed, client.lost]), config.stallTimeoutMs, 'spot-check timed out')
      settled.forEach((reply, i) => {
        const outcome = codec.judge(reply, indexes[i])
        outcomes[outcome]++
        if (outcome !== 'ok' && failureSamples.length < 10) failureSamples.push(`${keyName(indexes[i])}: ${outcome}`)
      })
    }
    const dbsize = await client.command(['DBSIZE'], config.stallTimeoutMs)
    return { checked: config.spotChecks, outcomes, failureSamples, dbsize: dbsize.kind === 'integer' ? dbsize.value : String(dbsize.value) }
  } finally {
    client.close()
  }
}

/**
 * Waits until the store has run no compaction for two seconds (INFO persistence,
 * store_compaction_in_progress, polled every 500 ms); returns the seconds waited.
 */
async function settleCompactions(server, config) {
  const started = performance.now()
  const client = await Client.connect(server.port)
  try {
    for (let idle = 0; idle < 4; ) {
      if (performance.now() - started > config.settleTimeoutMs) throw new Error('compactions did not settle in time')
      const reply = await client.command(['INFO', 'persistence'], config.stallTimeoutMs)
      const busy = reply.kind === 'bulk' && /store_compaction_in_progress:1/.test(reply.value.toString('utf8'))
      idle = busy ? 0 : idle + 1
      await sleep(500)
    }
    return (performance.now() - started) / 1000
  } finally {
    client.close()
  }
}

async function infoMemory(server) {
  const client = await Client.connect(server.port)
  try {
    const reply = await client.command(['INFO', 'memory'])
    const fields = {}
    if (reply.kind === 'bulk') {
      for (const line of reply.value.toString('utf8').split('\r\n')) {
        const m = /^(used_memory|used_memory_dataset|wtr_[a-z_]+):(\d+)$/.exec(line)
        if (m) fields[m[1]] = Number(m[2])
      }
    }
    return fields
  } finally {
    client.close()
  }
}

/** Apparent size (sum of file sizes) and allocated size (st_blocks) of everything under dir. */
function diskUsage(dir) {
  let apparent = 0
  let allocated = 0
  let files = 0
  const walk = (path) => {
    const stat = lstatSync(path)
    if (stat.isDirectory()) {
      allocated += stat.blocks * 512
      for (const name of readdirSync(path)) walk(join(path, name))
    } else {
      apparent += stat.size
      allocated += stat.blocks * 512
      files++
    }
  }
  walk(dir)
  return { apparent, allocated, files }
}

function spaceAmplification(dataDir, config) {
  const logical = config.keys * (KEY_LENGTH + config.valueSize)
  const usage = diskUsage(dataDir)
  return { ...usage, logical, ratio: usage.apparent / logical, allocatedRatio: usage.allocated / logical }
}

/** SHUTDOWN over the protocol; SIGTERM if the command cannot be sent. */
async function requestShutdown(server, config) {
  server.expectExit = true
  const startNs = nowNs()
  try {
    const client = await Client.connect(server.port)
    client.socket.on('error', () => {})
    client.request(Buffer.from('*1\r\n$8\r\nSHUTDOWN\r\n'), (reply) => {
      if (reply.kind === 'error') log(`SHUTDOWN refused: ${reply.value}; the exit wait will fall back to SIGKILL`)
    })
  } catch (err) {
    log(`could not send SHUTDOWN (${err.message}); sending SIGTERM`)
    process.kill(server.pid, 'SIGTERM')
  }
  const exit = await server.waitExit(config.shutdownTimeoutMs)
  return { ...exit, ms: msSince(startNs) }
}

// ---------------------------------------------------------------------------------------------
// Formatting and the report

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a')
const fmtUs = (us) => (!Number.isFinite(us) ? 'n/a' : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`)
const fmtMs = (ms) => (!Number.isFinite(ms) ? 'n/a' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${fmtInt(ms)} ms`)

function fmtBytes(bytes) {
  if (!Number.isFinite(bytes)) return 'n/a'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

const verdict = (met) => (met ? 'met' : '**missed**')

function machineInfo() {
  const cpus = os.cpus()
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
    const dirty = execFileSync('git', ['-C', REPO, 'status', '--porcelain', '--untracked-files=no'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
    if (dirty) commit += ' (uncommitted changes)'
  } catch { /* not a checkout */ }
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    memory: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  }
}

/** Markdown unless plain: the bold marks a failure in the report, not in the progress log. */
function outcomeText(o, plain = false) {
  const bad = failures(o)
  if (bad === 0) return `${fmtInt(o.ok)} ok`
  const mark = plain ? '' : '**'
  return `${mark}${fmtInt(bad)} BAD${mark} (missing ${o.missing}, wrong length ${o.wrongLength}, wrong content ${o.wrongContent}, errors ${o.errors}); ${fmtInt(o.ok)} ok`
}

function renderReport(r) {
  const { config: c, machine: m } = r
  const lines = []
  const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`)
  const rssRatio = (bytes) => `${fmtBytes(bytes)} (${(bytes / c.maxmemory).toFixed(2)}× maxmemory)`
  const rssLimit = TARGETS.rssRatio * c.maxmemory

  lines.push(`## Larger than memory: ${fmtInt(c.keys)} keys × ${c.valueSize} B, maxmemory ${c.maxmemoryText}, appendfsync ${c.appendfsync}`)
  lines.push('')
  lines.push(`${m.nproc} CPUs (${m.cpu}), ${fmtBytes(m.memory)} RAM, ${m.kernel}, Node ${m.node}, ${m.date}, commit ${m.commit}; load average ${m.loadAverage.join(' ')} at the start, ${(m.loadAverageAtEnd ?? []).join(' ')} at the end`)
  lines.push('')
  row('measure', 'result', 'target', 'verdict')
  row('---', '---', '---', '---')
  if (r.load) row('load (SET, pipelined)', `${fmtInt(r.load.keys)} keys in ${r.load.seconds.toFixed(1)} s = ${fmtInt(r.load.keysPerSecond)} keys/s (${c.loadConnections} connections × ${c.loadDepth} in flight)`, '', r.load.errorReplies ? `**${fmtInt(r.load.errorReplies)} error replies**` : '')
  if (r.rss) {
    row('RSS after load (VmRSS)', rssRatio(r.rss.afterLoad), `≤ ${TARGETS.rssRatio}× (${fmtBytes(rssLimit)})`, verdict(r.rss.afterLoad <= rssLimit))
    if (r.rss.afterGets !== undefined) row('RSS after the GET phases (VmRSS)', rssRatio(r.rss.afterGets), `≤ ${TARGETS.rssRatio}×`, verdict(r.rss.afterGets <= rssLimit))
    row('RSS peak, first server (VmHWM)', rssRatio(r.rss.peak), `≤ ${TARGETS.rssRatio}×`, verdict(r.rss.peak <= rssLimit))
  }
  if (r.infoMemory?.used_memory !== undefined) row('INFO used_memory after load', fmtBytes(r.infoMemory.used_memory), '', '')
  for (const g of r.gets ?? []) {
    row(`GET ${g.name}: p99`, `${fmtUs(g.latencyUs.p99)} at ${fmtInt(g.opsPerSecond)} GET/s`, `≤ ${TARGETS.getP99Ms} ms`, verdict(g.latencyUs.p99 <= TARGETS.getP99Ms * 1000))
  }
  if (r.space) {
    row('space amplification, server running', `${fmtBytes(r.space.live.apparent)} / ${fmtBytes(r.space.live.logical)} = ${r.space.live.ratio.toFixed(2)}× (allocated ${r.space.live.allocatedRatio.toFixed(2)}×)`, '', '')
    if (r.space.atRest) row('space amplification, after SHUTDOWN', `${fmtBytes(r.space.atRest.apparent)} / ${fmtBytes(r.space.atRest.logical)} = ${r.space.atRest.ratio.toFixed(2)}× (allocated ${r.space.atRest.allocatedRatio.toFixed(2)}×)`, '', '')
  }
  if (r.freshStartMs !== undefined) row('start on an empty directory (spawn → ready; baseline)', fmtMs(r.freshStartMs), '', '')
  for (const s of r.restarts ?? []) {
    row(`restart after ${s.after} (spawn → ready)`, `${fmtMs(s.readyMs)}${s.stop ? `; stop took ${fmtMs(s.stop.ms)}${s.stop.forced ? ' (forced with SIGKILL)' : ''}` : ''}`, `≤ ${TARGETS.restartMs / 1000} s`, verdict(s.readyMs <= TARGETS.restartMs))
    row(`RSS after restart from ${s.after} (VmRSS / VmHWM)`, `${fmtBytes(s.rssAfterReady)} / ${fmtBytes(s.hwmAfterReady)}`, '', '')
    row(`spot-check after ${s.after} restart`, `${outcomeText(s.check.outcomes)} of ${fmtInt(s.check.checked)}; DBSIZE ${fmtInt(s.check.dbsize)}`, `all ok, DBSIZE ${fmtInt(c.keys)}`, verdict(failures(s.check.outcomes) === 0 && s.check.dbsize === c.keys))
  }
  if (r.gets?.length) {
    lines.push('')
    const when = r.settledSeconds === undefined
      ? 'right after the load (compactions may still run; SETTLE=1 waits for them)'
      : `once the load's compactions had ended (SETTLE=1: ${r.settledSeconds.toFixed(1)} s after the load)`
    lines.push(`GET latency, ${c.getClients} connections × 1 in flight, ${c.getSeconds} s each after ${c.warmupSeconds} s warm-up, ${when}; every request timed, every value compared. The client runs on the same machine; its CPU per request is shown.`)
    lines.push('')
    row('keys', 'GET/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'client CPU/req', 'replies checked')
    row('---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---')
    for (const g of r.gets) {
      const l = g.latencyUs
      row(g.name, fmtInt(g.opsPerSecond), fmtUs(l.p50), fmtUs(l.p90), fmtUs(l.p99), fmtUs(l.p999), fmtUs(l.max), fmtUs(g.clientCpuUsPerRequest), outcomeText(g.outcomes))
    }
  }
  if (r.restarts?.some((s) => s.loadedLine)) {
    lines.push('')
    for (const s of r.restarts) if (s.loadedLine) lines.push(`- after ${s.after}, the server logged: ${s.loadedLine}`)
  }
  lines.push('')
  if (r.dataLoss.length) {
    lines.push('**DATA LOSS OR CORRUPTION:**')
    for (const d of r.dataLoss) lines.push(`- ${d}`)
  } else if (r.error) {
    lines.push(`**The run failed:** ${r.error}`)
  } else {
    lines.push(`Every value read back matched. Targets missed: ${r.missedTargets.length ? r.missedTargets.join(', ') : 'none'}.`)
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------
// The scenario

async function runScenario(config, result) {
  const codec = makeCodec(config.valueSize)
  const dataDir = join(scratchRoot, 'data')
  mkdirSync(dataDir)
  const checkRandom = makeRandom(config.seed ^ 0x2545f491)

  let server = await startServer(config, dataDir, 'fresh start')
  result.freshStartMs = server.readyMs

  log(`load: ${fmtInt(config.keys)} keys × ${config.valueSize} B over ${config.loadConnections} connections × ${config.loadDepth} in flight`)
  result.load = await loadPhase(server, config, codec)
  const afterLoad = server.sampleMemory()
  result.rss = { afterLoad: afterLoad.last, peak: afterLoad.hwm, sampledPeak: afterLoad.sampledPeak }
  log(`load: done in ${result.load.seconds.toFixed(1)} s, ${fmtInt(result.load.keysPerSecond)} keys/s, RSS ${fmtBytes(afterLoad.last)}, peak ${fmtBytes(afterLoad.hwm)}`)
  if (result.load.errorReplies) {
    result.dataLoss.push(`${result.load.errorReplies} SETs were answered with errors during the load, e.g. ${result.load.errorSamples.join('; ')}`)
    throw new Error('the load was refused; nothing after it would mean anything')
  }
  result.infoMemory = await infoMemory(server)

  if (config.settle) {
    result.settledSeconds = await settleCompactions(server, config)
    log(`settle: the load's compactions ended ${result.settledSeconds.toFixed(1)} s after it`)
  }

  const uniformRandom = makeRandom(config.seed)
  result.gets = []
  result.gets.push(await getPhase(server, config, codec, 'uniform', () => uniformRandom.below(config.keys)))

  const zipfRandom = makeRandom(config.seed ^ 0x9e3779b9)
  const hotOrder = permutation(config.keys, makeRandom(config.seed ^ 0x85ebca6b))
  const zipfRank = makeZipf(config.keys, config.zipfExponent, zipfRandom)
  result.gets.push(await getPhase(server, config, codec, `zipf s=${config.zipfExponent}`, () => hotOrder[zipfRank() - 1]))
  for (const g of result.gets) {
    if (failures(g.outcomes)) result.dataLoss.push(`GET ${g.name}: ${outcomeText(g.outcomes, true)}; e.g. ${g.failureSamples.join('; ')}`)
  }
  const afterGets = server.sampleMemory()
  result.rss.afterGets = afterGets.last
  result.rss.peak = afterGets.hwm
  result.rss.sampledPeak = afterGets.sampledPeak

  result.space = { live: spaceAmplification(dataDir, config) }
  log(`space: ${fmtBytes(result.space.live.apparent)} on disk for ${fmtBytes(result.space.live.logical)} logical (${result.space.live.ratio.toFixed(2)}×)`)

  result.restarts = []
  const restart = async (after, stop) => {
    const stopped = await stop()
    log(`${after}: server ${server.pid} exited in ${fmtMs(stopped.ms)} (code ${stopped.code}, signal ${stopped.signal}${stopped.forced ? ', forced' : ''})`)
    if (after === 'SHUTDOWN') {
      result.space.atRest = spaceAmplification(dataDir, config)
      log(`space after SHUTDOWN: ${fmtBytes(result.space.atRest.apparent)} (${result.space.atRest.ratio.toFixed(2)}×)`)
    }
    server = await startServer(config, dataDir, `restart after ${after}`)
    const mem = server.sampleMemory()
    const check = await spotCheck(server, config, codec, checkRandom)
    log(`${after}: spot-check ${outcomeText(check.outcomes, true)}, DBSIZE ${check.dbsize}`)
    if (failures(check.outcomes)) result.dataLoss.push(`spot-check after ${after}: ${outcomeText(check.outcomes, true)}; e.g. ${check.failureSamples.join('; ')}`)
    if (check.dbsize !== config.keys) result.dataLoss.push(`DBSIZE after ${after} is ${check.dbsize}, expected ${config.keys}`)
    result.restarts.push({ after, stop: stopped, readyMs: server.readyMs, loadedLine: server.loadedLine, rssAfterReady: mem.last, hwmAfterReady: mem.hwm, check })
  }
  await restart('SHUTDOWN', () => requestShutdown(server, config))
  await restart('SIGKILL', () => server.stop('SIGKILL', 10_000))

  await requestShutdown(server, config)
}

async function main() {
  const config = readConfig()
  if (!config.serverEntry.endsWith('.js') || !existsSync(config.serverEntry)) throw new Error(`no server at ${config.serverEntry}`)
  if (!env.SERVER && !existsSync(join(REPO, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (bench/larger-than-memory.sh does)')
  keepScratch = config.keep
  scratchRoot = mkdtempSync(join(os.tmpdir(), 'wtr-larger-than-memory-'))
  const result = { config, machine: machineInfo(), targets: TARGETS, dataLoss: [], missedTargets: [], scratch: scratchRoot }

  const interrupted = async (signal) => {
    log(`${signal}: killing the servers this run started and removing its files`)
    await killLiveServers()
    removeScratch()
    process.exit(128 + os.constants.signals[signal])
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  process.once('SIGHUP', interrupted)
  process.once('exit', killLiveServers)
  process.on('uncaughtException', async (err) => {
    log(`FAILED: ${err.stack ?? err}`)
    await killLiveServers()
    removeScratch()
    process.exit(1)
  })

  log(`scratch directory ${scratchRoot}`)
  try {
    await runScenario(config, result)
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err)
    log(`FAILED: ${result.error}`)
  } finally {
    await killLiveServers()
  }
  result.machine.loadAverageAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)))

  const rssLimit = TARGETS.rssRatio * config.maxmemory
  if (result.rss && result.rss.peak > rssLimit) result.missedTargets.push('RSS')
  for (const g of result.gets ?? []) if (!(g.latencyUs.p99 <= TARGETS.getP99Ms * 1000)) result.missedTargets.push(`GET ${g.name} p99`)
  for (const s of result.restarts ?? []) if (!(s.readyMs <= TARGETS.restartMs)) result.missedTargets.push(`restart after ${s.after}`)

  process.stdout.write(renderReport(result) + '\n')
  if (config.out) writeFileSync(config.out, JSON.stringify(result, null, 2) + '\n')
  removeScratch()

  if (result.dataLoss.length) {
    log('DATA LOSS OR CORRUPTION DETECTED:')
    for (const d of result.dataLoss) log(`  ${d}`)
    return 1
  }
  if (result.error) {
    if (!config.keep) log('KEEP=1 keeps the server logs and the data directory for a look')
    return 1
  }
  if (config.strict && result.missedTargets.length) {
    log(`STRICT=1 and targets missed: ${result.missedTargets.join(', ')}`)
    return 3
  }
  return 0
}

// Exits explicitly: a socket or pipe left open by a failed phase must not keep the run alive.
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  async (err) => {
    log(`FAILED: ${err instanceof Error ? err.stack : err}`)
    await killLiveServers()
    removeScratch()
    process.exit(1)
  },
)
