// bench/append.mjs: APPEND and SETRANGE on one growing string, this server against redis-server.
//
//   node bench/append.mjs [APPENDS] [BYTES]      # default 20000 appends of 100 bytes
//
// Starts the built server (dist/) and a private redis-server, both with appendfsync always and a
// temporary data directory, on free ports. On each: APPENDs BYTES at a time to one key, pipelined
// 100 deep (ioredis), then as many SETRANGEs past the end of that string, then SIGKILL, restart,
// and a check of the string. Prints the times, the ratios (ours / redis; lower is better), the
// bytes the WAL wrote per APPEND, and the restart. Exits 1 if a string comes back wrong.
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

const APPENDS = Number(process.argv[2] ?? 20_000)
const BYTES = Number(process.argv[3] ?? 100)
const DEPTH = 100

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

/** Spawns a server and waits for its ready line; returns { child, port }. */
const launch = async (command, args, port) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk
      if (output.includes('Ready to accept connections')) resolve()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready:\n${output}`)))
  })
  return { child, port, output: () => output }
}

const kill9 = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGKILL')
  })

const pipelined = async (redis, count, add) => {
  const started = performance.now()
  for (let i = 0; i < count; i += DEPTH) {
    const p = redis.pipeline()
    for (let j = i; j < Math.min(count, i + DEPTH); j++) add(p, j)
    const replies = await p.exec()
    const failed = replies.find(([e]) => e !== null)
    if (failed) throw failed[0]
  }
  return performance.now() - started
}

const walBytes = async (redis) => {
  const info = await redis.info('persistence')
  const field = (name) => Number(info.match(new RegExp(`^${name}:(\\S+)`, 'm'))?.[1] ?? NaN)
  return field('wal_group_commits') * field('wal_mean_batch_bytes')
}

const run = async (name, start) => {
  let server = await start()
  const redis = new Redis({ port: server.port, host: '127.0.0.1' })
  const piece = Buffer.alloc(BYTES, 'a')
  await redis.del('s')
  const walBefore = name === 'we-trust-redis' ? await walBytes(redis) : NaN
  const appendMs = await pipelined(redis, APPENDS, (p) => p.append('s', piece))
  const walAfter = name === 'we-trust-redis' ? await walBytes(redis) : NaN
  const length = APPENDS * BYTES
  const setrangeMs = await pipelined(redis, APPENDS, (p, i) => p.setrange('s', length + i * BYTES, piece))
  const expectedLength = 2 * length
  redis.disconnect()
  await kill9(server.child)
  const restartStarted = performance.now()
  server = await start()
  const restartMs = performance.now() - restartStarted
  const again = new Redis({ port: server.port, host: '127.0.0.1' })
  const value = await again.getBuffer('s')
  again.disconnect()
  await kill9(server.child)
  const intact = value !== null && value.length === expectedLength && value.every((byte) => byte === 0x61)
  return { name, appendMs, setrangeMs, restartMs, intact, walPerAppend: (walAfter - walBefore) / APPENDS }
}

const dirs = []
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wtr-append-'))
  dirs.push(dir)
  return dir
}

try {
  execFileSync('redis-server', ['--version'])
} catch {
  console.error('redis-server is missing: apt-get install -y redis-server')
  process.exit(1)
}

try {
  const ourDir = scratch()
  const ourPort = await freePort()
  const ours = await run('we-trust-redis', () =>
    launch(process.execPath, ['dist/main.js', '--port', String(ourPort), '--dir', ourDir, '--appendonly', 'yes', '--appendfsync', 'always'], ourPort),
  )
  const redisDir = scratch()
  const redisPort = await freePort()
  const theirs = await run('redis-server', () =>
    launch('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], redisPort),
  )
  const ms = (v) => `${v.toFixed(0)} ms`
  console.log(`${APPENDS} APPENDs of ${BYTES} bytes to one key, then ${APPENDS} SETRANGEs past its end (pipelined ${DEPTH} deep, appendfsync always)`)
  console.log('| server | APPENDs | SETRANGEs | restart after SIGKILL | string intact |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const r of [ours, theirs]) console.log(`| ${r.name} | ${ms(r.appendMs)} | ${ms(r.setrangeMs)} | ${ms(r.restartMs)} | ${r.intact ? 'yes' : '**no**'} |`)
  console.log(`ratios (ours / redis): APPEND ${(ours.appendMs / theirs.appendMs).toFixed(2)}, SETRANGE ${(ours.setrangeMs / theirs.setrangeMs).toFixed(2)}`)
  console.log(`WAL bytes per APPEND: ${ours.walPerAppend.toFixed(0)}`)
  if (!ours.intact || !theirs.intact) process.exitCode = 1
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}
