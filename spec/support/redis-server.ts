// A private redis-server for differential specs: Debian's, on a free port, no persistence.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './clients.js'
import { runScript } from './big-strings.js'

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
