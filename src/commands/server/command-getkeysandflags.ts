// COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
import { EMPTY_ARRAY, array, bulk, error, set, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { findKeys, lookupByArgv, type FoundKey } from './command-meta.js'

const INVALID_COMMAND = error('ERR Invalid command specified')
const NO_KEY_ARGUMENTS = error('ERR The command has no key arguments')
const INVALID_ARGUMENT_COUNT = error('ERR Invalid number of arguments specified for command')
const INVALID_ARGUMENTS = error('ERR Invalid arguments specified for command')

/** The keys a command line would touch, or the error COMMAND GETKEYS answers (Redis's checks). */
export const resolveKeys = (commands: ReadonlyMap<string, CommandSpec>, line: Buffer[]): FoundKey[] | Reply => {
  const spec = lookupByArgv(commands, line)
  if (spec === undefined) return INVALID_COMMAND
  if (spec.keys.first === 0) return NO_KEY_ARGUMENTS
  if (spec.arity > 0 ? spec.arity !== line.length : line.length < -spec.arity) return INVALID_ARGUMENT_COUNT
  const found = findKeys(spec, line)
  if (found === null || found.length === 0) {
    return spec.flags.includes('no_mandatory_keys') && found !== null ? EMPTY_ARRAY : INVALID_ARGUMENTS
  }
  return found
}

export const commandGetkeysandflags: CommandSpec = {
  name: 'command|getkeysandflags',
  arity: -4,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Extract keys and access flags given a full Redis command',
  since: '7.0.0',
  complexity: 'O(N) where N is the number of arguments to the command',
  syntax: 'command [arg [arg ...]]',
  /** Each key with its key spec's flags, e.g. [`k`, {RW, access, update}]. */
  execute(ctx, argv): Reply {
    const found = resolveKeys(ctx.server.commands, argv.slice(2))
    if ('kind' in found) return found
    return array(found.map(({ key, flags }) => array([bulk(key), set(flags.split(' ').map(simple))])))
  },
}
