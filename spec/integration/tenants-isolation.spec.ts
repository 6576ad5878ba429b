// Randomized isolation: several tenants (and the admin in the default tenant) run random
// command sequences (SWAPDB among them) over the same key names at the same time; each must see exactly what a
// private redis-server shows the same sequence. Then the raw store, read with the server
// stopped, must hold each tenant's records in its own key range only (values name their writer).

import { expect } from 'chai'
import fc from 'fast-check'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { join } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { Redis } from 'ioredis'
import { startServer, type RunningServer } from '../support/server.js'
import { waitFor } from '../support/info.js'
import { freePort } from '../support/clients.js'
import { LsmStore } from '../../src/storage/lsm-store.js'
import { entriesOf } from '../../src/storage/merge.js'
import { decodeStoreKey } from '../../src/storage/store-keys.js'

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

const ADMIN = 'admin-pw'
const TENANTS = ['t1', 't2', 't3']
const KEYS = ['a', 'b', 'c', 'counter']

/** Commands with deterministic replies (KEYS is compared as a set); `v` is the writer's value. */
const commandArb = (writer: string): fc.Arbitrary<string[]> => {
  const key = fc.constantFrom(...KEYS)
  const value = fc.nat(99).map((n) => `${writer}-${n}`)
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(key, value).map(([k, v]) => ['SET', k, v]) },
    { weight: 5, arbitrary: key.map((k) => ['GET', k]) },
    { weight: 2, arbitrary: fc.tuple(key, value).map(([k, v]) => ['SET', k, v, 'NX']) },
    { weight: 2, arbitrary: key.map((k) => ['DEL', k]) },
    { weight: 2, arbitrary: key.map((k) => ['EXISTS', k]) },
    { weight: 2, arbitrary: fc.constant(['INCR', 'counter']).map((argv) => [...argv]) },
    { weight: 2, arbitrary: fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]) },
    { weight: 2, arbitrary: fc.tuple(value, value).map(([v, w]) => ['MSET', 'a', v, 'b', w]) },
    { weight: 2, arbitrary: fc.constant(['MGET', ...KEYS]).map((argv) => [...argv]) },
    { weight: 2, arbitrary: fc.constant(['KEYS', '*']).map((argv) => [...argv]) },
    { weight: 2, arbitrary: fc.constant(['DBSIZE']).map((argv) => [...argv]) },
    { weight: 1, arbitrary: fc.tuple(key, key).map(([k, l]) => ['RENAME', k, l]) },
    { weight: 1, arbitrary: fc.tuple(key, key).map(([k, l]) => ['COPY', k, l, 'DB', '1']) },
    { weight: 1, arbitrary: fc.constantFrom('0', '1').map((db) => ['SELECT', db]) },
    { weight: 1, arbitrary: fc.constantFrom(['SWAPDB', '0', '1'], ['SWAPDB', '1', '0'], ['SWAPDB', '1', '1'], ['SWAPDB', '0', '16']).map((argv) => [...argv]) },
    { weight: 1, arbitrary: key.map((k) => ['EXPIRE', k, '1000']) },
    { weight: 1, arbitrary: key.map((k) => ['PERSIST', k]) },
    { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
    { weight: 1, arbitrary: fc.constant(['FLUSHDB']).map((argv) => [...argv]) },
    { weight: 1, arbitrary: fc.constant(['FLUSHALL']).map((argv) => [...argv]) },
  )
}

