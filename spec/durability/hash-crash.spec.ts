// Kill -9 under a hash load: concurrent writers HSET, HDEL and HINCRBY fields of their own
// hashes (small listpacks, and hashes that grow past hash-max-listpack-entries into
// hashtables), the server is SIGKILLed at a random moment, restarted on the same directory, and
// every hash must hold exactly what was acknowledged, give or take each writer's one command in
// flight. Checkpoints (small thresholds, and a BGSAVE each cycle) put hashes in segments between
// field changes, so a restart rebuilds them from a segment plus the field ops logged since; with
// a small --maxmemory they are also evicted and read back from disk while the writers run.

import { expect } from 'chai'
import type { Redis } from 'ioredis'
import { serverPool, type RunningServer } from '../support/server.js'
import { crashClient } from '../support/ledger.js'

const WRITERS = 8
const BASE_ARGS = ['--appendfsync', 'always', '--wal-segment-size', '1mb', '--wal-checkpoint-bytes', '1mb', '--wal-checkpoint-ops', '2000']

/** A field's state: its value, or null when absent. */
type FieldState = string | null

/** One writer's hashes as acknowledged, and the one change it has in flight. */
interface Writer {
  readonly id: number
  readonly hashes: Map<string, Map<string, string>>
  seq: number
  /** The change sent and not (yet) acknowledged: what the field is if it was applied. */
  pending: { key: string; field: string; state: FieldState } | undefined
}

const random = (below: number): number => Math.floor(Math.random() * below)

/** A writer's hashes: many small ones (each touched now and then: flushed, then evictable) and a big one. */
const keysOf = (w: number): string[] => [...Array.from({ length: 100 }, (_, i) => `w${w}:s${i}`), `w${w}:big`]

/** One change: the field, what it becomes if applied, and the command. */
const nextChange = (writer: Writer): { key: string; field: string; state: FieldState; command: (redis: Redis) => Promise<unknown> } => {
  const keys = keysOf(writer.id)
  const key = random(4) === 0 ? keys.at(-1)! : keys[random(keys.length)]!
  const big = key.endsWith(':big')
  const field = `f${random(big ? 1500 : 20)}`
  const r = random(10)
  if (r < 2) return { key, field, state: null, command: (redis) => redis.hdel(key, field) }
  if (r < 4) {
    const counter = `n${random(3)}`
    const now = Number(writer.hashes.get(key)?.get(counter) ?? 0)
    return { key, field: counter, state: String(now + 7), command: (redis) => redis.hincrby(key, counter, 7) }
  }
  const value = `${writer.id}:${writer.seq++}:${'v'.repeat(random(3) === 0 ? 100 : 5)}`
  return { key, field, state: value, command: (redis) => redis.hset(key, field, value) }
}

const apply = (writer: Writer, key: string, field: string, state: FieldState): void => {
  let hash = writer.hashes.get(key)
  if (hash === undefined) writer.hashes.set(key, (hash = new Map()))
  if (state === null) hash.delete(field)
  else hash.set(field, state)
}

/** Runs a writer until its connection breaks (the kill). */
const runWriter = async (port: number, writer: Writer): Promise<void> => {
  const redis = crashClient(port)
  try {
    await redis.connect()
  } catch {
    return
  }
  try {
    for (;;) {
      const change = nextChange(writer)
      writer.pending = { key: change.key, field: change.field, state: change.state }
      try {
        await change.command(redis)
      } catch {
        return
      }
      apply(writer, change.key, change.field, change.state)
      writer.pending = undefined
    }
  } finally {
    redis.disconnect()
  }
}

/**
 * Every writer's hashes against the server: each field as acknowledged, or as the change in
 * flight left it. Returns the differences; brings the model in line with what the server holds
 * for the change in flight, so the next cycle continues from there.
 */
