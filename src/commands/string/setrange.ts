// SETRANGE key offset value
//
// Also home of the string size limit APPEND shares (Redis's checkStringLength).
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { parseInteger } from '../args.js'
import { applyPatch } from '../../storage/keyspace.js'
import { storedLength } from '../quota.js'
import { NOTIFY_STRING } from '../../storage/keyspace-events.js'

export const STRING_TOO_LONG = error('ERR string exceeds maximum allowed size (proto-max-bulk-len)')
const OFFSET_OUT_OF_RANGE = error('ERR offset is out of range')
/** The largest string a command may build: the proto-max-bulk-len setting, as in Redis 7. */
export const maxStringLength = (ctx: CommandContext): number => ctx.server.config.number('proto-max-bulk-len')

export const setrange: CommandSpec = {
  name: 'setrange',
  arity: 4,
  flags: ['write', 'denyoom'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Overwrite part of a string at key starting at the specified offset',
  since: '2.2.0',
  complexity:
    'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
  syntax: 'key offset value',
  // The zero bytes before the offset are stored too.
  grows: (ctx, argv) => {
    const offset = parseInteger(argv[2]!)
    if (offset === null || offset < 0 || argv[3]!.length === 0) return 0
    return offset + argv[3]!.length - storedLength(ctx, argv[1]!)
  },
  execute(ctx, argv): Reply {
    // Precision beyond 2^53 does not matter: such offsets fail the size limit either way.
    const offset = parseInteger(argv[2]!)
    if (offset === null) return Errors.notInteger
    if (offset < 0) return OFFSET_OUT_OF_RANGE
    const db = ctx.session.db
    const key = argv[1]!
    const patch = argv[3]!
    // A write lookup: like Redis's lookupKeyWrite it counts no keyspace hit or miss.
    const entry = db.peek(key)
    if (entry !== undefined && entry.value.type !== 'string') return Errors.wrongType
    const old = entry?.value.type === 'string' ? entry.value.data : undefined
    // An empty patch changes nothing and creates no key, whatever the offset.
    if (patch.length === 0) return integer(old === undefined ? 0 : old.length)
    const end = offset + patch.length
    if (end > maxStringLength(ctx)) return STRING_TOO_LONG

    // Gaps are zero bytes. Raw, as Redis writes into a raw string (a new one, or
    // dbUnshareStringValue's copy).
    const change = { offset, bytes: patch }
    if (entry !== undefined) {
      const length = db.patch(key, change)
      db.notify(NOTIFY_STRING, 'setrange', key)
      return integer(length)
    }
    db.set(key, { type: 'string', data: applyPatch(undefined, change), raw: true }, 0)
    db.notify(NOTIFY_STRING, 'setrange', key)
    return integer(end)
  },
}
