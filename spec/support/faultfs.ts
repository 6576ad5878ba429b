// Power-loss simulation for durability specs. A child runs under the faultfs LD_PRELOAD shim
// (spec/support/faultfs/faultfs.c), which journals every change under a watched directory
// before making it. After the child is killed, revertToLastSync rolls each file back to its
// contents at its last successful fsync/fdatasync and each directory entry back to its state at
// its directory's last successful fsync: what a power cut would have left on disk.
//
// Usage:
//   const env = faultfsEnv({ dir, journalDir, controlFile }) // after await buildFaultfs()
//   spawn(node, args, { env }); … child.kill('SIGKILL'); await exit
//   const report = await revertToLastSync(dir, journalDir)
//
// The journal directory must be on the same filesystem as the watched one (unlinked files are
// kept restorable by hard links) and outside it.

import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const sourceDir = join(repoRoot, 'spec', 'support', 'faultfs')
const buildDir = join(repoRoot, '.tmp', 'faultfs')

export type FaultMode = 'enospc' | 'eio-fsync' | 'healthy'

export interface FaultfsOptions {
  /** The directory whose files and entries are journalled (and later rolled back). */
  readonly dir: string
  /** Where the journal goes: outside `dir`, on the same filesystem, empty at the start. */
  readonly journalDir: string
  /** A file that setFault() writes to inject ENOSPC or fsync EIO while the child runs. */
  readonly controlFile?: string
}

export interface RevertReport {
  /** Files whose contents were rolled back. */
  readonly files: number
  /** Old bytes written back over writes that were never synced. */
  readonly bytesRestored: number
  /** Bytes cut off files that had grown since their last sync. */
  readonly bytesTruncated: number
  /** Bytes of writes lost to a failed fsync, zeroed because a later sync made the file's size durable. */
  readonly bytesZeroed: number
  /** Entries (relative to dir) created since their directory's last fsync, removed. */
  readonly removed: readonly string[]
  /** Renames undone: each entry moved back from `from` to `to` (relative to dir). */
  readonly renamedBack: readonly { readonly from: string; readonly to: string }[]
  /** Entries unlinked since their directory's last fsync, brought back (relative to dir). */
  readonly restored: readonly string[]
  /** Directories removed since their parent's last fsync, recreated (relative to dir). */
  readonly recreatedDirs: readonly string[]
  /** Journals whose file could no longer be found, so could not be applied. */
  readonly orphanJournals: number
}

export type BuildKind = 'shared' | 'program'

const compiled = new Map<string, Promise<string>>()

const outputPath = (source: string, kind: BuildKind): string => {
  const text = readFileSync(source)
  const hash = createHash('sha256').update(kind).update(text).digest('hex').slice(0, 16)
  return join(buildDir, `${stem(source)}-${hash}${kind === 'shared' ? '.so' : ''}`)
}

const stem = (source: string): string => basename(source).replace(/\.(c|rs)$/, '')

/** A Rust tool (rustc, cargo) on PATH or in cargo's default place; undefined when neither has it. */
export const findRustTool = (tool: 'rustc' | 'cargo'): string | undefined => {
  const candidates = [...(process.env.PATH ?? '').split(':').map((d) => join(d, tool)), join(homedir(), '.cargo', 'bin', tool)]
  return candidates.find((path) => path !== tool && existsSync(path))
}

/** rustc on PATH or in cargo's default place; undefined when neither has it. */
export const findRustc = (): string | undefined => findRustTool('rustc')

const compileCommand = (source: string, kind: BuildKind, output: string): [string, string[]] => {
  if (source.endsWith('.rs')) {
    const rustc = findRustc()
    if (rustc === undefined) throw new Error('rustc not found (install Rust, or put ~/.cargo/bin on PATH)')
    return [rustc, ['-O', '--edition', '2021', ...(kind === 'shared' ? ['--crate-type', 'cdylib'] : []), '-o', output, source]]
  }
  const shared = kind === 'shared' ? ['-shared', '-fPIC'] : []
  return ['cc', [...shared, '-O2', '-o', output, source, '-ldl', '-lpthread']]
}

/**
 * Compiles a C or Rust file under spec/support/faultfs into .tmp/faultfs, once per content: a
 * later call (or run) with the same source reuses the output; older builds of it are removed.
 */
