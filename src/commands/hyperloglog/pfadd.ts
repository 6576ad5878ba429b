// PFADD key [element [element ...]]
//
// Also home of what the PF* commands share: their errors, the HLL check of a stored value
// (Redis's isHLLObjectOrReply) and the write of a changed HLL back to the keyspace.
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import type { Entry, Keyspace } from '../../storage/keyspace.js'
import { HLL_DENSE_SIZE, HllBuilder, createHll, isHllString } from './hll.js'
import { storedLength } from '../quota.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const NOT_HLL = error('WRONGTYPE Key is not a valid HyperLogLog string value.')
export const INVALID_HLL = error('INVALIDOBJ Corrupted HLL object detected')

/** hll-sparse-max-bytes: the largest sparse HLL, header included, before it turns dense. */
export const sparseMaxBytes = (ctx: CommandContext): number => ctx.server.config.number('hll-sparse-max-bytes')

/** The bytes of an HLL value, or the error reply for a non-string or a string that is no HLL. */
export const hllBytes = (entry: Entry): Buffer | Reply => {
  if (entry.value.type !== 'string') return Errors.wrongType
  return isHllString(entry.value.data) ? entry.value.data : NOT_HLL
}

/** Byte runs closer than this are written as one patch. */
const PATCH_GAP = 16
/** More runs than this and the whole value is written instead. */
const MAX_PATCHES = 4

/**
 * Stores `next` as the HLL at `key`, raw as Redis's in-place HLL edits leave it, keeping the
 * key's expiry. A change of the same length (a dense register, a cache byte) goes to the log as
 * a few small patches instead of the whole 12 KB.
 */
export const storeHll = (db: Keyspace, key: Buffer, old: Entry | undefined, next: Buffer): void => {
  const held = old?.value
  const prior = held?.type === 'string' && held.raw === true ? held.data : undefined
  if (old === undefined || prior === undefined || prior.length !== next.length) {
    db.set(key, { type: 'string', data: next, raw: true }, old?.expiresAt ?? 0)
    return
  }
  const runs: [number, number][] = []
  for (let i = 0; i < next.length; i++) {
    if (prior[i] === next[i]) continue
    const last = runs.at(-1)
    if (last !== undefined && i - last[1] <= PATCH_GAP) last[1] = i + 1
    else if (runs.length === MAX_PATCHES) {
      db.set(key, { type: 'string', data: next, raw: true }, old.expiresAt)
      return
    } else runs.push([i, i + 1])
  }
  // Copied: `next` may be the caller's scratch buffer, and the patch outlives this command.
  for (const [from, to] of runs) db.patch(key, { offset: from, bytes: Buffer.from(next.subarray(from, to)) })
}

export const pfadd: CommandSpec = {
  name: 'pfadd',
  arity: -2,
  flags: ['write', 'denyoom', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hyperloglog',
  summary: 'Adds the specified elements to the specified HyperLogLog.',
  since: '2.8.9',
  complexity: 'O(1) to add every element.',
  syntax: 'key [element [element ...]]',
  // Turning dense, an HLL grows to 12 KB whatever the elements' bytes.
  grows: (ctx, argv) => HLL_DENSE_SIZE - storedLength(ctx, argv[1]!),
  execute(ctx, argv): Reply {
    const db = ctx.session.db
    const key = argv[1]!
    // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
    const entry = db.peek(key)
    let updated = 0
    let hll: HllBuilder
    if (entry === undefined) {
      hll = new HllBuilder(createHll())
      // Creating the key counts as a change even with no elements (PFADD key answers 1).
      updated++
    } else {
      const bytes = hllBytes(entry)
      if (!Buffer.isBuffer(bytes)) return bytes
      hll = new HllBuilder(bytes)
    }
    const maxBytes = sparseMaxBytes(ctx)
    for (let j = 2; j < argv.length; j++) {
      const r = hll.add(argv[j]!, maxBytes)
      if (r === 1) updated++
      else if (r === -1) {
        // Redis edits in place: what the elements before this one changed stays.
        if (updated > 0 && entry !== undefined) storeHll(db, key, entry, hll.bytes())
        return INVALID_HLL
      }
    }
    if (updated === 0) return integer(0)
    hll.invalidateCache()
    storeHll(db, key, entry, hll.bytes())
    db.notify(NOTIFY_STRING, 'pfadd', key)
    return integer(1)
  },
}
