// ACL subcommand [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { aclWhoami } from './acl-whoami.js'

export const acl: CommandSpec = {
  name: 'acl',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for Access List Control commands',
  since: '6.0.0',
  complexity: 'Depends on subcommand.',
  subcommands: [aclWhoami],
}