export const buildTool = (sourceName: string, kind: BuildKind): Promise<string> => {
  const source = join(sourceDir, sourceName)
  const output = outputPath(source, kind)
  let build = compiled.get(output)
  if (build === undefined) {
    build = (async () => {
      if (existsSync(output)) return output
      await fsp.mkdir(buildDir, { recursive: true })
      const partial = `${output}.${process.pid}.partial`
      const [command, args] = compileCommand(source, kind, partial)
      await run(command, args)
      await fsp.rename(partial, output)
      for (const name of await fsp.readdir(buildDir)) {
        const path = join(buildDir, name)
        if (path !== output && name.startsWith(`${stem(source)}-`) && !name.endsWith('.partial')) await fsp.rm(path, { force: true })
      }
      return output
    })()
    compiled.set(output, build)
  }
  return build
}

/** Builds the shim (once per source content) and returns the path of the shared library. */
export const buildFaultfs = (): Promise<string> => buildTool('faultfs.c', 'shared')

/**
 * The environment for a child that runs under the shim: the base environment plus LD_PRELOAD,
 * FAULTFS_* and UV_USE_IO_URING=0 (so libuv's file operations go through libc). buildFaultfs()
 * must have finished first.
 */
export const faultfsEnv = (options: FaultfsOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => {
  const library = outputPath(join(sourceDir, 'faultfs.c'), 'shared')
  if (!existsSync(library)) throw new Error('faultfsEnv: await buildFaultfs() first')
  const preload = base.LD_PRELOAD ? `${library}:${base.LD_PRELOAD}` : library
  return {
    ...base,
    LD_PRELOAD: preload,
    FAULTFS_DIR: options.dir,
    FAULTFS_JOURNAL_DIR: options.journalDir,
    ...(options.controlFile === undefined ? {} : { FAULTFS_CONTROL: options.controlFile }),
    UV_USE_IO_URING: '0',
  }
}

/** Switches the injected fault; the shim reads the file before every tracked operation. */
export const setFault = async (controlFile: string, mode: FaultMode): Promise<void> => {
  const partial = `${controlFile}.${process.pid}.partial`
  await fsp.writeFile(partial, mode)
  await fsp.rename(partial, controlFile)
}

// ---- reading the journal (layouts as in faultfs.c) ----

const UNDO_MAGIC = 0x52554646
const META_MAGIC = 0x544d4646
const UNDO_HEADER = 48
const META_HEADER = 32

interface UndoRecord {
  readonly writeOff: number
  readonly writeLen: number
  readonly oldSize: number
  readonly saved: Buffer
}

/** Records in journal order; a torn last record (its operation never started) is dropped. */
const parseUndo = (data: Buffer): UndoRecord[] => {
  const records: UndoRecord[] = []
  for (let at = 0; at + UNDO_HEADER <= data.length; ) {
    if (data.readUInt32LE(at) !== UNDO_MAGIC) throw new Error(`faultfs: corrupt undo journal at ${at}`)
    const savedLen = Number(data.readBigUInt64LE(at + 40))
    if (at + UNDO_HEADER + savedLen > data.length) break
    records.push({
      writeOff: Number(data.readBigUInt64LE(at + 16)),
      writeLen: Number(data.readBigUInt64LE(at + 24)),
      oldSize: Number(data.readBigUInt64LE(at + 32)),
      saved: data.subarray(at + UNDO_HEADER, at + UNDO_HEADER + savedLen),
    })
    at += UNDO_HEADER + savedLen
  }
  return records
}

enum MetaKind {
  Create = 1,
  Mkdir = 2,
  Rename = 3,
  Unlink = 4,
  Rmdir = 5,
  DirSync = 6,
  SyncAll = 7,
}

interface MetaRecord {
  readonly kind: MetaKind
  readonly seq: bigint
  readonly paths: readonly [string, string, string]
}

const parseMeta = (data: Buffer): MetaRecord[] => {
  const records: MetaRecord[] = []
  for (let at = 0; at + META_HEADER <= data.length; ) {
    if (data.readUInt32LE(at) !== META_MAGIC) throw new Error(`faultfs: corrupt meta journal at ${at}`)
    const lengths = [data.readUInt32LE(at + 16), data.readUInt32LE(at + 20), data.readUInt32LE(at + 24)]
    const end = at + META_HEADER + lengths[0]! + lengths[1]! + lengths[2]!
    if (end > data.length) break
    let from = at + META_HEADER
    const paths = lengths.map((n) => data.toString('utf8', from, (from += n))) as [string, string, string]
    records.push({ kind: data.readUInt32LE(at + 4), seq: data.readBigUInt64LE(at + 8), paths })
    at = end
  }
  return records
}

// ---- rolling back file contents ----

type Range = readonly [number, number]

/** [from, to) minus every range in `minus`. */
const subtract = (from: number, to: number, minus: readonly Range[]): Range[] => {
  let pieces: Range[] = from < to ? [[from, to]] : []
  for (const [a, b] of minus) {
    pieces = pieces.flatMap(([x, y]): Range[] => {
      if (b <= x || a >= y) return [[x, y]]
      const out: Range[] = []
      if (x < a) out.push([x, a])
      if (b < y) out.push([b, y])
      return out
    })
  }
  return pieces
}

interface Generation {
  readonly name: string
  readonly gen: string
  readonly state: 'undo' | 'lost' | 'synced'
}

interface DataTotals {
  files: number
  bytesRestored: number
  bytesTruncated: number
  bytesZeroed: number
  orphanJournals: number
}

/**
 * Rolls one inode back. Generations are applied newest first and records within one newest
 * first, so the oldest saved bytes for each range win: its contents at the last sync.
 * A lost generation (its fsync failed) is rolled back in full unless a later sync succeeded;
 * then only the ranges that later synced writes did not cover are rolled back, and without
 * truncation, since the later sync made the file's size durable: the lost bytes read back as
 * their old contents or, past the old end of file, as zeros.
 */
const revertInode = async (path: string, gens: Generation[], journalDir: string, totals: DataTotals) => {
  gens.sort((a, b) => (a.gen < b.gen ? 1 : -1))
  const handle = await fsp.open(path, 'r+')
  try {
    const sizeBefore = (await handle.stat()).size
    const durable: Range[] = []
    for (const generation of gens) {
      const records = parseUndo(await fsp.readFile(join(journalDir, generation.name)))
      if (generation.state === 'synced') {
        for (const r of records) durable.push([r.writeOff, r.writeOff + r.writeLen])
        continue
      }
      const clipped = generation.state === 'lost' && durable.length > 0
      for (const r of records.reverse()) {
        if (!clipped) {
          if (r.saved.length > 0) await handle.write(r.saved, 0, r.saved.length, r.writeOff)
          await handle.truncate(r.oldSize)
          totals.bytesRestored += r.saved.length
          continue
        }
        const size = (await handle.stat()).size
        const savedEnd = Math.min(r.writeOff + r.saved.length, size)
        for (const [a, b] of subtract(r.writeOff, savedEnd, durable)) {
          await handle.write(r.saved, a - r.writeOff, b - a, a)
          totals.bytesRestored += b - a
        }
        const zeroFrom = Math.max(r.writeOff + r.saved.length, r.oldSize)
        for (const [a, b] of subtract(zeroFrom, Math.min(r.writeOff + r.writeLen, size), durable)) {
          await handle.write(Buffer.alloc(b - a), 0, b - a, a)
          totals.bytesZeroed += b - a
        }
      }
    }
    const sizeAfter = (await handle.stat()).size
    totals.bytesTruncated += Math.max(0, sizeBefore - sizeAfter)
    totals.files += 1
  } finally {
    await handle.close()
  }
}

/** Every regular file under dir (and kept in the journal), by "dev-ino". */
const inodePaths = async (dir: string, journalDir: string): Promise<Map<string, string>> => {
  const paths = new Map<string, string>()
  const visit = async (path: string) => {
    const stat = await fsp.lstat(path, { bigint: true })
    if (stat.isFile()) paths.set(`${stat.dev}-${stat.ino}`, path)
    if (stat.isDirectory()) for (const name of await fsp.readdir(path)) await visit(join(path, name))
  }
  await visit(dir)
  for (const name of await fsp.readdir(journalDir)) if (name.startsWith('keep-')) await visit(join(journalDir, name))
  return paths
}

// ---- rolling back directory entries ----

const exists = (path: string) =>
  fsp.lstat(path).then(
    () => true,
    () => false,
  )

/**
 * An entry change is durable when every directory it touched was fsynced after it (or sync(2)
 * ran after it). The rest are undone newest first, which walks the tree back in time.
 */
const revertEntries = async (dir: string, journalDir: string, records: MetaRecord[]) => {
  const report = {
    removed: [] as string[],
    renamedBack: [] as { from: string; to: string }[],
    restored: [] as string[],
    recreatedDirs: [] as string[],
  }
  const lastDirSync = new Map<string, bigint>()
  let lastSyncAll = -1n
  for (const r of records) {
    if (r.kind === MetaKind.DirSync && r.seq > (lastDirSync.get(r.paths[0]) ?? -1n)) lastDirSync.set(r.paths[0], r.seq)
    if (r.kind === MetaKind.SyncAll && r.seq > lastSyncAll) lastSyncAll = r.seq
  }
  const durable = (r: MetaRecord, touched: string[]) =>
    r.seq < lastSyncAll || touched.every((path) => (lastDirSync.get(dirname(path)) ?? -1n) > r.seq)
  const rel = (path: string) => relative(dir, path)
  const kept = (name: string) => join(journalDir, name.split('/').pop()!)

  const undone = records
    .filter((r) => r.kind !== MetaKind.DirSync && r.kind !== MetaKind.SyncAll)
    .filter((r) => !durable(r, r.kind === MetaKind.Rename ? [r.paths[0], r.paths[1]] : [r.paths[0]]))
    .sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0))
  for (const r of undone) {
    const [first, second, third] = r.paths
    switch (r.kind) {
      case MetaKind.Create:
        if (await exists(first)) {
          await fsp.rm(first, { recursive: true, force: true })
          report.removed.push(rel(first))
        }
        break
      case MetaKind.Mkdir:
        if (await exists(first)) {
          await fsp.rm(first, { recursive: true, force: true })
          report.removed.push(rel(first))
        }
        break
      case MetaKind.Rename:
        if (await exists(second)) {
          await fsp.rename(second, first)
          report.renamedBack.push({ from: rel(second), to: rel(first) })
        }
        if (third !== '' && (await exists(kept(third)))) await fsp.rename(kept(third), second)
        break
      case MetaKind.Unlink:
        if (second !== '' && (await exists(kept(second))) && !(await exists(first))) {
          await fsp.rename(kept(second), first)
          report.restored.push(rel(first))
        }
        break
      case MetaKind.Rmdir:
        if (!(await exists(first))) {
          await fsp.mkdir(first)
          report.recreatedDirs.push(rel(first))
        }
        break
    }
  }
  return report
}

