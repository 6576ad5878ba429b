// WATCH's bookkeeping, as Redis's multi.c keeps it: each connection lists the keys it watches
// (WatchedKeys), and each database maps a watched key to the watches on it (MemoryKeyspace.
// watches), so that a change to the key reaches its watchers at once. A change is anything that
// changes what the key holds or when it expires, by any connection, this one included, and the
// reclaiming of an expired key, a FLUSHDB or FLUSHALL, a SWAPDB, or an undo after a failed WAL
// write: the keyspace calls touchWatchedKey / touchAllWatchedKeys from every such path (SWAPDB:
// keyspaces.ts, touchWatchedKeysOnSwap).
//
// Keys that were already expired when watched (Redis 7's `expired` flag) are logically absent:
// their reclaiming changes nothing, and only a change that makes them exist again breaks the
// watch. EXEC also fails when a key that was live when watched has expired since, even if nothing
// has reclaimed it yet (isWatchedKeyExpired).

import type { MemoryKeyspace } from './memory-keyspace.js'

export interface Watch {
  readonly owner: WatchedKeys
  /** The keyspace its database shows: a SWAPDB moves the watch to the other one. */
  db: MemoryKeyspace
  readonly k: string
  /** The key was expired (logically absent) when watched, and has not existed since. */
  expiredAtWatch: boolean
}

/** One connection's watched keys (the session holds it while it watches any). */
export class WatchedKeys {
  /** A watched key changed (Redis's CLIENT_DIRTY_CAS): EXEC answers a null array. */
  broken = false
  private watches: Watch[] = []

  get count(): number {
    return this.watches.length
  }

  /** WATCH of `key` in `db`; a key already watched there is kept as it was. */
  watch(db: MemoryKeyspace, key: Buffer): void {
    // As Redis: once broken, EXEC fails whatever else is watched, so nothing more is recorded.
    if (this.broken) return
    const k = key.toString('latin1')
    for (const w of this.watches) if (w.db === db && w.k === k) return
    const watch: Watch = { owner: this, db, k, expiredAtWatch: db.residentExpired(k) }
    this.watches.push(watch)
    if (db.watches === undefined) {
      db.watches = new Map()
      db.observe()
    }
    const byKey = db.watches
    const list = byKey.get(k)
    if (list === undefined) byKey.set(k, [watch])
    else list.push(watch)
  }

  /** Removes every watch from the databases' maps; `broken` stays as it is (UNWATCH clears it). */
  unwatchAll(): void {
    for (const w of this.watches) {
      const byKey = w.db.watches
      const list = byKey?.get(w.k)
      if (byKey === undefined || list === undefined) continue
      const i = list.indexOf(w)
      if (i >= 0) list.splice(i, 1)
      if (list.length > 0) continue
      byKey.delete(w.k)
      if (byKey.size > 0) continue
      w.db.watches = undefined
      w.db.observe()
    }
    this.watches = []
  }

  /** A key live when watched has expired since, reclaimed or not (EXEC's last check). */
  anyExpired(): boolean {
    for (const w of this.watches) if (!w.expiredAtWatch && w.db.residentExpired(w.k)) return true
    return false
  }

  /** The watched keys by database, for staging them before EXEC checks them. */
  keysByDb(): Map<MemoryKeyspace, Buffer[]> {
    const byDb = new Map<MemoryKeyspace, Buffer[]>()
    for (const w of this.watches) {
      const keys = byDb.get(w.db)
      const key = Buffer.from(w.k, 'latin1')
      if (keys === undefined) byDb.set(w.db, [key])
      else keys.push(key)
    }
    return byDb
  }
}

const breakWatch = (owner: WatchedKeys): void => {
  owner.broken = true
  // Nothing can mend it: the watches only cost memory and work on later changes until EXEC.
  owner.unwatchAll()
}

/** `k` in `db` changed (Redis's touchWatchedKey); `db.watches` is set. */
export const touchWatchedKey = (db: MemoryKeyspace, byKey: Map<string, Watch[]>, k: string): void => {
  const list = byKey.get(k)
  if (list === undefined) return
  for (const w of [...list]) {
    if (w.expiredAtWatch) {
      // An expired key reclaimed: it was absent to the watcher already.
      if (!db.residentLive(k)) continue
      w.expiredAtWatch = false
    }
    breakWatch(w.owner)
  }
}

/**
 * `db` is about to be emptied (Redis's touchAllWatchedKeysInDb): a watch breaks if its key
 * exists now. A key the resident set does not decide may be on disk, so it counts as existing.
 */
export const touchAllWatchedKeys = (db: MemoryKeyspace, byKey: Map<string, Watch[]>): void => {
  for (const [k, list] of [...byKey]) {
    if (!db.mayExist(k)) continue
    for (const w of [...list]) {
      // Still expired (a change would have made it live and broken the watch), now deleted: no
      // change the watcher could have seen.
      if (w.expiredAtWatch) continue
      breakWatch(w.owner)
    }
  }
}

/**
 * The database whose keyspace is `emptied` is about to show `replacedWith` (SWAPDB), as Redis
 * 7.0's touchAllWatchedKeysInDb(emptied, replaced_with): a watch breaks when its key exists in
 * either, unless the swap makes no change the watcher could see: an expired key (as it was when
 * watched) replaced by nothing or by another expired key, or nothing replaced by an expired key
 * (the watch then holds the key as expired). A key the resident set does not decide may be on
 * disk, live: it counts as existing and not expired, so such a watch breaks where Redis's might not.
 */
export const touchWatchedKeysOnSwap = (emptied: MemoryKeyspace, byKey: Map<string, Watch[]>, replacedWith: MemoryKeyspace): void => {
  for (const [k, list] of [...byKey]) {
    const existsInEmptied = emptied.mayExist(k)
    const existsInReplacement = replacedWith.mayExist(k)
    if (!existsInEmptied && !existsInReplacement) continue
    const expiredInReplacement = replacedWith.residentExpired(k)
    for (const w of [...list]) {
      if (w.expiredAtWatch) {
        if (!existsInReplacement) {
          // Expired and now gone: no change; a deleted key is not flagged as expired.
          w.expiredAtWatch = false
          continue
        }
        if (expiredInReplacement) continue
      } else if (!existsInEmptied && expiredInReplacement) {
        w.expiredAtWatch = true
        continue
      }
      breakWatch(w.owner)
    }
  }
}
