// Seeded differential runs of ordinary string and keyspace commands (support/keyspace-script.ts)
// under --maxmemory 1mb with checkpoints several times a second: records are flushed, evicted,
// read back and compacted between almost every pair of commands, across databases 0..2, with
// FLUSHDB, FLUSHALL, COPY ... DB, RENAME and far-future expiries among them. Every reply must
// match redis-server's, then every key's value and expiry. A few seeds on fresh servers, a few
// seconds each; bench/differential-fuzz.mjs runs many more (and the concurrent, restart and
// expiry modes). Found this way: keys written after FLUSHDB lost (spec/storage/flush-races.spec.ts)
// and KEYS failing while a compaction ran (spec/storage/scan-compaction).

import { expect } from 'chai'
import { startServer } from '../support/server.js'
import { haveRedis, startRedisServer, type RedisServer } from '../support/redis-server.js'
import { runScript, shown, type Argv } from '../support/big-strings.js'
import { bulkElements, comparable, dumpCommands, keyspaceScript } from '../support/keyspace-script.js'


describe('differential fuzz: keyspace commands under --maxmemory 1mb', function () {
  this.timeout(60_000)
  let redis: RedisServer | undefined
  let redisPort = 0

  before(async function () {
    if (!haveRedis) this.skip()
    redis = await startRedisServer()
    redisPort = redis.port
  })

  after(() => {
    redis?.stop()
  })

  for (const [seed, resp] of [[104, '2'], [5, '3'], [3, '2'], [118, '3']] as const) {
    it(`seed ${seed} (RESP${resp}) on a fresh server`, async () => {
      const ours = await startServer({ args: ['--maxmemory', '1mb', '--wal-checkpoint-bytes', '1mb', '--wal-checkpoint-ops', '1000'] })
      try {
        await runScript(redisPort, resp, [['FLUSHALL']])
        const commands = keyspaceScript(seed, { length: 2500, keys: 400 })
        const [theirs, mine] = await Promise.all([runScript(redisPort, resp, commands, 50_000), runScript(ours.port, resp, commands, 50_000)])
        const i = commands.findIndex((c, j) => !comparable(c, theirs[j]!, mine[j]!))
        if (i >= 0) expect.fail(`command ${i}: ${shown(commands[i]!)}\n  redis: ${shown(theirs[i]!)}\n  ours:  ${shown(mine[i]!)}`)
        // Then every key of databases 0..2, with its expiry.
        const keys: string[][] = []
        for (const db of ['0', '1', '2']) {
          const list: Argv[] = [['SELECT', db], ['KEYS', '*']]
          const [t, m] = await Promise.all([runScript(redisPort, resp, list), runScript(ours.port, resp, list)])
          expect(m[1]![0], `KEYS * in db ${db}: ${shown(m[1]!)}`).to.equal(0x2a)
          const expected = bulkElements(t[1]!).sort()
          expect(bulkElements(m[1]!).sort(), `KEYS * in db ${db}`).to.deep.equal(expected)
          keys.push(expected)
        }
        const dump = dumpCommands(keys)
        const [t, m] = await Promise.all([runScript(redisPort, resp, dump), runScript(ours.port, resp, dump)])
        const d = dump.findIndex((c, j) => !comparable(c, t[j]!, m[j]!))
        if (d >= 0) expect.fail(`after the script, ${shown(dump[d]!)}\n  redis: ${shown(t[d]!)}\n  ours:  ${shown(m[d]!)}`)
      } finally {
        await ours.stop()
      }
    })
  }

  it('three tenants and the admin at once, each like a Redis of its own (seed 7, RESP2)', async () => {
    // Tenant isolation: each user's script (FLUSHDB and FLUSHALL among them) runs on its own
    // connection, concurrently, and must answer as on a redis-server of its own. The scripts run
    // one after another on the private redis-server, flushed in between.
    const users = [['default', 'admin'], ['t1', 'p1'], ['t2', 'p2'], ['t3', 'p3']] as const
    const ours = await startServer({ args: ['--requirepass', 'admin', '--maxmemory', '1mb', '--wal-checkpoint-bytes', '1mb', '--wal-checkpoint-ops', '1000'] })
    const asUser = async (u: number, commands: readonly Argv[]): Promise<Buffer[]> => {
      const replies = await runScript(ours.port, '2', [['AUTH', users[u]![0], users[u]![1]], ...commands], 50_000)
      expect(replies[0]!.toString()).to.equal('+OK\r\n')
      return replies.slice(1)
    }
    try {
      await asUser(0, [['TENANT', 'CREATE', 't1', 'p1'], ['TENANT', 'CREATE', 't2', 'p2'], ['TENANT', 'CREATE', 't3', 'p3']])
      const scripts = users.map((_, u) => keyspaceScript(700 + u, { length: 800, keys: 200 }))
      const mine = await Promise.all(scripts.map((s, u) => asUser(u, s)))
      for (let u = 0; u < users.length; u++) {
        await runScript(redisPort, '2', [['FLUSHALL']])
        const commands = scripts[u]!
        const theirs = await runScript(redisPort, '2', commands, 50_000)
        const i = commands.findIndex((c, j) => !comparable(c, theirs[j]!, mine[u]![j]!))
        if (i >= 0) expect.fail(`${users[u]![0]}: command ${i}: ${shown(commands[i]!)}\n  redis: ${shown(theirs[i]!)}\n  ours:  ${shown(mine[u]![i]!)}`)
        const keys: string[][] = []
        for (const db of ['0', '1', '2']) {
          const list: Argv[] = [['SELECT', db], ['KEYS', '*']]
          const [t, m] = await Promise.all([runScript(redisPort, '2', list), asUser(u, list)])
          const expected = bulkElements(t[1]!).sort()
          expect(bulkElements(m[1]!).sort(), `${users[u]![0]}: KEYS * in db ${db}`).to.deep.equal(expected)
          keys.push(expected)
        }
        const dump = dumpCommands(keys)
        const [t, m] = await Promise.all([runScript(redisPort, '2', dump), asUser(u, dump)])
        const d = dump.findIndex((c, j) => !comparable(c, t[j]!, m[j]!))
        if (d >= 0) expect.fail(`${users[u]![0]}: after the script, ${shown(dump[d]!)}\n  redis: ${shown(t[d]!)}\n  ours:  ${shown(m[d]!)}`)
      }
    } finally {
      await ours.stop()
    }
  })
})
