// The crash checker: start the server, write concurrently, SIGKILL the process group at a random
// moment, restart, verify every acknowledged write, and repeat. One CycleResult per kill.

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRandom } from '../random.js'
import { CrashLedger } from './crashLedger.js'
import { startServerProcess, waitUntilReady, type ServerProcess } from './serverProcess.js'
import { verifyLedger } from './verify.js'
import { startWriters } from './writers.js'

export interface CrashOptions {
  /** The shell command; `{port}` and `{dir}` are replaced. */
  readonly serverCommand: string
  readonly cycles: number
  /** A fixed port when the command has no `{port}`; a free one is picked otherwise. */
  readonly port?: number
  /** A data directory for `{dir}`; a fresh temporary one (removed afterwards) otherwise. */
  readonly dir?: string
  readonly password?: string
  readonly writers?: number
  readonly depth?: number
  readonly keysPerWriter?: number
  /** The kill comes uniformly between these many ms after the writers start. */
  readonly killAfterMs?: readonly [number, number]
  readonly seed?: number
  readonly readyTimeoutMs?: number
  readonly onCycle?: (result: CycleResult) => void
}

export interface CycleResult {
  readonly cycle: number
  readonly killedAfterMs: number
  /** Writes acknowledged during this cycle. */
  readonly acked: number
  /** Keys checked after the restart (all keys written so far). */
  readonly checked: number
  readonly lost: number
  readonly unexpected: number
  /** Up to ten examples of each, for the report. */
  readonly lostExamples: readonly string[]
  readonly unexpectedExamples: readonly string[]
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

export const runCrashCycles = async (options: CrashOptions): Promise<CycleResult[]> => {
  const usesPort = options.serverCommand.includes('{port}')
  if (!usesPort && options.port === undefined) throw new Error('give the command a {port} placeholder or a fixed --port')
  const port = usesPort ? await freePort() : options.port!
  const ownsDir = options.dir === undefined
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wtr-bench-crash-'))
  const random = seededRandom(options.seed ?? 1)
  const [minKill, maxKill] = options.killAfterMs ?? [300, 1500]
  const ledger = new CrashLedger()
  const results: CycleResult[] = []
  const start = async (): Promise<ServerProcess> => {
    const server = startServerProcess({ command: options.serverCommand, port, dir })
    try {
      await waitUntilReady(server, port, options.readyTimeoutMs ?? 60_000, options.password)
    } catch (error) {
      await server.kill()
      throw error
    }
    return server
  }
  let server = await start()
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const writers = await startWriters(ledger, {
        port,
        writers: options.writers ?? 8,
        depth: options.depth ?? 4,
        keysPerWriter: options.keysPerWriter ?? 100,
        ...(options.password === undefined ? {} : { password: options.password }),
      })
      const killedAfterMs = Math.round(minKill + random() * (maxKill - minKill))
      await new Promise((r) => setTimeout(r, killedAfterMs))
      await server.kill()
      await writers.finished
      const acked = writers.acked()
      writers.stop()
      server = await start()
      const check = await verifyLedger(ledger, port, '127.0.0.1', options.password)
      const result: CycleResult = {
        cycle,
        killedAfterMs,
        acked,
        checked: check.keys,
        lost: check.lost.length,
        unexpected: check.unexpected.length,
        lostExamples: check.lost.slice(0, 10),
        unexpectedExamples: check.unexpected.slice(0, 10),
      }
      results.push(result)
      options.onCycle?.(result)
    }
    return results
  } finally {
    await server.stop()
    if (ownsDir) rmSync(dir, { recursive: true, force: true })
  }
}
