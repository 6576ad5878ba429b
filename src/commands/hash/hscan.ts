// HSCAN key cursor [MATCH pattern] [COUNT count]
import { array, bulk, type Reply } from '../../protocol/reply.js'
import { compileGlob } from '../../storage/glob.js'
import { INVALID_CURSOR, parseCursor, parseScanOptions } from '../generic/scan.js'
import type { CommandSpec } from '../spec.js'
import { isError, readHash } from './hash-lookup.js'

const EMPTY_SCAN = array([bulk('0'), array([])])

export const hscan: CommandSpec = {
  name: 'hscan',
  arity: -3,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'hash',
  summary: 'Incrementally iterate hash fields and associated values',
  since: '2.8.0',
  complexity:
    'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
  syntax: 'key cursor [MATCH pattern] [COUNT count]',
  /**
   * Redis's order: the cursor, the key (none: an empty scan), its type, then the options. The
   * whole hash comes in one reply with cursor 0, whatever the cursor and COUNT, as Redis answers
   * for a listpack; for a hashtable Redis walks its dict in steps, which a hash held whole
   * (phase 1, docs/segment-format.md) has no stable order for. COUNT is a hint either way.
   */
  execute(ctx, argv): Reply {
    if (parseCursor(argv[2]!) === null) return INVALID_CURSOR
    const hash = readHash(ctx, argv[1]!)
    if (hash === undefined) return EMPTY_SCAN
    if (isError(hash)) return hash
    const options = parseScanOptions(argv, 3, false)
    if ('kind' in options) return options
    const match = options.pattern === undefined ? undefined : compileGlob(options.pattern)
    const items: Reply[] = []
    for (const [field, value] of hash.fields) {
      if (match !== undefined && !match(Buffer.from(field, 'latin1'))) continue
      items.push(bulk(field), bulk(value))
    }
    return array([bulk('0'), array(items)])
  },
}
