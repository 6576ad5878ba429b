// SUBSTR key start end
import type { CommandSpec } from '../spec.js'
import { getRange } from './getrange.js'

/** The pre-2.4 name of GETRANGE, deprecated but still served. */
export const substr: CommandSpec = {
  name: 'substr',
  arity: 4,
  flags: ['readonly'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Get a substring of the string stored at a key',
  since: '1.0.0',
  complexity:
    'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
  syntax: 'key start end',
  execute: getRange,
}
