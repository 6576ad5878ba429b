// TYPE key
import { simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { readNoTouch } from './lookup.js'

const NONE = simple('none')

export const typeCommand: CommandSpec = {
  name: 'type',
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'generic',
  summary: 'Determine the type stored at key',
  since: '1.0.0',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    // Value type tags are Redis's type names (string, list, set, zset, hash, stream).
    const entry = readNoTouch(ctx, argv[1]!)
    return entry === undefined ? NONE : simple(entry.value.type)
  },
}
