// Differential fuzzer for the keyspace under a small --maxmemory: seeded scripts of string and
// keyspace commands (spec/support/keyspace-script.ts) go to a private redis-server and to a fresh
// server of this project on a fresh data directory, and every reply must agree; then every key of
// databases 0..2 is read back from both. Under 1-4 MB of maxmemory records are flushed, evicted and
// read back between almost every pair of commands.
//
// Usage (after `npm run build`; redis-server on the PATH):
//   node --import tsx bench/differential-fuzz.mjs [--seeds 1-50] [--maxmemory 1mb,2mb,4mb]
//        [--fsync always,everysec] [--mode single|concurrent|restart|expiry|tenants] [--length 1500]
//        [--connections 4] [--resp 2,3] [--keys 300] [--no-flushdb] [--keep-going]
//        [--mode tenants [--tenants 3] [--restart]] [--port 7710]
//        [--server-args '--wal-checkpoint-bytes 1mb --wal-checkpoint-ops 1000']
// (--server-args: more arguments for this project's server; small checkpoint thresholds make
// flushes run several times a second.)
// Modes:
//   single      one connection per seed, every command of the script (FLUSHDB, KEYS, DBSIZE too).
//   concurrent  several connections write disjoint key sets at once; each connection's replies
//               are compared with those Redis gives the same per-connection scripts.
//   restart     the script runs in four parts; between them, after a random pause of up to
//               300 ms (flushes and compactions in flight), the server is killed with SIGKILL
//               (appendfsync always: every acknowledged write must survive) and restarted on the
//               same directory, and every key is compared before the next part.
//   expiry      the script runs in phases; each ends by giving some keys expiries of 1-150 ms,
//               and the next starts 400 ms later, when those keys have expired on both servers.
//               DBSIZE replies are not compared (expired keys count until reclaimed).
//   tenants     --tenants N tenants (default 3) are created on a server with --requirepass, and
//               each runs its own seeded script (FLUSHDB and FLUSHALL among them) on its own
//               connection after AUTH, all at once, with the admin running another in the default
//               tenant; each script is compared with a private redis-server of its own (tenant
//               isolation: every tenant behaves as a separate Redis), then every key of each.
//               With --restart (appendfsync always) the scripts run in four parts and the server
//               is killed with SIGKILL and restarted between them, every key of every tenant
//               compared after each restart.
// Each failure prints the seed, configuration and first differing command; exit status 1.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runScript, shown } from '../spec/support/big-strings.ts'
import { keyspaceScript, shortExpiries, dumpCommands, bulkElements, comparable } from '../spec/support/keyspace-script.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const range = (s) => {
  const out = []
  for (const part of s.split(',')) {
    const [a, b] = part.split('-').map(Number)
    for (let i = a; i <= (b ?? a); i++) out.push(i)
  }
  return out
}
const seeds = range(arg('seeds', '1-20'))
const maxmemories = arg('maxmemory', '1mb,2mb,4mb').split(',')
const fsyncs = arg('fsync', 'always,everysec').split(',')
const mode = arg('mode', 'single')
const length = Number(arg('length', '1500'))
const connections = Number(arg('connections', '4'))
const resps = arg('resp', '2,3').split(',')
const keepGoing = process.argv.includes('--keep-going')
const keyCount = Number(arg('keys', '300'))
const flushdb = !process.argv.includes('--no-flushdb')
const serverArgs = arg('server-args', '').split(' ').filter((a) => a !== '')
const basePort = Number(arg('port', '7710'))
const tenantCount = Number(arg('tenants', '3'))
const tenantRestart = process.argv.includes('--restart')
const ADMIN_PASSWORD = 'admin-pw'
/** The users of the tenants mode: the admin (default tenant) first, then t1..tN. */
const users = [['default', ADMIN_PASSWORD], ...Array.from({ length: tenantCount }, (_, i) => [`t${i + 1}`, `pw-t${i + 1}`])]

const started = []
const start = (args, ready) =>
  new Promise((resolve, reject) => {
    const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    started.push(child)
    let out = ''
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 20000)
    const check = (d) => {
      out += d
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve({ child, output: () => out })
      }
    }
    child.stdout.setEncoding('utf8').on('data', check)
    child.stderr.setEncoding('utf8').on('data', (d) => (out += d))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (!ready.test(out)) reject(new Error(`exited ${code ?? signal}:\n${out}`))
    })
  })
const stop = (child, signal = 'SIGTERM') =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill(signal)
  })