/** A reply as comparable data: errors as their text, KEYS sorted. */
const run = async (redis: Redis, argv: string[]): Promise<unknown> => {
  try {
    const reply = await redis.call(argv[0]!, ...argv.slice(1))
    return argv[0] === 'KEYS' ? [...(reply as string[])].sort() : reply
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

describe('tenants: randomized isolation against private redis-servers', function () {
  this.timeout(180_000)
  let server: RunningServer | undefined
  let dir: string | undefined
  const references = new Map<string, { process: ChildProcess; port: number }>()
  const clients: Redis[] = []

  before(async function () {
    if (!haveRedis) this.skip()
    dir = mkdtempSync(join(tmpdir(), 'wtr-isolation-'))
    server = await startServer({ dir, args: ['--requirepass', ADMIN] })
    const admin = new Redis({ port: server.port, host: '127.0.0.1', password: ADMIN })
    clients.push(admin)
    for (const id of TENANTS) expect(await admin.call('TENANT', 'CREATE', id, `${id}-pw`)).to.equal('OK')
    for (const id of ['default', ...TENANTS]) {
      const port = await freePort()
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      references.set(id, { process: child, port })
    }
    for (const { port } of references.values()) {
      await waitFor(`redis-server on ${port}`, () => listening(port))
    }
  })

  after(async () => {
    for (const c of clients) c.disconnect()
    for (const { process } of references.values()) process.kill('SIGKILL')
    await server?.kill()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('gives every tenant exactly what its own redis-server gives, while all run at once; the store keeps them apart', async () => {
    const sequences = fc.sample(
      fc.record(Object.fromEntries(['default', ...TENANTS].map((id) => [id, fc.array(commandArb(id), { minLength: 300, maxLength: 300 })]))),
      { numRuns: 1, seed: 20261127 },
    )[0] as Record<string, string[][]>
    const ours = (id: string): Redis =>
      id === 'default'
        ? new Redis({ port: server!.port, host: '127.0.0.1', password: ADMIN })
        : new Redis({ port: server!.port, host: '127.0.0.1', username: id, password: `${id}-pw` })
    const mismatches: string[] = []
    await Promise.all(
      Object.entries(sequences).map(async ([id, commands]) => {
        const mine = ours(id)
        const reference = new Redis({ port: references.get(id)!.port, host: '127.0.0.1' })
        clients.push(mine, reference)
        for (const [n, argv] of commands.entries()) {
          const [got, expected] = await Promise.all([run(mine, argv), run(reference, argv)])
          if (JSON.stringify(got) !== JSON.stringify(expected)) {
            mismatches.push(`${id} #${n} ${argv.join(' ')}: got ${JSON.stringify(got)}, redis-server ${JSON.stringify(expected)}`)
          }
        }
        // A marker each tenant leaves last, to find in its own range of the store.
        await run(mine, ['SELECT', '0'])
        await run(mine, ['SET', 'marker', `${id}-0`])
        await run(reference, ['SELECT', '0'])
        await run(reference, ['SET', 'marker', `${id}-0`])
        // The final state of both databases, compared whole.
        for (const db of ['0', '1']) {
          await run(mine, ['SELECT', db])
          await run(reference, ['SELECT', db])
          for (const argv of [['KEYS', '*'], ['MGET', ...KEYS]]) {
            const [got, expected] = await Promise.all([run(mine, argv), run(reference, argv)])
            if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${id} final db${db} ${argv[0]}: got ${JSON.stringify(got)}, redis-server ${JSON.stringify(expected)}`)
          }
        }
      }),
    )
    expect(mismatches).to.deep.equal([])

    // Flush everything to segments, stop, and read the store directly.
    const admin = clients[0]!
    await admin.bgsave()
    await waitFor('the checkpoint', async () => /^rdb_bgsave_in_progress:0/m.test(await admin.info('persistence')), 60_000)
    expect(await admin.info('persistence')).to.match(/^rdb_last_bgsave_status:ok/m)
    await server!.stop()
    server = undefined
    const store = await LsmStore.open({ dir: join(dir!, 'manifest'), ssdDir: join(dir!, 'ssd') })
    try {
      const registry = new Map<number, string>([[0, 'default']])
      const records: { tenant: number; gen: number; space: number; key: string; value: string }[] = []
      for await (const entry of entriesOf(store.scanLive(Buffer.alloc(0), undefined, { now: Date.now() }))) {
        const decoded = decodeStoreKey(entry.key)!
        const tenant = Math.floor(decoded.space / 0x10000)
        const value = entry.value.toString('utf8')
        if (tenant === 0xffff) {
          const key = decoded.key.toString('latin1')
          if (key.startsWith('tenant:')) registry.set((JSON.parse(value) as { num: number }).num, key.slice('tenant:'.length))
          continue
        }
        records.push({ tenant, gen: decoded.gen, space: decoded.space, key: decoded.key.toString('latin1'), value })
      }
      expect(records.length, "records in the store").to.be.greaterThan(0)
      // FLUSHDB leaves older generations behind until compaction: only current ones are live.
      const foreign = records.filter((r) => store.generation(r.space) === r.gen).filter((r) => {
        const owner = registry.get(r.tenant)
        // Values are "<writer>-<n>" pieces (APPEND concatenates them) or INCR's numbers.
        const pieces = r.value.split(/(?<=\d)(?=[a-z])/)
        return owner === undefined || !pieces.every((piece) => /^-?\d+$/.test(piece) || piece.startsWith(`${owner}-`))
      })
      expect(foreign.map((r) => `${r.tenant}/${r.key}=${r.value}`)).to.deep.equal([])
      const markers = records.filter((r) => r.key === 'marker').map((r) => `${registry.get(r.tenant)}=${r.value}`)
      expect(markers.sort()).to.deep.equal(['default=default-0', 't1=t1-0', 't2=t2-0', 't3=t3-0'])
    } finally {
      await store.close()
    }
  })
})
