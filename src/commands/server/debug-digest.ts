// DEBUG DIGEST
//
// Redis's dataset digest (debug.c computeDatasetDigest), so that the same data digests the same
// here and in redis-server: per key, SHA1 mixes of the key, the type and the value, and a marker
// when it has a TTL; the keys' digests XORed together, after a mix of each non-empty database's
// number. Strings (HyperLogLogs too) are Redis's type 0, hashes its type 4.
import { createHash } from 'node:crypto'
import { error, simple, type Reply } from '../../protocol/reply.js'
import type { Entry, Keyspace } from '../../storage/keyspace.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest()

/** xorDigest: digest ^= SHA1(data). Order-free: used for unordered parts. */
export const xorDigest = (digest: Buffer, data: Uint8Array): void => {
  const hash = sha1(data)
  for (let j = 0; j < 20; j++) digest[j]! ^= hash[j]!
}

/** mixDigest: digest = SHA1(digest ^ SHA1(data)). Order-sensitive. */
export const mixDigest = (digest: Buffer, data: Uint8Array): void => {
  xorDigest(digest, data)
  sha1(digest).copy(digest)
}

/** OBJ_STRING as htonl(0). */
const STRING_TYPE = Buffer.alloc(4)
/** OBJ_HASH as htonl(4). */
const HASH_TYPE = Buffer.of(0, 0, 0, 4)
const EXPIRE_MARK = Buffer.from('!!expire!!')

/**
 * xorObjectDigest: the type, the value, and the TTL marker, mixed into `digest`. A hash's fields
 * are unordered: each field and its value are mixed into a digest of their own, and those are
 * XORed into the value's.
 */
export const mixValueDigest = (digest: Buffer, entry: Entry): void => {
  const value = entry.value
  if (value.type === 'string') {
    mixDigest(digest, STRING_TYPE)
    mixDigest(digest, value.data)
  } else {
    mixDigest(digest, HASH_TYPE)
    for (const [field, fieldValue] of value.fields) {
      const pair = Buffer.alloc(20)
      mixDigest(pair, Buffer.from(field, 'latin1'))
      mixDigest(pair, Buffer.from(fieldValue, 'latin1'))
      xorDigest(digest, pair)
    }
  }
  if (entry.expiresAt !== 0) xorDigest(digest, EXPIRE_MARK)
}

/**
 * The digest of the databases, or undefined if one holds keys only on disk (not read back since
 * a restart, or evicted): its values are not at hand for a synchronous command.
 */
export const datasetDigest = (databases: readonly Keyspace[]): Buffer | undefined => {
  const final = Buffer.alloc(20)
  for (let j = 0; j < databases.length; j++) {
    const db = databases[j]!
    if (db.size === 0) continue
    if ((db as { complete?: boolean }).complete === false) return undefined
    const id = Buffer.alloc(4)
    id.writeUInt32BE(j)
    mixDigest(final, id)
    for (const key of db.keys()) {
      const entry = db.peek(key)
      if (entry === undefined) continue
      const digest = Buffer.alloc(20)
      mixDigest(digest, key)
      mixValueDigest(digest, entry)
      xorDigest(final, digest)
    }
  }
  return final
}

const ON_DISK = error('ERR DEBUG DIGEST needs every key in memory, and some are only on disk: read them (or SCAN with values) first')

export const debugDigest: CommandSpec = {
  name: 'debug|digest',
  arity: 2,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Output a hex signature representing the current dataset',
  since: '1.0.0',
  complexity: 'O(N) where N is the number of keys',
  /**
   * Over the connection's tenant's databases (the admin's: the server's own). Keys whose TTL
   * passed but that are not reclaimed yet are left out, where Redis would still digest them.
   */
  execute(ctx): Reply {
    const digest = datasetDigest(ctx.session.tenant.databases)
    return digest === undefined ? ON_DISK : simple(digest.toString('hex'))
  },
}
