// Checkpoints until the LSM store lands: an atomic snapshot of every database (write a temporary
// file, fsync it, rename it over the old one, fsync the directory), after which the WAL records up
// to its start LSN are recycled.
//
// The snapshot is fuzzy: it is written in slices between event-loop turns while writes go on, and
// records whatever each key holds when its slice is taken. That is correct because WAL records
// are idempotent after-images (ops.ts): replaying every record after the start LSN over the
// snapshot converges on the state at the end of the log.
//
// File layout (little endian):
//   header  "WTRSNAP\0" | version u32 = 1 | reserved u32 | startLsn u64          (24 bytes)
//   body    PUT ops (ops.ts), in database then key order
//   footer  "WTRSEND\0" | ops u64 | body bytes u64 | crc32c(header+body) u32 | reserved u32 (32 bytes)

import { open, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Keyspace } from '../storage/keyspace.js'
import { crc32c } from '../wal/native-wal.js'
import { decodeOps, OpsFormatError, OpWriter, type OpVisitor } from './ops.js'

export const SNAPSHOT_FILE = 'snapshot.wtr'
const MAGIC = Buffer.from('WTRSNAP\0', 'latin1')
const END_MAGIC = Buffer.from('WTRSEND\0', 'latin1')
const VERSION = 1
const HEADER_BYTES = 24
const FOOTER_BYTES = 32
/** Keys encoded per event-loop turn; small enough that a slice costs about a millisecond. */
const SLICE_KEYS = 2000
const WRITE_BYTES = 1 << 20
const READ_BYTES = 4 << 20

export class SnapshotError extends Error {
  override name = 'SnapshotError'
}

export interface SnapshotWriteOptions {
  /** Checked between slices: a snapshot that must not be installed stops early. */
  readonly cancelled?: () => boolean
  /** Runs after the data is written and synced, right before the rename makes it current. */
  readonly beforeInstall?: () => Promise<boolean>
}