const check = async (port: number, writers: Writer[]): Promise<string[]> => {
  const redis = crashClient(port)
  await redis.connect()
  const wrong: string[] = []
  try {
    for (const writer of writers) {
      for (const key of keysOf(writer.id)) {
        const got = new Map(Object.entries(await redis.hgetall(key)))
        const expected = writer.hashes.get(key) ?? new Map<string, string>()
        const pending = writer.pending?.key === key ? writer.pending : undefined
        const fields = new Set([...got.keys(), ...expected.keys()])
        for (const field of fields) {
          const have = got.get(field) ?? null
          const want = expected.get(field) ?? null
          if (have === want) continue
          if (pending !== undefined && pending.field === field && have === pending.state) continue
          wrong.push(`${key} ${field}: ${String(have)}, acknowledged ${String(want)}`)
        }
        if (got.size === 0 && expected.size === 0) {
          const type = await redis.type(key)
          if (type !== 'none') wrong.push(`${key} is a ${type}, expected none`)
        } else if (got.size > 0 && (await redis.type(key)) !== 'hash') wrong.push(`${key} is not a hash`)
      }
      if (writer.pending !== undefined) {
        const { key, field } = writer.pending
        const have = await redis.hget(key, field)
        apply(writer, key, field, have)
        writer.pending = undefined
      }
    }
  } finally {
    redis.disconnect()
  }
  return wrong
}

const bgsave = async (port: number): Promise<void> => {
  const redis = crashClient(port)
  try {
    await redis.connect()
    await redis.bgsave()
  } catch {
    // The kill may come first.
  } finally {
    redis.disconnect()
  }
}

/** Fields of 200 bytes in every small hash to start with: 1.6 MB of data, more than a small maxmemory holds. */
const preload = async (port: number, writers: Writer[]): Promise<void> => {
  const redis = crashClient(port)
  await redis.connect()
  try {
    for (const writer of writers) {
      for (const key of keysOf(writer.id).slice(0, -1)) {
        const pairs = Array.from({ length: 10 }, (_, i) => [`p${i}`, `${key}:${i}:${'p'.repeat(200)}`] as const)
        await redis.hset(key, ...pairs.flat())
        for (const [field, value] of pairs) apply(writer, key, field, value)
      }
    }
  } finally {
    redis.disconnect()
  }
}

/** INFO's count of records evicted to disk, since the server started. */
const evictedToDisk = async (port: number): Promise<number> => {
  const redis = crashClient(port)
  try {
    await redis.connect()
    return Number(/wtr_evicted_to_disk_keys:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0)
  } catch {
    return 0
  } finally {
    redis.disconnect()
  }
}

const cycles = async (
  start: (dir: string) => Promise<RunningServer>,
  dir: string,
  count: number,
  beforeKill: (port: number) => Promise<void> = async () => {},
): Promise<Writer[]> => {
  const writers: Writer[] = Array.from({ length: WRITERS }, (_, id) => ({ id, hashes: new Map(), seq: 0, pending: undefined }))
  for (let cycle = 0; cycle < count; cycle++) {
    const server = await start(dir)
    if (cycle === 0) await preload(server.port, writers)
    const running = writers.map((w) => runWriter(server.port, w))
    await new Promise((resolve) => setTimeout(resolve, 400 + random(400)))
    await bgsave(server.port)
    await new Promise((resolve) => setTimeout(resolve, 300 + random(1200)))
    await beforeKill(server.port)
    await server.kill()
    await Promise.all(running)
    const restarted = await start(dir)
    const wrong = await check(restarted.port, writers)
    await restarted.stop()
    expect(wrong, `cycle ${cycle}`).to.deep.equal([])
  }
  return writers
}

describe('hashes survive SIGKILL', function () {
  this.timeout(180_000)
  const { freshDir, start } = serverPool('wtr-hash-crash-')

  it('every acknowledged HSET, HDEL and HINCRBY, after a kill at a random moment, over checkpoints', async () => {
    const writers = await cycles((dir) => start({ dir, args: BASE_ARGS }), freshDir(), 4)
    const sizes = writers.map((w) => w.hashes.get(`w${w.id}:big`)?.size ?? 0)
    // The big hashes grew past hash-max-listpack-entries (512): hashtables came back too.
    expect(Math.max(...sizes)).to.be.above(100)
  })

  it('the same with --maxmemory 1mb: hashes evicted and read back from disk while the writers run', async () => {
    let evicted = 0
    await cycles((dir) => start({ dir, args: [...BASE_ARGS, '--maxmemory', '1mb'] }), freshDir(), 3, async (port) => {
      evicted += await evictedToDisk(port)
    })
    expect(evicted, 'records evicted to disk').to.be.above(0)
  })
})
