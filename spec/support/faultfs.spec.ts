// The power-loss shim itself: children change files under it, are SIGKILLed, and
// revertToLastSync must leave exactly what their syncs made durable. Each case first checks that
// the killed child's files differ from the expected result, so a shim that tracked nothing (or
// a rollback that did nothing) fails.

import { expect } from 'chai'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { buildFaultfs, buildTool, faultfsEnv, findRustc, revertToLastSync, setFault } from './faultfs.js'

const agentPath = join(dirname(fileURLToPath(import.meta.url)), 'faultfs', 'fs-agent.mjs')

interface Sandbox {
  readonly dir: string
  readonly journalDir: string
  readonly controlFile: string
  readonly env: NodeJS.ProcessEnv
  file(name: string): Buffer | undefined
  names(): string[]
}

const sandbox = (): Sandbox & { remove(): void } => {
  const root = mkdtempSync(join(tmpdir(), 'wtr-faultfs-'))
  const dir = join(root, 'data')
  const journalDir = join(root, 'journal')
  const controlFile = join(root, 'control')
  mkdirSync(dir)
  mkdirSync(journalDir)
  return {
    dir,
    journalDir,
    controlFile,
    env: faultfsEnv({ dir, journalDir, controlFile }),
    file: (name) => {
      try {
        return readFileSync(join(dir, name))
      } catch {
        return undefined
      }
    },
    names: () => readdirSync(dir).sort(),
    remove: () => rmSync(root, { recursive: true, force: true }),
  }
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()))

const killed = async (child: ChildProcess): Promise<void> => {
  const exit = exited(child)
  child.kill('SIGKILL')
  await exit
}

type Reply = { ok: true; result: unknown } | { ok: false; code: string }

/** The fs agent under the shim; `do` sends one request and resolves with its reply. */
const startAgent = async (env: NodeJS.ProcessEnv) => {
  const child = spawn(process.execPath, [agentPath], { env, stdio: ['pipe', 'pipe', 'inherit'] })
  const replies: Reply[] = []
  const waiting: ((reply: Reply) => void)[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const reply = JSON.parse(line) as Reply
    const next = waiting.shift()
    if (next) next(reply)
    else replies.push(reply)
  })
  const nextReply = () => new Promise<Reply>((resolve) => (replies.length > 0 ? resolve(replies.shift()!) : waiting.push(resolve)))
  await nextReply()
  const send = (request: Record<string, unknown>): Promise<Reply> => {
    child.stdin!.write(JSON.stringify(request) + '\n')
    return nextReply()
  }
  return {
    child,
    send,
    /** Sends a request that must succeed. */
    do: async (request: Record<string, unknown>): Promise<unknown> => {
      const reply = await send(request)
      if (!reply.ok) throw new Error(`${JSON.stringify(request).slice(0, 120)} failed with ${reply.code}`)
      return reply.result
    },
  }
}

const data = (byte: string, length: number): string => Buffer.alloc(length, byte).toString('base64')

/** Where rust-writer.rs writes concurrently. */
const REGION = 65536

/** Runs a writer program under the shim until it prints "ready", then SIGKILLs it. */
const runUntilReady = async (program: string, box: Sandbox): Promise<void> => {
  const child = spawn(program, [box.dir], { env: box.env, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`${program} exited with ${code}`)))
  })
  await killed(child)
}

