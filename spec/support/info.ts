// Reading INFO fields, waiting for a condition the server reaches in the background, and a
// checkpoint (BGSAVE) waited for.

import type { Redis } from 'ioredis'

/** The integer value of an INFO field; throws naming the field when INFO lacks it. */
export const infoField = (info: string, name: string): number => {
  const m = new RegExp(`^${name}:(-?\\d+)`, 'm').exec(info)
  if (m === null) throw new Error(`INFO has no ${name}:\n${info}`)
  return Number(m[1])
}

/** Polls `condition` until it holds; rejects naming `what` after `ms`. */
export const waitFor = async (what: string, condition: () => Promise<boolean>, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/**
 * BGSAVE, then waits until the flush to segments is done. A checkpoint the server started by
 * itself (the WAL's thresholds) may be running: BGSAVE then answers, as Redis does, that a
 * background save is in progress, and is asked again once it has ended.
 */
export const checkpoint = async (redis: Redis): Promise<void> => {
  const noCheckpointRunning = async (): Promise<boolean> => infoField(await redis.info('persistence'), 'rdb_bgsave_in_progress') === 0
  await waitFor('a BGSAVE that starts', async () => {
    if (!(await noCheckpointRunning())) return false
    return redis.bgsave().then(
      () => true,
      (e: Error) => {
        if (/Background save already in progress/.test(e.message)) return false
        throw e
      },
    )
  }, 60_000)
  await waitFor('the checkpoint', noCheckpointRunning, 60_000)
  const status = /^rdb_last_bgsave_status:(.*)$/m.exec(await redis.info('persistence'))?.[1]?.trim()
  if (status !== 'ok') throw new Error(`the checkpoint failed: rdb_last_bgsave_status:${status}`)
}
