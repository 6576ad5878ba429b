// TENANT subcommand [argument ...]
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { tenantCreate } from './tenant-create.js'
import { tenantDrop } from './tenant-drop.js'
import { tenantInfo } from './tenant-info.js'
import { tenantList } from './tenant-list.js'
import { tenantPasswd } from './tenant-passwd.js'
import { tenantSet } from './tenant-set.js'

export const tenant: CommandSpec = {
  name: 'tenant',
  arity: -2,
  flags: [],
  keys: NO_KEYS,
  group: 'server',
  summary: 'A container for tenant administration commands (admin only)',
  since: '7.0.0',
  complexity: 'Depends on subcommand.',
  subcommands: [tenantCreate, tenantDrop, tenantInfo, tenantList, tenantPasswd, tenantSet],
}
