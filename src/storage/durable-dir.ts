// Creating directories so that a power cut cannot take them away: after mkdir, the parent of
// each newly created directory is fsynced, or a crash may lose the entry together with every
// file synced inside it.

import { copyFile, mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'

const STRERROR: Readonly<Record<string, string>> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EBADF: 'Bad file descriptor',
}

/** A file system error as Redis reports it (strerror's text), or the error's own message. */
export const systemErrorText = (e: unknown, code = (e as NodeJS.ErrnoException | undefined)?.code): string =>
  (code !== undefined && STRERROR[code]) || (e instanceof Error ? e.message : String(e))

/** Makes creations, renames and removals in `dir` durable. */
export const syncDirectory = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** mkdir -p, then fsync the parent of every directory it created. */
export const createDirDurably = async (dir: string): Promise<void> => {
  const first = await mkdir(dir, { recursive: true })
  if (first === undefined) return
  // `first` is the topmost directory created; sync its parent and each created level's parent.
  const created: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    created.push(at)
    if (at === first || dirname(at) === at) break
  }
  for (const path of created.reverse()) await syncDirectory(dirname(path))
}

/**
 * Copies `source` to `target` (across filesystems too: never a rename) and makes the copy
 * durable: the file's data, and its directory entry unless `syncDir` is false (a caller copying
 * several files syncs the directory once), are fsynced before this resolves. The copy runs on
 * the thread pool (copyFile), never on the event loop.
 */
export const copyDurably = async (source: string, target: string, syncDir = true): Promise<void> => {
  await copyFile(source, target)
  const handle = await open(target, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
  if (syncDir) await syncDirectory(dirname(target))
}
