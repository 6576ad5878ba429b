// What crash specs remember of a run: every value sent for each key and the value each key was
// last acknowledged with, and the check after a restart against the real server: every
// acknowledged write is there, and no key holds a value that was never sent.

import { Redis } from 'ioredis'
import { scanAll } from './scan.js'

export interface Ledger {
  /** key -> every value ever sent for it. */
  readonly sent: Map<string, Set<string>>
  /** key -> the value acknowledged last (what the key must hold, unless a later one was sent). */
  readonly acked: Map<string, string>
}

export const newLedger = (): Ledger => ({ sent: new Map(), acked: new Map() })

export const noteSent = (ledger: Ledger, key: string, value: string): void => {
  let values = ledger.sent.get(key)
  if (values === undefined) ledger.sent.set(key, (values = new Set()))
  values.add(value)
}

/** A client for runs that kill the server: no retries, no offline queue, errors as rejections. */
export const crashClient = (port: number): Redis => {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  // The kill resets every connection; writers see that as rejected commands.
  redis.on('error', () => {})
  return redis
}

export interface LedgerCheck {
  readonly acked: number
  /** Acknowledged keys missing (or, for `monotonic` keys, gone back) after the restart. */
  readonly lost: string[]
  /** Keys holding a value never sent for them, or never sent at all. */
  readonly unexpected: string[]
}

/**
 * Checks the server against the ledger. Keys for which `monotonic` holds carry increasing
 * integers (a writer's counter): they must not go back below the value acknowledged last. Keys
 * for which `checkedElsewhere` holds are the caller's to check (the scan does not report them).
 */
export const checkLedger = async (
  port: number,
  ledger: Ledger,
  monotonic: (key: string) => boolean = () => false,
  checkedElsewhere: (key: string) => boolean = () => false,
): Promise<LedgerCheck> => {
  const redis = crashClient(port)
  await redis.connect()
  try {
    const lost: string[] = []
    const unexpected: string[] = []
    const keys = [...ledger.sent.keys()]
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500)
      const values = await redis.mget(...slice)
      slice.forEach((key, j) => {
        const got = values[j]
        const acked = ledger.acked.get(key)
        if (got === null || got === undefined) {
          if (acked !== undefined) lost.push(key)
        } else if (!ledger.sent.get(key)!.has(got)) unexpected.push(`${key}=${got}`)
        else if (acked !== undefined && monotonic(key) && Number(got) < Number(acked)) {
          lost.push(`${key} went back from ${acked} to ${got}`)
        } else if (acked !== undefined && !monotonic(key) && ledger.sent.get(key)!.size === 1 && got !== acked) {
          lost.push(`${key}=${got}, acknowledged ${acked}`)
        }
      })
    }
    for (const key of await scanAll(redis, 1000)) if (!ledger.sent.has(key) && !checkedElsewhere(key)) unexpected.push(key)
    return { acked: ledger.acked.size, lost, unexpected }
  } finally {
    redis.disconnect()
  }
}
