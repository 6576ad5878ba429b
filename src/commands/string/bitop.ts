// BITOP AND|OR|XOR|NOT destkey key [key ...]
import { error, integer, Errors, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { is } from '../args.js'
import { storedLength } from '../quota.js'
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../../storage/keyspace-events.js'

const NOT_SINGLE = error('ERR BITOP NOT must be called with a single source key.')
const EMPTY = Buffer.alloc(0)

export const bitop: CommandSpec = {
  name: 'bitop',
  arity: -4,
  flags: ['write', 'denyoom'],
  keys: { first: 2, last: -1, step: 1 },
  group: 'string',
  summary: 'Perform bitwise operations between strings',
  since: '2.6.0',
  complexity: 'O(N)',
  syntax: 'operation destkey key [key ...]',
  // The result is as long as the longest source.
  grows: (ctx, argv) => {
    let longest = 0
    for (let i = 3; i < argv.length; i++) longest = Math.max(longest, storedLength(ctx, argv[i]!))
    return longest - storedLength(ctx, argv[2]!)
  },
  execute(ctx, argv): Reply {
    const opname = argv[1]!
    const op = is(opname, 'and') ? 'and' : is(opname, 'or') ? 'or' : is(opname, 'xor') ? 'xor' : is(opname, 'not') ? 'not' : null
    if (op === null) return Errors.syntax
    if (op === 'not' && argv.length !== 4) return NOT_SINGLE
    const db = ctx.session.db
    // Missing sources are empty strings (zero bytes as far as the longest source reaches).
    const sources: Buffer[] = []
    for (let j = 3; j < argv.length; j++) {
      const entry = db.get(argv[j]!)
      if (entry === undefined) {
        sources.push(EMPTY)
        continue
      }
      if (entry.value.type !== 'string') return Errors.wrongType
      sources.push(entry.value.data)
    }
    const length = sources.reduce((max, s) => Math.max(max, s.length), 0)
    const dest = argv[2]!
    // All sources empty or missing: the destination is deleted, as Redis does.
    if (length === 0) {
      if (db.delete(dest)) db.notify(NOTIFY_GENERIC, 'del', dest)
      return integer(0)
    }
    const result = Buffer.alloc(length)
    const first = sources[0]!
    first.copy(result)
    if (op === 'not') {
      for (let i = 0; i < length; i++) result[i] = ~result[i]! & 0xff
    } else {
      for (let s = 1; s < sources.length; s++) {
        const src = sources[s]!
        if (op === 'and') {
          // Bytes past a shorter source AND with zero.
          for (let i = 0; i < src.length; i++) result[i] = result[i]! & src[i]!
          result.fill(0, src.length)
        } else if (op === 'or') {
          for (let i = 0; i < src.length; i++) result[i] = result[i]! | src[i]!
        } else {
          for (let i = 0; i < src.length; i++) result[i] = result[i]! ^ src[i]!
        }
      }
    }
    // A new raw string without TTL, as Redis's setKey of the result object.
    db.set(dest, { type: 'string', data: result, raw: true }, 0)
    db.notify(NOTIFY_STRING, 'set', dest)
    return integer(length)
  },
}
