// The server as a process: configuration sources, start-up failures, graceful stop.

import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startServer, serverBin } from '../support/server.js'
import { rawClient, endsWith } from '../support/raw.js'

const runToExit = (args: string[]) =>
  spawnSync(process.execPath, [serverBin, ...args], { encoding: 'utf8', timeout: 15_000 })

describe('server lifecycle', function () {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wtr-life-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('fails at start with a message naming an unknown option', () => {
    const r = runToExit(['--port', '0', '--dir', dir, '--no-such-option', '1'])
    expect(r.status).to.equal(1)
    expect(r.stderr).to.include("unknown option 'no-such-option'")
  })

  it('fails at start with a message naming a malformed option', () => {
    const r = runToExit(['--port', 'eighty', '--dir', dir])
    expect(r.status).to.equal(1)
    expect(r.stderr).to.include("option 'port'")
  })

  it('names the file and line of a bad config-file directive', () => {
    const file = join(dir, 'bad.conf')
    writeFileSync(file, '# comment\nport 0\nbogus yes\n')
    const r = runToExit([file])
    expect(r.status).to.equal(1)
    expect(r.stderr).to.include(`${file}:3`)
    expect(r.stderr).to.include("unknown option 'bogus'")
  })

  it('reads a config file, and flags win over it', async () => {
    const file = join(dir, 'good.conf')
    writeFileSync(file, 'port 1\nhz 20\nrequirepass "from file"\n')
    const s2 = await startServer({ configFile: file, args: ['--hz', '15'] })
    const client = new Redis({ port: s2.port, lazyConnect: true, password: 'from file', maxRetriesPerRequest: 0 })
    await client.connect()
    expect(await client.config('GET', 'hz')).to.deep.equal(['hz', '15'])
    expect(await client.config('GET', 'port')).to.deep.equal(['port', '0'])
    client.disconnect()
    await s2.stop()
  })

  it('closes clients idle longer than `timeout` seconds, and keeps active ones', async function () {
    this.timeout(15_000)
    const server = await startServer({ args: ['--timeout', '1'] })
    const idle = await rawClient(server.port)
    const active = await rawClient(server.port)
    for (let i = 0; i < 6; i++) {
      active.send('PING\r\n')
      await active.read(endsWith('+PONG\r\n'))
      await new Promise((r) => setTimeout(r, 500))
    }
    await idle.closed(1000)
    active.send('PING\r\n')
    expect((await active.read(endsWith('\r\n'))).toString()).to.equal('+PONG\r\n')
    active.end()
    await server.stop()
  })

  it('drops a client whose unfinished command passes client-query-buffer-limit, and serves others', async () => {
    const server = await startServer({ args: ['--client-query-buffer-limit', '1mb'] })
    const greedy = await rawClient(server.port)
    const other = await rawClient(server.port)
    greedy.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n')
    for (let i = 0; i < 4 && !greedy.socket.destroyed; i++) {
      greedy.socket.write(Buffer.alloc(512 * 1024, 0x61))
      await new Promise((r) => setTimeout(r, 50))
    }
    await greedy.closed()
    other.send('PING\r\n')
    expect((await other.read(endsWith('\r\n'))).toString()).to.equal('+PONG\r\n')
    other.end()
    expect(server.output()).to.include('max query buffer length')
    await server.stop()
  })

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const server = await startServer()
    const client = new Redis({ port: server.port })
    expect(await client.set('k', 'v')).to.equal('OK')
    client.disconnect()
    expect(await server.stop()).to.equal(0)
  })

  it('stops gracefully on SHUTDOWN with exit code 0', async () => {
    const server = await startServer()
    const client = new Redis({ port: server.port, maxRetriesPerRequest: 0, retryStrategy: () => null })
    await client.ping()
    await client.call('SHUTDOWN').catch(() => undefined)
    const code = await new Promise((r) => server.process.once('exit', r))
    expect(code).to.equal(0)
    expect(server.output()).to.include('bye')
    client.disconnect()
  })
})

