// What the hash commands share: looking a hash up for a read or a write (WRONGTYPE for another
// type), the listpack limits from the configuration, and setting fields as Redis's hashTypeSet
// does, encoding included.

import { Errors, type ErrorReply } from '../../protocol/reply.js'
import { outgrowsListpack, type HashLimits, type HashValue } from '../../storage/hash-value.js'
import type { CommandContext } from '../spec.js'

/**
 * The hash at `key` for a read (Redis's lookupKeyRead: a keyspace hit or miss, the access time
 * touched), undefined when there is none, or WRONGTYPE.
 */
export const readHash = (ctx: CommandContext, key: Buffer): HashValue | undefined | ErrorReply => {
  const entry = ctx.session.db.get(key)
  if (entry === undefined) return undefined
  return entry.value.type === 'hash' ? entry.value : Errors.wrongType
}

/** The hash at `key` for a write (Redis's lookupKeyWrite: no hit or miss counted), or WRONGTYPE. */
export const writeHash = (ctx: CommandContext, key: Buffer): HashValue | undefined | ErrorReply => {
  const entry = ctx.session.db.peek(key)
  if (entry === undefined) return undefined
  return entry.value.type === 'hash' ? entry.value : Errors.wrongType
}

export const isError = (r: unknown): r is ErrorReply => (r as ErrorReply | undefined)?.kind === 'error'

/** hash-max-listpack-entries and hash-max-listpack-value as configured now. */
export const hashLimits = (ctx: CommandContext): HashLimits => ({
  entries: ctx.server.config.number('hash-max-listpack-entries'),
  value: ctx.server.config.number('hash-max-listpack-value'),
})

/**
 * Sets the field-value pairs argv[from..] into the hash at `key` (`hash`: undefined when there
 * is none yet) as Redis's hsetCommand: first any argument longer than hash-max-listpack-value
 * turns the hash into a hashtable (hashTypeTryConversion), then each field is set and the hash
 * converts once it has more fields than hash-max-listpack-entries. Returns the fields created.
 */
export const setFields = (ctx: CommandContext, key: Buffer, hash: HashValue | undefined, argv: readonly Buffer[], from: number): number => {
  const db = ctx.session.db
  const limits = hashLimits(ctx)
  let hashtable = hash?.hashtable === true
  for (let i = from; i < argv.length && !hashtable; i++) if (argv[i]!.length > limits.value) hashtable = true
  let size = hash?.fields.size ?? 0
  let created = 0
  for (let i = from; i + 1 < argv.length; i += 2) {
    const isNew = hash === undefined || !hash.fields.has(argv[i]!.toString('latin1'))
    if (isNew) size++
    if (!hashtable && outgrowsListpack(size, 0, 0, limits)) hashtable = true
    if (db.hashSet(key, argv[i]!, argv[i + 1]!, hashtable)) created++
    if (hash === undefined) {
      const entry = db.peek(key)
      hash = entry?.value.type === 'hash' ? entry.value : undefined
    }
  }
  return created
}
