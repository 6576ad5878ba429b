// EXISTS key [key ...]
import { integer, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { readNoTouch } from './lookup.js'

export const exists: CommandSpec = {
  name: 'exists',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: -1, step: 1 },
  group: 'generic',
  summary: 'Determine if a key exists',
  since: '1.0.0',
  complexity: 'O(N) where N is the number of keys to check.',
  syntax: 'key [key ...]',
  execute(ctx, argv): Reply {
    // A key named twice counts twice (Redis). Existence checks leave the access time alone.
    let found = 0
    for (let i = 1; i < argv.length; i++) if (readNoTouch(ctx, argv[i]!) !== undefined) found++
    return integer(found)
  },
}
