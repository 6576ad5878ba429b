// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
import { OK, error, type Reply } from '../../protocol/reply.js'
import { is } from '../args.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { isPrintableWord } from './session-info.js'

export const clientSetinfo: CommandSpec = {
  name: 'client|setinfo',
  arity: 4,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Set client or connection specific info',
  since: '7.2.0',
  complexity: 'O(1)',
  syntax: '<LIB-NAME libname | LIB-VER libver>',
  /** Redis 7.2's rules: the attribute as given is echoed in the error; an empty value clears it. */
  execute(ctx, argv): Reply {
    const attr = argv[2]!
    const value = argv[3]!
    const lib = is(attr, 'lib-name') ? 'name' : is(attr, 'lib-ver') ? 'ver' : undefined
    if (lib === undefined) return error(`ERR Unrecognized option '${attr.toString('latin1')}'`)
    if (!isPrintableWord(value)) {
      return error(`ERR ${attr.toString('latin1')} cannot contain spaces, newlines or special characters.`)
    }
    if (lib === 'name') ctx.session.libName = value.toString('latin1')
    else ctx.session.libVer = value.toString('latin1')
    return OK
  },
}
