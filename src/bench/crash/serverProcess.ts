// The server under test as a process group started from a shell command: `{port}` and `{dir}` in
// the command are replaced by the run's port and data directory. SIGKILL goes to the whole group,
// so a wrapper script dies with the server it started.

import { spawn, type ChildProcess } from 'node:child_process'
import { BenchConnection } from '../connection.js'
import { encodeCommand } from '../resp.js'

export interface ServerCommand {
  readonly command: string
  readonly port: number
  readonly dir: string
}

export const expandCommand = (c: ServerCommand): string =>
  c.command.replaceAll('{port}', String(c.port)).replaceAll('{dir}', c.dir)

export interface ServerProcess {
  readonly child: ChildProcess
  /** Everything the server printed, for failure messages (the last 8 KiB). */
  output(): string
  /** SIGKILL to the process group; resolves when the shell has exited. */
  kill(): Promise<void>
  /** SIGTERM to the process group, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export const startServerProcess = (c: ServerCommand): ServerProcess => {
  const child = spawn('sh', ['-c', `exec ${expandCommand(c)}`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const keep = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-8192))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig)
    } catch {
      // Already gone.
    }
  }
  return {
    child,
    output: () => out,
    kill: async () => {
      signal('SIGKILL')
      await exited
    },
    stop: async (graceMs = 5000) => {
      signal('SIGTERM')
      const timer = setTimeout(() => signal('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Waits until the server answers PING with PONG (not LOADING), or fails after `timeoutMs`. */
export const waitUntilReady = async (server: ServerProcess, port: number, timeoutMs = 60_000, password?: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`server exited before it was ready:\n${server.output()}`)
    }
    try {
      const c = await BenchConnection.open({ port, connectTimeoutMs: 1000, ...(password === undefined ? {} : { password }) })
      try {
        const reply = await c.request(encodeCommand(['PING']))
        if (reply.kind === 'simple' && reply.value === 'PONG') return
      } finally {
        c.close()
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`server not ready after ${timeoutMs} ms:\n${server.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
