import { expect } from 'chai'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { repoRoot } from '../support/server.js'
import { startRedisServer, type RedisServer } from './support/redisServer.js'

// Runs the TypeScript examples of docs/loadtest.md: every ```ts block after an
// `<!-- example: name -->` marker. Each exports a default async function of the port that
// returns what the example measured. The package name in their imports points at the sources
// (the package root is to re-export src/bench/index.ts).
const examples = (): Map<string, string> => {
  const doc = readFileSync(join(repoRoot, 'docs', 'loadtest.md'), 'utf8')
  const found = new Map<string, string>()
  for (const m of doc.matchAll(/<!-- example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g)) found.set(m[1]!, m[2]!)
  return found
}

const load = async (dir: string, name: string, code: string): Promise<(port: number) => Promise<unknown>> => {
  const rxjs = pathToFileURL(createRequire(join(repoRoot, 'package.json')).resolve('rxjs')).href
  const source = code
    .replaceAll("from 'we-trust-redis'", `from ${JSON.stringify(pathToFileURL(join(repoRoot, 'src', 'index.ts')).href)}`)
    .replaceAll("from 'rxjs'", `from ${JSON.stringify(rxjs)}`)
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, source)
  return ((await import(pathToFileURL(file).href)) as { default: (port: number) => Promise<unknown> }).default
}

describe('docs/loadtest.md examples', function () {
  this.timeout(60_000)
  let redis: RedisServer
  let dir: string
  before(async () => {
    redis = await startRedisServer()
    dir = mkdtempSync(join(tmpdir(), 'wtr-doc-examples-'))
  })
  after(async () => {
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('has the examples the docs promise', () => {
    expect([...examples().keys()]).to.include.members(['custom-scenario', 'open-loop'])
  })

  it('custom-scenario: a hash workload composed from the streams reports both operations', async () => {
    const run = await load(dir, 'custom-scenario', examples().get('custom-scenario')!)
    const result = (await run(redis.port)) as Record<string, { p50: number; p99: number }>
    expect(Object.keys(result).sort()).to.deep.equal(['hget', 'hset'])
    expect(result['hget']!.p50).to.be.above(0)
  })

  it('open-loop: a fixed-rate run sends its requests and reports the latency from the intended times', async () => {
    const run = await load(dir, 'open-loop', examples().get('open-loop')!)
    const result = (await run(redis.port)) as { requests: number; errors: number; p99: number }
    expect(result.requests).to.equal(1000)
    expect(result.errors).to.equal(0)
    expect(result.p99).to.be.above(0)
  })
})
