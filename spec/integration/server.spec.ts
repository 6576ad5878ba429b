// Server commands over TCP: INFO and CONFIG as tools read them, COMMAND as clients introspect
// it, FLUSHALL/DBSIZE/TIME, and SHUTDOWN ending the process.

import { expect } from 'chai'
import { execFileSync, spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { rawClient, endsWith } from '../support/raw.js'
import { startServer, type RunningServer } from '../support/server.js'

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

describe('server commands over TCP', function () {
  let server: RunningServer
  let io: Redis
  before(async () => {
    server = await startServer({ args: ['--enable-debug-command', 'local'] })
    io = new Redis({ port: server.port })
  })
  after(async () => {
    io.disconnect()
    await server.stop()
  })

  it('INFO answers sections ioredis and tools parse', async () => {
    await io.flushall()
    await io.set('srv:a', '1')
    const text = await io.info()
    expect(text).to.match(/^# Server\r\nredis_version:/)
    expect(text).to.contain('\r\nrole:master\r\n')
    expect(text).to.contain(`\r\ntcp_port:${server.port}\r\n`)
    expect(text).to.match(/\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n$/)
    expect(await io.info('commandstats')).to.match(/^cmdstat_set:calls=\d+,/m)
  })

  it('INFO is verbatim text over RESP3', async () => {
    const c = await rawClient(server.port)
    c.send('*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*2\r\n$4\r\nINFO\r\n$7\r\ncluster\r\n')
    const got = (await c.read(endsWith('cluster_enabled:0\r\n\r\n'))).toString('latin1')
    expect(got.endsWith('=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n')).to.equal(true)
    c.end()
  })

  it('CONFIG GET/SET as ioredis sends them', async () => {
    expect(await io.config('GET', 'maxmemory-policy')).to.deep.equal(['maxmemory-policy', 'noeviction'])
    expect(await io.config('SET', 'maxmemory-policy', 'allkeys-lru')).to.equal('OK')
    expect(await io.config('GET', 'maxmemory-policy')).to.deep.equal(['maxmemory-policy', 'allkeys-lru'])
    const error = await io.config('SET', 'maxmemory', 'lots').then(() => undefined, (e: Error) => e.message)
    expect(error).to.equal("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
    await io.config('SET', 'maxmemory-policy', 'noeviction')
  })

  it('node-redis reads CONFIG GET as a map over RESP3', async () => {
    const client = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP: 3 })
    await client.connect()
    expect(await client.configGet('hz')).to.deep.equal({ hz: '10' })
    expect(await client.dbSize()).to.be.a('number')
    await client.quit()
  })

  it('FLUSHALL, DBSIZE and TIME', async () => {
    await io.mset('srv:x', '1', 'srv:y', '2')
    expect(await io.dbsize()).to.be.at.least(2)
    expect(await io.flushall('ASYNC')).to.equal('OK')
    expect(await io.dbsize()).to.equal(0)
    const [seconds, micros] = await io.time()
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).to.be.below(5)
    expect(Number(micros)).to.be.within(0, 999_999)
  })

  it('SAVE answers once a checkpoint of every write before it is installed', async () => {
    await io.mset('srv:s1', '1', 'srv:s2', '2')
    const before = Math.floor(Date.now() / 1000)
    expect(await io.save()).to.equal('OK')
    const persistence = await io.info('persistence')
    expect(persistence).to.match(/^rdb_changes_since_last_save:0\r$/m)
    expect(persistence).to.match(/^rdb_bgsave_in_progress:0\r$/m)
    expect(persistence).to.match(/^rdb_last_bgsave_status:ok\r$/m)
    expect(await io.lastsave()).to.be.at.least(before)
  })

  it('DEBUG RELOAD answers once a checkpoint of every write before it is installed, as SAVE; NOSAVE runs none', async () => {
    const changes = async () => /^rdb_changes_since_last_save:(\d+)\r$/m.exec(await io.info('persistence'))![1]
    await io.mset('srv:r1', '1', 'srv:r2', '2')
    expect(await io.call('DEBUG', 'RELOAD', 'NOSAVE')).to.equal('OK')
    expect(await changes()).to.not.equal('0')
    expect(await io.call('DEBUG', 'RELOAD', 'MERGE')).to.equal('OK')
    expect(await changes()).to.equal('0')
  })

  it('COMMAND describes the command table', async () => {
    const count = await io.call('COMMAND', 'COUNT')
    const all = (await io.call('COMMAND')) as unknown[][]
    expect(all).to.have.length(count as number)
    const [get] = (await io.command('INFO', 'get')) as unknown[][]
    expect(get!.slice(0, 6)).to.deep.equal(['get', 2, ['readonly', 'fast'], 1, 1, 1])
    expect(await io.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2')).to.deep.equal(['a', 'b'])
    expect(await io.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config|*')).to.include.members(['config|get', 'config|set'])
  })

  it('redis-cli reads INFO, CONFIG and COMMAND DOCS', function () {
    if (!have('redis-cli')) this.skip()
    const cli = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', String(server.port), ...args], { encoding: 'utf8' }).trimEnd()
    expect(cli('INFO', 'server')).to.match(/^# Server\r\nredis_version:/)
    expect(cli('CONFIG', 'GET', 'hz')).to.equal('hz\n10')
    expect(cli('-3', 'COMMAND', 'DOCS', 'echo')).to.contain('Echo the given string')
  })
})

describe('SHUTDOWN over TCP', function () {
  it('closes the connection without a reply (as Redis) and ends the server cleanly', async () => {
    const server = await startServer()
    const c = await rawClient(server.port)
    c.send('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n')
    await c.closed()
    expect((await c.read(() => true)).toString('latin1')).to.equal('')
    const code = await new Promise<number | null>((resolve) => {
      if (server.process.exitCode !== null) resolve(server.process.exitCode)
      else server.process.once('exit', (exitCode) => resolve(exitCode))
    })
    expect(code).to.equal(0)
    await server.stop()
  })

  it('ends without waiting for clients that never read to close their side', async () => {
    const server = await startServer()
    // Half-open allowed and never ended: this peer does not answer the server's FIN, as a
    // redis-cli waiting on its input does not.
    const idle = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true })
    const ended = new Promise<void>((resolve) => idle.once('end', () => resolve()))
    await new Promise<void>((resolve) => idle.once('connect', () => resolve()))
    const c = await rawClient(server.port)
    const started = Date.now()
    c.send('*1\r\n$8\r\nSHUTDOWN\r\n')
    const code = await new Promise<number | null>((resolve) => {
      if (server.process.exitCode !== null) resolve(server.process.exitCode)
      else server.process.once('exit', (exitCode) => resolve(exitCode))
    })
    // The drain gives up on connections after 5 s; one that finished its side is not waited for.
    expect(Date.now() - started).to.be.below(3000)
    expect(code).to.equal(0)
    await ended
    idle.destroy()
    await server.stop()
  })

  it('rejects bad options and keeps running', async () => {
    const server = await startServer()
    const c = await rawClient(server.port)
    c.send('*2\r\n$8\r\nSHUTDOWN\r\n$5\r\nABORT\r\n*1\r\n$4\r\nPING\r\n')
    const got = await c.read(endsWith('+PONG\r\n'))
    expect(got.toString('latin1')).to.equal('-ERR No shutdown in progress.\r\n+PONG\r\n')
    c.end()
    await server.stop()
  })
})
