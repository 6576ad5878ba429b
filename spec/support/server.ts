// Starts the real server as a child process on a free port, for integration specs.
// Specs talk to it over TCP with real clients (ioredis, node-redis, redis-cli, raw sockets).

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const serverBin = join(repoRoot, 'bin', 'we-trust-redis.js')

export interface RunningServer {
  readonly port: number
  readonly dir: string
  readonly process: ChildProcess
  /** Everything the server printed so far. */
  output(): string
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>
}

export interface StartOptions {
  /** Extra command-line arguments, e.g. ['--requirepass', 'pw']. */
  readonly args?: readonly string[]
  /** Reuse a data directory (restart specs); a fresh temporary one otherwise. */
  readonly dir?: string
  readonly timeoutMs?: number
  /** A config file, passed first as redis-server expects. */
  readonly configFile?: string
  /** Extra environment for the child (e.g. a fault-injection LD_PRELOAD). */
  readonly env?: NodeJS.ProcessEnv
}

const READY = /Ready to accept connections.*?:(\d+)/

export const startServer = (options: StartOptions = {}): Promise<RunningServer> => {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wtr-spec-'))
  const ownsDir = options.dir === undefined
  const file = options.configFile === undefined ? [] : [options.configFile]
  const child = spawn(process.execPath, [serverBin, ...file, '--port', '0', '--dir', dir, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env === undefined ? process.env : { ...process.env, ...options.env },
  })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not become ready:\n${out}`))
    }, options.timeoutMs ?? 15_000)
    const check = () => {
      const m = READY.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      resolve({
        port: Number(m[1]),
        dir,
        process: child,
        output: () => out,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          const code = await exited
          if (ownsDir) rmSync(dir, { recursive: true, force: true })
          return code
        },
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
          await exited
        },
      })
    }
    child.stdout!.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before ready:\n${out}`))
    })
  })
}

/**
 * For a describe block that starts many servers on fresh directories: `freshDir()` makes a
 * temporary directory and `start()` a server, and mocha hooks kill the servers after each test
 * and remove the directories after the block. Call it inside the describe.
 */
export const serverPool = (prefix: string): { freshDir(): string; start(options: StartOptions): Promise<RunningServer> } => {
  const dirs: string[] = []
  const servers: RunningServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.kill()))
  })
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  return {
    freshDir: () => {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      dirs.push(dir)
      return dir
    },
    start: async (options) => {
      const server = await startServer(options)
      servers.push(server)
      return server
    },
  }
}
