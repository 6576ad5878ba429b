// Every key a full SCAN iteration returns (each once), for specs that compare a keyspace with a model.

import type { Redis } from 'ioredis'

export const scanAll = async (redis: Redis, count: number): Promise<Set<string>> => {
  const keys = new Set<string>()
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', count)
    for (const key of batch) keys.add(key)
    cursor = next
  } while (cursor !== '0')
  return keys
}