const redisPort = basePort
const oursPort = basePort + 1
const startOurs = (dir, maxmemory, fsync) =>
  start(
    [
      process.execPath, join(root, 'dist', 'main.js'), '--port', String(oursPort), '--bind', '127.0.0.1', '--dir', dir, '--maxmemory', maxmemory, '--appendfsync', fsync,
      ...(mode === 'tenants' ? ['--requirepass', ADMIN_PASSWORD] : []), ...serverArgs,
    ],
    /Ready to accept connections/,
  )

/**
 * Runs commands on this project's server, logged in as `user` when given (HELLO with AUTH, whose
 * reply is dropped; the HELLO runScript sends first fails with NOAUTH and is dropped too).
 */
const runOurs = async (user, resp, commands, timeoutMs) => {
  if (!user) return runScript(oursPort, resp, commands, timeoutMs)
  const replies = await runScript(oursPort, resp, [['HELLO', resp, 'AUTH', user[0], user[1]], ...commands], timeoutMs)
  if (replies[0][0] === 0x2d) throw new Error(`HELLO AUTH ${user[0]}: ${shown(replies[0])}`)
  return replies.slice(1)
}

/** Replies compared one by one; the first difference as text, or undefined. */
const lenientDbsize = mode === 'expiry'
const compare = (label, commands, theirs, mine) => {
  for (let i = 0; i < commands.length; i++) {
    if (!comparable(commands[i], theirs[i], mine[i], { lenientDbsize })) {
      const before = commands.slice(Math.max(0, i - 3), i).map((c) => `    ${shown(c)}`).join('\n')
      return `${label}: command ${i}: ${shown(commands[i])}\n  (after\n${before})\n  redis: ${shown(theirs[i])}\n  ours:  ${shown(mine[i])}`
    }
  }
  return undefined
}

/** Compares every key of databases 0..2 on both servers. */
const compareState = async (label, resp, theirPort = redisPort, user = undefined) => {
  const keys = []
  for (const db of [0, 1, 2]) {
    const cmds = [['SELECT', String(db)], ['KEYS', '*']]
    const [t, m] = await Promise.all([runScript(theirPort, resp, cmds), runOurs(user, resp, cmds)])
    if (t[1][0] !== 0x2a || m[1][0] !== 0x2a) return `${label}: KEYS * in db ${db}: redis ${shown(t[1])}, ours ${shown(m[1])}`
    const a = bulkElements(t[1]).sort()
    const b = bulkElements(m[1]).sort()
    if (a.join('\n') !== b.join('\n')) {
      const missing = a.filter((k) => !b.includes(k))
      const extra = b.filter((k) => !a.includes(k))
      return `${label}: KEYS * in db ${db}: missing ${JSON.stringify(missing.slice(0, 20))} extra ${JSON.stringify(extra.slice(0, 20))}`
    }
    keys.push(a)
  }
  const dump = dumpCommands(keys)
  const [t, m] = await Promise.all([runScript(theirPort, resp, dump), runOurs(user, resp, dump)])
  return compare(`${label} (final state)`, dump, t, m)
}

