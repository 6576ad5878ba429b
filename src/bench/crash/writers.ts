// Concurrent writers for the crash checker: each connection cycles over its own keys with up to
// `depth` writes in flight (never two on one key), and notes every acknowledgement in the ledger.
// They write until the connection dies (the kill) or `stop()` is called.

import type { Reply } from '../../protocol/reply.js'
import { BenchConnection } from '../connection.js'
import { encodeCommand } from '../resp.js'
import type { CrashLedger } from './crashLedger.js'

export interface WriterOptions {
  readonly port: number
  readonly host?: string
  readonly password?: string
  readonly writers: number
  /** Keys per writer; must be at least `depth`. */
  readonly keysPerWriter: number
  readonly depth: number
}

export interface RunningWriters {
  /** Acknowledgements received so far. */
  acked(): number
  stop(): void
  /** Resolves when every writer's connection has closed. */
  readonly finished: Promise<void>
}

export const crashKey = (writer: number, key: number): string => `crash:${writer}:${key}`

export const startWriters = async (ledger: CrashLedger, options: WriterOptions): Promise<RunningWriters> => {
  if (options.keysPerWriter < options.depth) throw new RangeError('keysPerWriter must be at least depth')
  let acked = 0
  let stopped = false
  const connections = await Promise.all(
    Array.from({ length: options.writers }, () =>
      BenchConnection.open({ port: options.port, host: options.host ?? '127.0.0.1', ...(options.password === undefined ? {} : { password: options.password }) }),
    ),
  )
  const finished = Promise.all(connections.map((c) => new Promise<void>((resolve) => c.onClose(resolve)))).then(() => undefined)
  connections.forEach((connection, w) => {
    let nextKey = 0
    const writeNext = (): void => {
      if (stopped || !connection.open) return
      const key = crashKey(w, nextKey)
      nextKey = (nextKey + 1) % options.keysPerWriter
      const { seq, value } = ledger.nextValue(key)
      connection.send(encodeCommand(['SET', key, value]), {
        settle: (reply: Reply) => {
          if (reply.kind === 'simple' && reply.value === 'OK') {
            ledger.acknowledge(key, seq)
            acked++
            writeNext()
          }
        },
      })
    }
    for (let i = 0; i < options.depth; i++) writeNext()
  })
  return {
    acked: () => acked,
    stop: () => {
      stopped = true
      for (const c of connections) c.close()
    },
    finished,
  }
}
