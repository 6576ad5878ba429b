// Real, unmodified clients against the real server: redis-cli (incl. --pipe), redis-benchmark,
// ioredis and node-redis (which sends HELLO 3 and CLIENT SETINFO on connect).

import { expect } from 'chai'
import { execFileSync, spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { startServer, type RunningServer } from '../support/server.js'

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

describe('real clients', function () {
  this.timeout(60_000)
  let server: RunningServer
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server.stop()
  })

  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-p', String(server.port), ...args], { encoding: 'utf8' }).trimEnd()

  it('redis-cli: commands and replies', function () {
    if (!have('redis-cli')) this.skip()
    expect(cli('PING')).to.equal('PONG')
    expect(cli('SET', 'cli:k', 'hello')).to.equal('OK')
    expect(cli('GET', 'cli:k')).to.equal('hello')
    expect(cli('INCR', 'cli:n')).to.equal('1')
    expect(cli('GET', 'cli:none')).to.equal('')
    expect(cli('-3', 'HELLO', '3')).to.include('proto')
  })

  it('redis-cli --pipe: mass insertion with no errors', function () {
    if (!have('redis-cli')) this.skip()
    let input = ''
    for (let i = 0; i < 20_000; i++) input += `*3\r\n$3\r\nSET\r\n$${`pipe:${i}`.length}\r\npipe:${i}\r\n$${String(i).length}\r\n${i}\r\n`
    const out = execFileSync('redis-cli', ['-p', String(server.port), '--pipe'], { input, encoding: 'utf8' })
    expect(out).to.match(/errors: 0, replies: 20000/)
    expect(cli('GET', 'pipe:19999')).to.equal('19999')
  })

  it('redis-cli --memkeys: sizes from MEMORY USAGE', function () {
    if (!have('redis-cli')) this.skip()
    cli('SET', 'mem:small', 'x')
    cli('SET', 'mem:big', 'x'.repeat(5000))
    const out = execFileSync('redis-cli', ['-p', String(server.port), '--memkeys'], { encoding: 'utf8' })
    expect(out).not.to.match(/unknown command/i)
    expect(out).to.match(/Biggest string found '"mem:big"' has \d+ bytes/)
    const total = /(\d+) strings with (\d+) bytes/.exec(out)
    expect(total, out).not.to.equal(null)
    expect(Number(total![2])).to.be.greaterThan(5000)
    expect(Number(cli('MEMORY', 'USAGE', 'mem:big'))).to.be.greaterThan(5000)
    expect(cli('MEMORY', 'USAGE', 'mem:none')).to.equal('')
  })

  it('redis-benchmark -t set,get -n 20000 -P 16 completes with no errors', function () {
    if (!have('redis-benchmark')) this.skip()
    const r = spawnSync(
      'redis-benchmark',
      ['-p', String(server.port), '-t', 'set,get', '-n', '20000', '-P', '16', '-q', '--csv'],
      { encoding: 'utf8', timeout: 60_000 },
    )
    expect(r.status, r.stderr).to.equal(0)
    const rows = r.stdout.trim().split('\n').slice(1)
    expect(rows.map((l) => l.split(',')[0])).to.deep.equal(['"SET"', '"GET"'])
    for (const row of rows) expect(Number(row.split(',')[1]!.replace(/"/g, ''))).to.be.greaterThan(0)
    expect(r.stdout + r.stderr).not.to.match(/error/i)
  })

  it('ioredis: strings, pipelines, binary values', async () => {
    const client = new Redis({ port: server.port })
    const value = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80])
    expect(await client.set('io:bin', value)).to.equal('OK')
    expect((await client.getBuffer('io:bin'))!.equals(value)).to.equal(true)
    const results = await client.pipeline().set('io:a', '1').incr('io:a').get('io:a').exec()
    expect(results!.map(([, v]) => v)).to.deep.equal(['OK', 2, '2'])
    client.disconnect()
  })

  it('node-redis with RESP3 (HELLO 3, CLIENT SETINFO on connect)', async () => {
    const client = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP: 3 })
    const errors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    await client.connect()
    expect(await client.set('nr:k', 'v')).to.equal('OK')
    expect(await client.get('nr:k')).to.equal('v')
    expect(await client.get('nr:missing')).to.equal(null)
    const info = await client.clientInfo()
    expect(info.libName).to.match(/node-redis/)
    await client.quit()
    expect(errors).to.deep.equal([])
  })

  it('node-redis with RESP2', async () => {
    const client = createClient({ socket: { port: server.port, host: '127.0.0.1' } })
    await client.connect()
    expect(await client.incrBy('nr:n', 5)).to.equal(5)
    await client.quit()
  })
})
