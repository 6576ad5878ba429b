// OBJECT ENCODING key
import { NULL, bulk, type Reply } from '../../protocol/reply.js'
import type { Value } from '../../storage/keyspace.js'
import { parseI64 } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { readNoTouch } from './lookup.js'

/** Redis keeps strings up to this many bytes in one allocation with the object header. */
const EMBSTR_LIMIT = 44

type Encoding = 'int' | 'embstr' | 'raw' | 'listpack' | 'hashtable'

/**
 * The encoding Redis would give the value: `raw` for a string APPEND or SETRANGE made (kept while
 * it is in memory, see StringValue.raw), else what Redis chooses for a string it stores; a hash's
 * is kept with it (HashValue.hashtable).
 */
export const encodingOf = (value: Value): Encoding => {
  if (value.type === 'hash') return value.hashtable ? 'hashtable' : 'listpack'
  if (value.raw === true) return 'raw'
  const data = value.data
  // parseI64 is Redis's string2ll: at most 20 characters, canonical form, 64-bit range.
  if (data.length <= 20 && parseI64(data) !== null) return 'int'
  return data.length <= EMBSTR_LIMIT ? 'embstr' : 'raw'
}

const REPLIES: Record<Encoding, Reply> = {
  int: bulk('int'),
  embstr: bulk('embstr'),
  raw: bulk('raw'),
  listpack: bulk('listpack'),
  hashtable: bulk('hashtable'),
}

export const objectEncoding: CommandSpec = {
  name: 'object|encoding',
  arity: 3,
  flags: ['readonly'],
  keys: { first: 2, last: 2, step: 1 },
  group: 'generic',
  summary: 'Inspect the internal encoding of a Redis object',
  since: '2.2.3',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const entry = readNoTouch(ctx, argv[2]!, false)
    return entry === undefined ? NULL : REPLIES[encodingOf(entry.value)]
  },
}