const DATA_JOURNAL = /^data-(\d+)-(\d+)-([0-9a-f]{16})\.(undo|lost|synced)$/

/**
 * Rolls `dir` back to what its last successful syncs made durable, using the journal the shim
 * left in `journalDir`, then empties `journalDir` so it can serve the next run. Call it only
 * after the child (and anything it spawned under the shim) has exited.
 */
export const revertToLastSync = async (dir: string, journalDir: string): Promise<RevertReport> => {
  const dirReal = await fsp.realpath(dir)
  const names = await fsp.readdir(journalDir)
  const byInode = new Map<string, Generation[]>()
  for (const name of names) {
    const m = DATA_JOURNAL.exec(name)
    if (!m) continue
    const key = `${m[1]}-${m[2]}`
    byInode.set(key, [...(byInode.get(key) ?? []), { name, gen: m[3]!, state: m[4] as Generation['state'] }])
  }
  const totals: DataTotals = { files: 0, bytesRestored: 0, bytesTruncated: 0, bytesZeroed: 0, orphanJournals: 0 }
  const paths = await inodePaths(dirReal, journalDir)
  for (const [key, gens] of byInode) {
    const path = paths.get(key)
    if (path === undefined) totals.orphanJournals += gens.length
    else await revertInode(path, gens, journalDir, totals)
  }
  const metaLog = join(journalDir, 'meta.log')
  const meta = (await exists(metaLog)) ? parseMeta(await fsp.readFile(metaLog)) : []
  const entries = await revertEntries(dirReal, journalDir, meta)
  for (const name of await fsp.readdir(journalDir)) await fsp.rm(join(journalDir, name), { recursive: true, force: true })
  return { ...totals, ...entries }
}
