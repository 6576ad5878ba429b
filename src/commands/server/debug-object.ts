// DEBUG OBJECT key
import { Errors, simple, type Reply } from '../../protocol/reply.js'
import { dumpPayload } from '../generic/dump-payload.js'
import { encodingOf } from '../generic/object-encoding.js'
import { refcountOf } from '../generic/object-refcount.js'
import type { CommandSpec } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

/** A DUMP payload's bytes besides the value: the type byte, the RDB version and the CRC64. */
const DUMP_FRAME = 1 + 2 + 8
/** Redis's LRU clock: seconds, 24 bits (LRU_CLOCK_MAX, LRU_CLOCK_RESOLUTION 1000 ms). */
const LRU_CLOCK_MAX = (1 << 24) - 1

/**
 * An address for the `Value at:` field: there is no C pointer to show, so one of the same shape
 * is derived from the key (FNV-1a), the same for the same key, 16-byte aligned as malloc's are.
 */
const addressOf = (key: Buffer): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193) >>> 0
  return '0x7f' + (h * 16).toString(16).padStart(10, '0').slice(-10)
}

export const debugObject: CommandSpec = {
  name: 'debug|object',
  arity: 3,
  flags: DEBUG_FLAGS,
  keys: { first: 2, last: 2, step: 1 },
  group: 'server',
  summary: 'Show low level information about a key and its value',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  /**
   * Redis's status line: the encoding OBJECT ENCODING reports, the reference count OBJECT
   * REFCOUNT reports, and serializedlength as RDB writes the value (its DUMP payload less the
   * frame). Redis LZF-compresses strings over 20 bytes when that saves space; here they count
   * uncompressed. `lru` is the LRU clock (seconds, 24 bits) at the last access.
   */
  execute(ctx, argv): Reply {
    // Like Redis's dictFind: no access, no keyspace hit or miss.
    const entry = ctx.session.db.peek(argv[2]!)
    if (entry === undefined) return Errors.noSuchKey
    const value = entry.value
    const lru = Math.floor(entry.accessedAt / 1000) & LRU_CLOCK_MAX
    const idle = Math.max(0, Math.floor((ctx.server.now() - entry.accessedAt) / 1000))
    return simple(
      `Value at:${addressOf(argv[2]!)} refcount:${refcountOf(ctx, value)} encoding:${encodingOf(value)} ` +
        `serializedlength:${dumpPayload(value).length - DUMP_FRAME} lru:${lru} lru_seconds_idle:${idle}`,
    )
  },
}