export interface SnapshotWritten {
  readonly installed: boolean
  readonly keys: number
  readonly bytes: number
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const syncDirectory = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Writes `databases` into dir/snapshot.wtr atomically. Returns installed: false (and leaves the
 * previous snapshot in place) when cancelled or when beforeInstall declines.
 */
export const writeSnapshot = async (
  databases: readonly Keyspace[],
  dir: string,
  startLsn: number,
  options: SnapshotWriteOptions = {},
): Promise<SnapshotWritten> => {
  const path = join(dir, SNAPSHOT_FILE)
  const temp = `${path}.tmp`
  const handle = await open(temp, 'w')
  let installed = false
  let keys = 0
  let bytes = 0
  try {
    const header = Buffer.alloc(HEADER_BYTES)
    MAGIC.copy(header, 0)
    header.writeUInt32LE(VERSION, 8)
    header.writeBigUInt64LE(BigInt(startLsn), 16)
    let crc = crc32c(header)
    await handle.write(header)
    const writer = new OpWriter(WRITE_BYTES + (WRITE_BYTES >> 2))
    const flush = async (): Promise<void> => {
      if (writer.length === 0) return
      const chunk = writer.take()
      crc = crc32c(chunk, crc)
      bytes += chunk.length
      await handle.write(chunk)
    }
    for (let db = 0; db < databases.length; db++) {
      const keyspace = databases[db]!
      let after: Buffer | undefined
      for (;;) {
        if (options.cancelled?.()) return { installed: false, keys, bytes }
        let n = 0
        for (const key of keyspace.keys(after)) {
          after = key
          const entry = keyspace.peek(key)
          if (entry !== undefined) {
            writer.put(db, key, entry.value, entry.expiresAt)
            keys++
          }
          if (writer.length >= WRITE_BYTES) await flush()
          if (++n === SLICE_KEYS) break
        }
        if (n < SLICE_KEYS) break
        await turn()
      }
    }
    await flush()
    const footer = Buffer.alloc(FOOTER_BYTES)
    END_MAGIC.copy(footer, 0)
    footer.writeBigUInt64LE(BigInt(keys), 8)
    footer.writeBigUInt64LE(BigInt(bytes), 16)
    footer.writeUInt32LE(crc >>> 0, 24)
    await handle.write(footer)
    await handle.sync()
    await handle.close()
    if (options.beforeInstall !== undefined && !(await options.beforeInstall())) return { installed: false, keys, bytes }
    await rename(temp, path)
    await syncDirectory(dir)
    installed = true
    return { installed, keys, bytes: bytes + HEADER_BYTES + FOOTER_BYTES }
  } finally {
    await handle.close().catch(() => undefined)
    if (!installed) await unlink(temp).catch(() => undefined)
  }
}

/**
 * Loads dir/snapshot.wtr into `visit` and returns its start LSN; 0 when there is no snapshot.
 * A snapshot that fails its checks is an error naming the file: the data it held exists nowhere
 * else, so starting without it would silently lose it.
 */
export const readSnapshot = async (dir: string, visit: OpVisitor): Promise<{ startLsn: number; keys: number }> => {
  const path = join(dir, SNAPSHOT_FILE)
  const size = await stat(path).then(
    (s) => s.size,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return -1
      throw e
    },
  )
  if (size < 0) return { startLsn: 0, keys: 0 }
  const bad = (why: string): SnapshotError => new SnapshotError(`snapshot ${path} is damaged: ${why}`)
  if (size < HEADER_BYTES + FOOTER_BYTES) throw bad(`only ${size} bytes`)
  const handle = await open(path, 'r')
  try {
    const header = Buffer.alloc(HEADER_BYTES)
    await handle.read(header, 0, HEADER_BYTES, 0)
    if (!header.subarray(0, 8).equals(MAGIC)) throw bad('bad magic at offset 0')
    if (header.readUInt32LE(8) !== VERSION) throw bad(`unknown version ${header.readUInt32LE(8)}`)
    if (header.readUInt32LE(12) !== 0) throw bad('reserved header bytes are not zero at offset 12')
    const startLsn = Number(header.readBigUInt64LE(16))
    const footer = Buffer.alloc(FOOTER_BYTES)
    await handle.read(footer, 0, FOOTER_BYTES, size - FOOTER_BYTES)
    const bodyBytes = size - HEADER_BYTES - FOOTER_BYTES
    if (!footer.subarray(0, 8).equals(END_MAGIC) || Number(footer.readBigUInt64LE(16)) !== bodyBytes) {
      throw bad(`bad footer at offset ${size - FOOTER_BYTES}`)
    }
    if (footer.readUInt32LE(28) !== 0) throw bad(`reserved footer bytes are not zero at offset ${size - 4}`)
    // First pass: the checksum, so damaged data is never applied (its text would name no file).
    let crc = crc32c(header)
    const body = async (visitChunk: (chunk: Buffer, position: number) => void): Promise<void> => {
      let position = HEADER_BYTES
      while (position < HEADER_BYTES + bodyBytes) {
        const want = Math.min(READ_BYTES, HEADER_BYTES + bodyBytes - position)
        const chunk = Buffer.allocUnsafe(want)
        const { bytesRead } = await handle.read(chunk, 0, want, position)
        if (bytesRead !== want) throw bad(`short read at offset ${position}`)
        visitChunk(chunk, position)
        position += want
      }
    }
    await body((chunk) => {
      crc = crc32c(chunk, crc)
    })
    if ((crc >>> 0) !== footer.readUInt32LE(24)) throw bad('checksum mismatch')
    let carry: Buffer = Buffer.alloc(0)
    let keys = 0
    const counting: OpVisitor = {
      ...visit,
      put(db, key, value, expiresAt) {
        keys++
        visit.put(db, key, value, expiresAt)
      },
    }
    await body((chunk, position) => {
      const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk])
      const start = position - carry.length
      try {
        carry = data.subarray(decodeOps(data, counting, true))
      } catch (e) {
        const at = e instanceof OpsFormatError ? start + e.offset : start
        throw bad(`invalid data at offset ${at} (${(e as Error).message})`)
      }
    })
    if (carry.length !== 0) throw bad(`truncated op at offset ${HEADER_BYTES + bodyBytes - carry.length}`)
    if (keys !== Number(footer.readBigUInt64LE(8))) throw bad('key count mismatch')
    return { startLsn, keys }
  } finally {
    await handle.close()
  }
}
