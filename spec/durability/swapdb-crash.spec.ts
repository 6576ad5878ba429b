// Kill -9 under SWAPDB: each tenant (the default one and two others) runs one connection that
// pipelines a random stream of SELECT, SET, DEL, FLUSHDB and SWAPDB over four databases, while
// an admin connection asks for a checkpoint (BGSAVE) every few dozen milliseconds, so the
// database maps go to the manifest as well as the WAL, and kills land before, during and after
// flushes. The server is SIGKILLed at a random moment
// and restarted on the same directory. A connection's commands are logged in the order they ran,
// so the tenant's four databases must then be exactly what the stream leaves after some prefix
// of its commands, no shorter than every acknowledged one: a swap is in effect at most once and
// whole, never half (one database changed, not the other), never twice, and never lost once
// acknowledged. The next cycle goes on from what the restart holds.

import { expect } from 'chai'
import { Redis } from 'ioredis'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/server.js'
import { checkpoint } from '../support/info.js'

const CYCLES = Number(process.env.CRASH_CYCLES ?? 4)
const DATABASES = 4
const KEYS = 24
const PASSWORD = 'admin-pw'
const ARGS = ['--requirepass', PASSWORD, '--appendfsync', 'always']
/** The tenants' logins: the admin works in the default tenant. */
const LOGINS: readonly (readonly [string, string])[] = [['default', PASSWORD], ['t1', 'pw1'], ['t2', 'pw2']]

type Databases = Map<string, string>[]

const emptyDatabases = (): Databases => Array.from({ length: DATABASES }, () => new Map())

/** A connection's commands applied as the server applies them, from `start` (copied). */
class Model {
  readonly dbs: Databases
  private selected = 0

  constructor(start: Databases) {
    this.dbs = start.map((db) => new Map(db))
  }

  apply([name, a, b]: readonly string[]): void {
    const dbs = this.dbs
    if (name === 'SELECT') this.selected = Number(a)
    else if (name === 'SET') dbs[this.selected]!.set(a!, b!)
    else if (name === 'DEL') dbs[this.selected]!.delete(a!)
    else if (name === 'FLUSHDB') dbs[this.selected]!.clear()
    else if (name === 'SWAPDB') [dbs[Number(a)], dbs[Number(b)]] = [dbs[Number(b)]!, dbs[Number(a)]!]
  }
}

const pick = (n: number): number => Math.floor(Math.random() * n)

/**
 * A random command of the stream; every SET writes a value never written before. Swaps come in
 * every other run of 150 commands: a checkpoint during a run without any leaves a WAL tail with
 * no DBMAP op, where the restart finds the maps in the manifest alone.
 */
const nextCommand = (lane: string, n: number): string[] => {
  const r = Math.random()
  if (r < 0.15) return ['SELECT', String(pick(DATABASES))]
  if (r < 0.3 && Math.floor(n / 150) % 2 === 0) return ['SWAPDB', String(pick(DATABASES)), String(pick(DATABASES))]
  if (r < 0.38) return ['DEL', `k${pick(KEYS)}`]
  if (r < 0.4) return ['FLUSHDB']
  return ['SET', `k${pick(KEYS)}`, `${lane}:${n}:${'x'.repeat(pick(200))}`]
}