describe('faultfs (power-loss shim)', function () {
  this.timeout(30_000)
  let box: Sandbox & { remove(): void }

  before(async () => {
    await buildFaultfs()
  })
  beforeEach(() => {
    box = sandbox()
  })
  afterEach(() => box.remove())

  it('rolls back a C program: O_DIRECT and buffered writes, growth, dup, create, rename and unlink', async () => {
    await runUntilReady(await buildTool('native-writer.c', 'program'), box)

    const seg = box.file('seg')!
    expect(box.names()).to.deep.equal(['renamed', 'seg'])
    expect(seg.length).to.equal(2 * 1024 * 1024)
    expect(seg.subarray(0, 200).toString()).to.equal('X'.repeat(100) + 'Y'.repeat(100))

    const report = await revertToLastSync(box.dir, box.journalDir)

    const expected = Buffer.alloc(1024 * 1024)
    expected.fill('S', 0, 4096).fill('D', 4096, 8192)
    expect(box.names()).to.deep.equal(['kept', 'seg'])
    expect(box.file('seg')!.equals(expected)).to.equal(true)
    expect(box.file('kept')!.toString()).to.equal('kept contents\n')
    expect(report.bytesTruncated).to.equal(1024 * 1024)
    expect(report.removed).to.deep.equal(['new'])
    expect(report.renamedBack).to.deep.equal([{ from: 'renamed', to: 'new' }])
    expect(report.restored).to.deep.equal(['kept'])
    expect(readdirSync(box.journalDir)).to.deep.equal([])
  })

  it('rolls back a Rust program: std::fs from several threads at once', async function () {
    if (findRustc() === undefined) this.skip()
    this.timeout(60_000) // the first run compiles
    await runUntilReady(await buildTool('rust-writer.rs', 'program'), box)

    const killedSeg = box.file('seg')!
    expect(box.names()).to.deep.equal(['seg', 'unsynced'])
    expect(killedSeg.length).to.equal(3 << 20)
    expect(String.fromCharCode(killedSeg[REGION]!)).to.equal('A')

    await revertToLastSync(box.dir, box.journalDir)

    const expected = Buffer.alloc(1 << 20).fill('S', 0, 4096)
    for (let chunk = 0; chunk < 4 * 64; chunk++) expected.fill(97 + (chunk % 4), REGION + chunk * 512, REGION + (chunk + 1) * 512)
    expect(box.names()).to.deep.equal(['final', 'seg'])
    expect(box.file('seg')!.equals(expected)).to.equal(true)
    expect(box.file('final')!.toString()).to.equal('final contents')
  })

  it("rolls back Node's fs (libuv thread pool): pwrite, write, writev, writeFile, rename", async () => {
    const agent = await startAgent(box.env)
    const a = join(box.dir, 'a.dat')
    await agent.do({ op: 'open', id: 'a', path: a, flags: 'w+' })
    await agent.do({ op: 'write', id: 'a', data: data('A', 8192) })
    await agent.do({ op: 'fdatasync', id: 'a' })
    await agent.do({ op: 'writeFile', path: join(box.dir, 'c.tmp'), data: data('c', 10) })
    await agent.do({ op: 'open', id: 'c', path: join(box.dir, 'c.tmp'), flags: 'r' })
    await agent.do({ op: 'fsync', id: 'c' })
    await agent.do({ op: 'open', id: 'dir', path: box.dir, flags: 'r' })
    await agent.do({ op: 'fsync', id: 'dir' })
    // Nothing below is synced.
    await agent.do({ op: 'write', id: 'a', data: data('B', 100), position: 1000 })
    await agent.do({ op: 'write', id: 'a', data: data('C', 5000) })
    await agent.do({ op: 'writev', id: 'a', chunks: [data('D', 10), data('E', 10)], position: 2000 })
    await agent.do({ op: 'writeFile', path: join(box.dir, 'b.dat'), data: data('b', 10) })
    await agent.do({ op: 'rename', from: join(box.dir, 'c.tmp'), to: join(box.dir, 'c.dat') })
    await killed(agent.child)

    const killedA = box.file('a.dat')!
    expect(killedA.length).to.equal(8192 + 5000)
    expect(killedA.subarray(1000, 1100).toString()).to.equal('B'.repeat(100))
    expect(killedA.subarray(2000, 2020).toString()).to.equal('D'.repeat(10) + 'E'.repeat(10))
    expect(box.names()).to.deep.equal(['a.dat', 'b.dat', 'c.dat'])

    const report = await revertToLastSync(box.dir, box.journalDir)

    expect(box.file('a.dat')!.equals(Buffer.alloc(8192, 'A'))).to.equal(true)
    expect(box.names()).to.deep.equal(['a.dat', 'c.tmp'])
    expect(box.file('c.tmp')!.toString()).to.equal('c'.repeat(10))
    expect(report.files).to.be.greaterThan(0)
    expect(report.removed).to.deep.equal(['b.dat'])
    expect(report.renamedBack).to.deep.equal([{ from: 'c.dat', to: 'c.tmp' }])
  })

  it('rolls back nothing that was synced, through the pool or the main thread', async () => {
    const agent = await startAgent(box.env)
    const pool = join(box.dir, 'pool.dat')
    const main = join(box.dir, 'main.dat')
    await agent.do({ op: 'open', id: 'p', path: pool, flags: 'w' })
    await agent.do({ op: 'write', id: 'p', data: data('p', 5000) })
    await agent.do({ op: 'write', id: 'p', data: data('q', 10), position: 100 })
    await agent.do({ op: 'truncate', id: 'p', length: 4000 })
    await agent.do({ op: 'fsync', id: 'p' })
    await agent.do({ op: 'open', id: 'm', path: main, flags: 'w' })
    await agent.do({ op: 'write', id: 'm', data: data('m', 3000), sync: true })
    await agent.do({ op: 'fdatasync', id: 'm', sync: true })
    await agent.do({ op: 'open', id: 'dir', path: box.dir, flags: 'r' })
    await agent.do({ op: 'fsync', id: 'dir' })
    await killed(agent.child)
    const journal = readdirSync(box.journalDir)

    const report = await revertToLastSync(box.dir, box.journalDir)

    // Both files were journalled while written (their creation is in the meta log), yet nothing
    // is left to undo.
    expect(journal).to.deep.equal(['meta.log'])
    expect(report).to.deep.include({ files: 0, bytesRestored: 0, bytesTruncated: 0, removed: [], renamedBack: [], restored: [] })
    const expectedPool = Buffer.alloc(4000, 'p').fill('q', 100, 110)
    expect(box.file('pool.dat')!.equals(expectedPool)).to.equal(true)
    expect(box.file('main.dat')!.equals(Buffer.alloc(3000, 'm'))).to.equal(true)
  })

  it('injects ENOSPC on writes and EIO on fsync, and a failed fsync loses its data', async () => {
    const agent = await startAgent(box.env)
    const f = join(box.dir, 'f.dat')
    const g = join(box.dir, 'g.dat')
    await agent.do({ op: 'open', id: 'f', path: f, flags: 'w+' })
    await agent.do({ op: 'open', id: 'g', path: g, flags: 'w+' })
    await agent.do({ op: 'open', id: 'dir', path: box.dir, flags: 'r' })
    await agent.do({ op: 'write', id: 'f', data: data('X', 4096), position: 0 })
    await agent.do({ op: 'write', id: 'g', data: data('G', 10), position: 0 })
    await agent.do({ op: 'fsync', id: 'f' })
    await agent.do({ op: 'fsync', id: 'g' })
    await agent.do({ op: 'fsync', id: 'dir' })

    await setFault(box.controlFile, 'enospc')
    expect(await agent.send({ op: 'write', id: 'f', data: data('N', 10), position: 0 })).to.deep.equal({ ok: false, code: 'ENOSPC' })
    expect(await agent.send({ op: 'writev', id: 'f', chunks: [data('N', 10)], position: 0 })).to.deep.equal({ ok: false, code: 'ENOSPC' })
    expect(await agent.send({ op: 'write', id: 'f', data: data('N', 10), sync: true })).to.deep.equal({ ok: false, code: 'ENOSPC' })
    expect(await agent.send({ op: 'fsync', id: 'f' })).to.deep.equal({ ok: true, result: null })

    await setFault(box.controlFile, 'eio-fsync')
    await agent.do({ op: 'write', id: 'f', data: data('Y', 4096), position: 4096 })
    await agent.do({ op: 'write', id: 'g', data: data('H', 10), position: 10 })
    expect(await agent.send({ op: 'fsync', id: 'f' })).to.deep.equal({ ok: false, code: 'EIO' })
    expect(await agent.send({ op: 'fdatasync', id: 'g' })).to.deep.equal({ ok: false, code: 'EIO' })

    await setFault(box.controlFile, 'healthy')
    await agent.do({ op: 'write', id: 'f', data: data('Z', 4096), position: 8192 })
    await agent.do({ op: 'write', id: 'f', data: data('W', 1024), position: 4096 })
    await agent.do({ op: 'fsync', id: 'f' })
    await killed(agent.child)

    const before = box.file('f.dat')!
    expect(before.subarray(4096, 8192).equals(Buffer.alloc(4096, 'Y').fill('W', 0, 1024))).to.equal(true)
    expect(box.file('g.dat')!.toString()).to.equal('G'.repeat(10) + 'H'.repeat(10))

    const report = await revertToLastSync(box.dir, box.journalDir)

    // f: the Y write was lost with its failed fsync; what the later, healthy sync wrote is kept,
    // and the rest of the lost range reads back as zeros (the file's size was made durable).
    const expectedF = Buffer.concat([Buffer.alloc(4096, 'X'), Buffer.alloc(1024, 'W'), Buffer.alloc(3072), Buffer.alloc(4096, 'Z')])
    expect(box.file('f.dat')!.equals(expectedF)).to.equal(true)
    // g: never synced after its failed fdatasync, so it is back to its last durable contents.
    expect(box.file('g.dat')!.toString()).to.equal('G'.repeat(10))
    expect(report.bytesZeroed).to.equal(3072)
  })
})
