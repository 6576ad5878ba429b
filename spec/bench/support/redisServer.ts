// Starts a redis-server (Debian's redis-server package, which CI installs) on a free port with
// no persistence, for specs that need a real Redis-protocol peer.

import { spawn } from 'node:child_process'
import { freePort } from '../../../src/bench/crash/crashRun.js'
import { waitUntilReady, type ServerProcess } from '../../../src/bench/crash/serverProcess.js'

export interface RedisServer {
  readonly port: number
  stop(): Promise<void>
}

export const startRedisServer = async (): Promise<RedisServer> => {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('error', () => {})
  const handle = { child, output: () => '', kill: async () => {}, stop: async () => {} } as unknown as ServerProcess
  await waitUntilReady(handle, port, 15_000)
  return {
    port,
    stop: async () => {
      child.kill('SIGKILL')
      await exited
    },
  }
}