const login = async (port: number, [user, password]: readonly [string, string]): Promise<Redis> => {
  const redis = new Redis({ port, host: '127.0.0.1', username: user, password, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

/** What the server holds in the tenant's databases, read with one connection. */
const read = async (port: number, account: readonly [string, string]): Promise<Databases> => {
  const redis = await login(port, account)
  try {
    const dbs = emptyDatabases()
    for (let d = 0; d < DATABASES; d++) {
      await redis.select(d)
      const keys = await redis.keys('*')
      const values = keys.length === 0 ? [] : await redis.mget(...keys)
      keys.forEach((k, i) => dbs[d]!.set(k, values[i]!))
    }
    return dbs
  } finally {
    redis.disconnect()
  }
}

const same = (a: Databases, b: Databases): boolean =>
  a.every((db, d) => db.size === b[d]!.size && [...db].every(([k, v]) => b[d]!.get(k) === v))

interface Lane {
  readonly account: readonly [string, string]
  start: Databases
  sent: string[][]
  /** Commands acknowledged: a prefix of `sent` (replies come in order). */
  acked: number
}

/** Pipelines commands, 32 in flight at most, until the connection dies. */
const drive = async (port: number, lane: Lane, stop: { now: boolean }): Promise<void> => {
  let redis: Redis | undefined
  const inFlight = new Set<Promise<unknown>>()
  try {
    redis = await login(port, lane.account)
    while (!stop.now) {
      const command = nextCommand(lane.account[0], lane.sent.length)
      const index = lane.sent.length
      lane.sent.push(command)
      const reply = redis.call(command[0]!, ...command.slice(1)).then(() => {
        lane.acked = Math.max(lane.acked, index + 1)
      })
      inFlight.add(reply)
      void reply.finally(() => inFlight.delete(reply)).catch(() => {})
      if (inFlight.size >= 32) await Promise.race(inFlight).catch(() => {})
      if (redis.status !== 'ready') break
    }
  } catch {
    // The kill closed the connection: what was sent and not acknowledged is in doubt.
  } finally {
    await Promise.allSettled([...inFlight])
    redis?.disconnect()
  }
}

/** BGSAVE now and then until the connection dies; returns the checkpoints started. */
const checkpoints = async (port: number, stop: { now: boolean }): Promise<number> => {
  let redis: Redis | undefined
  let started = 0
  try {
    redis = await login(port, LOGINS[0]!)
    while (!stop.now && redis.status === 'ready') {
      // One already running answers with an error: ask again later.
      const reply = await redis.bgsave().catch(() => '')
      if (/started/i.test(reply)) started++
      await new Promise((r) => setTimeout(r, 20 + pick(60)))
    }
  } catch {
    // Killed.
  } finally {
    redis?.disconnect()
  }
  return started
}

describe('SWAPDB across kill -9: both databases exactly as acknowledged', function () {
  this.timeout(240_000)
  let dir: string
  let server: RunningServer | undefined

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wtr-swapdb-crash-'))
  })
  afterEach(async () => {
    await server?.kill()
    server = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it(`${CYCLES} cycles of swaps mixed with writes in three tenants, killed at random moments`, async () => {
    server = await startServer({ dir, args: ARGS })
    const admin = await login(server.port, LOGINS[0]!)
    for (const [id, password] of LOGINS.slice(1)) expect(await admin.call('TENANT', 'CREATE', id, password)).to.equal('OK')
    admin.disconnect()
    const lanes: Lane[] = LOGINS.map((account) => ({ account, start: emptyDatabases(), sent: [], acked: 0 }))
    let swapsAcked = 0
    let checkpointsStarted = 0
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const stop = { now: false }
      const port = server.port
      const running = lanes.map((lane) => drive(port, lane, stop))
      const saving = checkpoints(port, stop)
      await new Promise((r) => setTimeout(r, 300 + pick(1200)))
      await server.kill()
      stop.now = true
      await Promise.all(running)
      checkpointsStarted += await saving
      server = await startServer({ dir, args: ARGS })
      for (const lane of lanes) {
        const found = await read(server.port, lane.account)
        let matched = -1
        const model = new Model(lane.start)
        for (const command of lane.sent.slice(0, lane.acked)) model.apply(command)
        for (let n = lane.acked; n <= lane.sent.length; n++) {
          if (n > lane.acked) model.apply(lane.sent[n - 1]!)
          if (same(model.dbs, found)) {
            matched = n
            break
          }
        }
        if (matched < 0) {
          expect.fail(
            `${lane.account[0]}, cycle ${cycle}: the databases after the restart are no prefix of the ${lane.sent.length} commands ` +
              `sent (${lane.acked} acknowledged): found ${JSON.stringify(found.map((db) => db.size))} keys per database`,
          )
        }
        swapsAcked += lane.sent.slice(0, lane.acked).filter(([name, a, b]) => name === 'SWAPDB' && a !== b).length
        lane.start = found
        lane.sent = []
        lane.acked = 0
      }
    }
    // The run is worth something only if swaps were acknowledged and then replayed or read back.
    expect(swapsAcked).to.be.greaterThan(20 * CYCLES)
    expect(checkpointsStarted).to.be.greaterThan(CYCLES)
  })

  it('a swap that only the manifest holds (its WAL record recycled by a checkpoint) is in effect after kill -9', async () => {
    server = await startServer({ dir, args: ARGS })
    const redis = await login(server.port, LOGINS[0]!)
    await redis.mset('a', 'db0')
    await redis.select(1)
    await redis.set('b', 'db1')
    expect(await redis.call('SWAPDB', '0', '1')).to.equal('OK')
    expect(await redis.call('SWAPDB', '1', '2')).to.equal('OK')
    // db0 shows keyspace 1, db1 keyspace 2 (empty), db2 keyspace 0.
    await checkpoint(redis)
    // Writes after the checkpoint: the WAL's tail holds no DBMAP op.
    await redis.set('c', 'db1-after')
    await redis.select(2)
    await redis.set('d', 'db2-after')
    redis.disconnect()
    await server.kill()
    server = await startServer({ dir, args: ARGS })
    expect(server.output()).to.match(/checkpoint LSN [1-9]/)
    const found = await read(server.port, LOGINS[0]!)
    expect(found.map((db) => Object.fromEntries(db))).to.deep.equal([{ b: 'db1' }, { c: 'db1-after' }, { a: 'db0', d: 'db2-after' }, {}])
  })
})
