// A private redis-server for differential specs: Debian's, on a free port, no persistence.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './clients.js'
import { runScript } from './big-strings.js'
import { startServer, type RunningServer } from './server.js'

/** Whether redis-server is installed (CI installs it; specs that need it skip without it). */
export const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0

export interface RedisServer {
  readonly port: number
  stop(): void
}

/** Starts redis-server and waits until it answers PING. `args` go after the defaults (e.g. `--enable-debug-command yes`). */
export const startRedisServer = async (args: readonly string[] = []): Promise<RedisServer> => {
  const port = await freePort()
  // Its own directory: an explicit SAVE (or SHUTDOWN SAVE) writes dump.rdb there, not in the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'wtr-redis-'))
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], {
    stdio: 'ignore',
  })
  for (let i = 0; i < 50; i++) {
    if (await runScript(port, '2', [['PING']], 1000).then(() => true, () => false)) break
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    stop: () => {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The ports of the two servers a differential describe compares. */
export interface ServerPair {
  readonly redis: number
  readonly ours: number
}

/**
 * Starts a private redis-server and this server before the enclosing describe's tests and stops
 * both after them; skips the describe where redis-server is not installed. The ports are read
 * from the returned object once the tests run.
 */
export const serverPair = (options: { redisArgs?: readonly string[]; ourArgs?: string[] } = {}): ServerPair => {
  const ports = { redis: 0, ours: 0 }
  let redis: RedisServer | undefined
  let ours: RunningServer | undefined
  before(async function () {
    if (!haveRedis) this.skip()
    redis = await startRedisServer(options.redisArgs)
    ours = await startServer(options.ourArgs === undefined ? {} : { args: options.ourArgs })
    ports.redis = redis.port
    ports.ours = ours.port
  })
  after(async () => {
    redis?.stop()
    await ours?.stop()
  })
  return ports
}
