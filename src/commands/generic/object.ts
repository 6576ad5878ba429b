// OBJECT <ENCODING | FREQ | IDLETIME | REFCOUNT> key | OBJECT HELP
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { objectEncoding } from './object-encoding.js'
import { objectFreq } from './object-freq.js'
import { objectHelp } from './object-help.js'
import { objectIdletime } from './object-idletime.js'
import { objectRefcount } from './object-refcount.js'

export const object: CommandSpec = {
  name: 'object',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'generic',
  summary: 'A container for object introspection commands',
  since: '2.2.3',
  complexity: 'Depends on subcommand.',
  subcommands: [objectEncoding, objectFreq, objectHelp, objectIdletime, objectRefcount],
}
