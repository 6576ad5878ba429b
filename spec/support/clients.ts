// Clients for specs that restart or kill the server and log in as tenants, and the shape of
// map replies (TENANT INFO, TIERING STATUS) as RESP2 delivers them.

import { Redis } from 'ioredis'
import { createServer } from 'node:net'

/**
 * An ioredis client that never reconnects (a dropped tenant's or a killed server's connection
 * stays closed), skips the ready check (INFO before AUTH) and keeps errors as rejections.
 */
export const quietClient = (port: number, options: { username?: string; password?: string } = {}): Redis => {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableReadyCheck: false, retryStrategy: () => null, ...options })
  redis.on('error', () => {})
  return redis
}

/**
 * ioredis clients of one server, logged in with `password` (the admin's) unless the options say
 * otherwise; `disconnectAll` ends every one opened so far (a spec calls it in afterEach or after).
 */
export const clientPool = (port: () => number, password: string) => {
  const clients: Redis[] = []
  return {
    connect: (options: { username?: string; password?: string } = {}): Redis => {
      const c = quietClient(port(), { password, ...options })
      clients.push(c)
      return c
    },
    /** A client opened otherwise (ioredis's monitor()), ended with the others. */
    track: <C extends { disconnect(): void }>(client: C): C => {
      clients.push(client as unknown as Redis)
      return client
    },
    disconnectAll: (): void => {
      while (clients.length > 0) clients.pop()!.disconnect()
    },
  }
}

/** A map reply in RESP2 (a flat array of field, value, ...) as an object. */
export const fieldsOf = (reply: unknown): Record<string, string | number> => {
  const flat = reply as (string | number)[]
  return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]!]))
}

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
