// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
import { Errors, EMPTY_ARRAY, array, bulk, type Reply } from '../../protocol/reply.js'
import { compileGlob } from '../../storage/glob.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { aclCategories, allCommands } from './command-meta.js'

export const commandList: CommandSpec = {
  name: 'command|list',
  arity: -2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get an array of Redis command names',
  since: '7.0.0',
  complexity: 'O(N) where N is the total number of Redis commands',
  syntax: '[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]',
  /** Names of commands and subcommands (`config|get`); the filters match either. */
  execute(ctx, argv): Reply {
    let keep: (spec: CommandSpec) => boolean = () => true
    if (argv.length === 5 && is(argv[2]!, 'filterby')) {
      const value = argv[4]!
      if (is(argv[3]!, 'module')) {
        // No modules are loaded, so no command belongs to one.
        return EMPTY_ARRAY
      } else if (is(argv[3]!, 'aclcat')) {
        const category = value.toString('latin1').toLowerCase()
        keep = (spec) => aclCategories(spec).includes(category)
      } else if (is(argv[3]!, 'pattern')) {
        const matches = compileGlob(value, true)
        keep = (spec) => matches(Buffer.from(spec.name, 'latin1'))
      } else {
        return Errors.syntax
      }
    } else if (argv.length !== 2) {
      return Errors.syntax
    }
    const names = []
    for (const spec of allCommands(ctx.server.commands)) if (keep(spec)) names.push(bulk(spec.name))
    return array(names)
  },
}