const startRedis = (port) => start(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/)
await startRedis(redisPort)
// The tenants mode: one private redis-server per user (ports after ours).
const tenantPorts = mode === 'tenants' ? users.map((_, i) => oursPort + 1 + i) : []
for (const port of tenantPorts) await startRedis(port)
let failures = 0
let runs = 0
try {
  for (const seed of seeds) {
    for (const maxmemory of maxmemories) {
      for (const fsync of mode === 'restart' || (mode === 'tenants' && tenantRestart) ? ['always'] : fsyncs) {
        const resp = resps[runs % resps.length]
        const label = `seed ${seed} ${mode}${mode === 'tenants' ? ` ${tenantCount}${tenantRestart ? ' restart' : ''}` : ''} maxmemory ${maxmemory} appendfsync ${fsync} RESP${resp}`
        const dir = mkdtempSync(join(tmpdir(), 'wtr-fuzz-'))
        let ours = await startOurs(dir, maxmemory, fsync)
        let failure
        try {
          await runScript(redisPort, resp, [['FLUSHALL']])
          if (mode === 'single') {
            const commands = keyspaceScript(seed, { length, keys: keyCount, flushdb })
            const [theirs, mine] = await Promise.all([runScript(redisPort, resp, commands, 120000), runScript(oursPort, resp, commands, 120000)])
            failure = compare(label, commands, theirs, mine) ?? (await compareState(label, resp))
          } else if (mode === 'concurrent') {
            const scripts = Array.from({ length: connections }, (_, c) =>
              keyspaceScript(seed * 100 + c, { length, prefix: `c${c}:`, keys: Math.ceil(keyCount / 2), global: false }),
            )
            const [theirs, mine] = await Promise.all([
              Promise.all(scripts.map((s) => runScript(redisPort, resp, s, 120000))),
              Promise.all(scripts.map((s) => runScript(oursPort, resp, s, 120000))),
            ])
            for (let c = 0; c < connections && !failure; c++) failure = compare(`${label} connection ${c}`, scripts[c], theirs[c], mine[c])
            failure ??= await compareState(label, resp)
          } else if (mode === 'tenants') {
            for (const port of tenantPorts) await runScript(port, resp, [['FLUSHALL']])
            const created = await runOurs(users[0], resp, users.slice(1).map(([id, pw]) => ['TENANT', 'CREATE', id, pw]))
            const bad = created.find((r) => !r.equals(Buffer.from('+OK\r\n')))
            if (bad) throw new Error(`TENANT CREATE: ${shown(bad)}`)
            const scripts = users.map((_, u) => keyspaceScript(seed * 100 + u, { length, keys: keyCount, flushdb }))
            const parts = tenantRestart ? 4 : 1
            let random = seed
            for (let p = 0; p < parts && !failure; p++) {
              // Each part starts in database 0 on both (fresh connections).
              const slices = scripts.map((s) => s.slice(Math.ceil((s.length * p) / parts), Math.ceil((s.length * (p + 1)) / parts)))
              const [theirs, mine] = await Promise.all([
                Promise.all(slices.map((s, u) => runScript(tenantPorts[u], resp, s, 120000))),
                Promise.all(slices.map((s, u) => runOurs(users[u], resp, s, 120000))),
              ])
              for (let u = 0; u < users.length && !failure; u++) failure = compare(`${label} user ${users[u][0]} part ${p}`, slices[u], theirs[u], mine[u])
              if (failure || p === parts - 1) break
              random = (random * 1103515245 + 12345) % 2147483648
              await new Promise((r) => setTimeout(r, random % 300))
              await stop(ours.child, 'SIGKILL')
              ours = await startOurs(dir, maxmemory, fsync)
              for (let u = 0; u < users.length && !failure; u++) {
                failure = await compareState(`${label} user ${users[u][0]} after SIGKILL and restart ${p + 1}`, resp, tenantPorts[u], users[u])
              }
            }
            for (let u = 0; u < users.length && !failure; u++) failure = await compareState(`${label} user ${users[u][0]}`, resp, tenantPorts[u], users[u])
          } else if (mode === 'expiry') {
            const commands = keyspaceScript(seed, { length, keys: keyCount, flushdb })
            const phases = 5
            const size = Math.ceil(commands.length / phases)
            for (let p = 0; p < phases && !failure; p++) {
              // Each phase starts in database 0 on both (a fresh connection).
              const part = [...commands.slice(p * size, (p + 1) * size), ...shortExpiries(seed * 31 + p, { keys: keyCount })]
              const [t, m] = await Promise.all([runScript(redisPort, resp, part, 120000), runScript(oursPort, resp, part, 120000)])
              failure = compare(`${label} phase ${p}`, part, t, m)
              await new Promise((r) => setTimeout(r, 400))
            }
            failure ??= await compareState(label, resp)
          } else {
            const commands = keyspaceScript(seed, { length, keys: keyCount, flushdb })
            const parts = 4
            const size = Math.ceil(commands.length / parts)
            let random = seed
            for (let p = 0; p < parts && !failure; p++) {
              // Each part starts in database 0 on both (a fresh connection).
              const part = commands.slice(p * size, (p + 1) * size)
              const [t, m] = await Promise.all([runScript(redisPort, resp, part, 120000), runScript(oursPort, resp, part, 120000)])
              failure = compare(`${label} part ${p}`, part, t, m)
              if (failure || p === parts - 1) break
              random = (random * 1103515245 + 12345) % 2147483648
              await new Promise((r) => setTimeout(r, random % 300))
              await stop(ours.child, 'SIGKILL')
              ours = await startOurs(dir, maxmemory, fsync)
              failure = await compareState(`${label} after SIGKILL and restart ${p + 1}`, resp)
            }
            failure ??= await compareState(label, resp)
          }
        } catch (e) {
          failure = `${label}: ${e.stack ?? e}\n${ours.output().slice(-2000)}`
        } finally {
          await stop(ours.child)
        }
        runs++
        if (failure) {
          failures++
          console.log(`FAIL ${failure}\n  data dir kept: ${dir}`)
          if (!keepGoing) throw new Error('stopping at the first failure')
        } else {
          rmSync(dir, { recursive: true, force: true })
          console.log(`ok   ${label}`)
        }
      }
    }
  }
} catch (e) {
  if (!failures) console.log(e)
} finally {
  for (const c of started) await stop(c, 'SIGKILL')
  console.log(`${runs} runs, ${failures} failed`)
  process.exit(failures ? 1 : 0)
}
