// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
import type { CommandSpec } from '../spec.js'
import { bitfieldGeneric } from './bitfield.js'

export const bitfieldRo: CommandSpec = {
  name: 'bitfield_ro',
  arity: -2,
  flags: ['readonly', 'fast'],
  keys: { first: 1, last: 1, step: 1 },
  group: 'string',
  summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
  since: '6.0.0',
  complexity: 'O(1) for each subcommand specified',
  syntax: 'key [GET encoding offset [GET encoding offset ...]]',
  execute: (ctx, argv) => bitfieldGeneric(ctx, argv, true),
}
