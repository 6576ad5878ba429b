// CLIENT KILL <ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> [...]>
import { OK, Errors, error, integer, type Reply } from '../../protocol/reply.js'
import { cText, is, parseI64 } from '../args.js'
import type { CommandSpec, Session } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { clientType, unknownType } from './client-list.js'
import { visibleClients } from './session-info.js'

const NO_SUCH_CLIENT = error('ERR No such client')
const BAD_ID = error('ERR client-id should be greater than 0')

interface Filter {
  addr?: string
  laddr?: string
  id?: number
  user?: string
  /** A TYPE filter: whether a connection is of that type. */
  type?: (session: Session) => boolean
  skipMe: boolean
}

/** Parses the filter form; returns the filter or the error reply, checking options in order. */
const parseFilter = (argv: Buffer[]): Filter | Reply => {
  const filter: Filter = { skipMe: true }
  for (let i = 2; i < argv.length; i += 2) {
    const option = argv[i]!
    const value = argv[i + 1]
    if (value === undefined) return Errors.syntax
    if (is(option, 'id')) {
      const id = parseI64(value)
      if (id === null || id < 1n) return BAD_ID
      filter.id = Number(id)
    } else if (is(option, 'type')) {
      const type = clientType(value)
      if (type === undefined) return unknownType(value)
      filter.type = type
    } else if (is(option, 'addr')) {
      filter.addr = value.toString('latin1')
    } else if (is(option, 'laddr')) {
      filter.laddr = value.toString('latin1')
    } else if (is(option, 'user')) {
      const user = value.toString('latin1')
      // `default` is the only user until ACLs exist.
      if (user !== 'default') return error(`ERR No such user '${cText(value)}'`)
      filter.user = user
    } else if (is(option, 'skipme')) {
      if (is(value, 'yes')) filter.skipMe = true
      else if (is(value, 'no')) filter.skipMe = false
      else return Errors.syntax
    } else {
      return Errors.syntax
    }
  }
  return filter
}

export const clientKill: CommandSpec = {
  name: 'client|kill',
  arity: -3,
  tenantScoped: true,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Kill the connection of a client',
  since: '2.4.0',
  complexity: 'O(N) where N is the number of client connections',
  syntax:
    '<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> [...]>',
  /**
   * The old form `CLIENT KILL ip:port` may kill the caller and answers OK or "No such client";
   * the filter form skips the caller unless SKIPME no, and answers the number killed. The caller
   * itself is closed only after this reply is written.
   */
  execute(ctx, argv): Reply {
    const oldForm = argv.length === 3
    const parsed: Filter | Reply = oldForm
      ? { addr: argv[2]!.toString('latin1'), skipMe: false }
      : parseFilter(argv)
    if ('kind' in parsed) return parsed
    const f = parsed
    const me = ctx.session
    let killed = 0
    for (const handle of visibleClients(ctx)) {
      const s = handle.session
      if (f.type !== undefined && !f.type(s)) continue
      if (f.addr !== undefined && s.addr !== f.addr) continue
      if (f.laddr !== undefined && s.laddr !== f.laddr) continue
      if (f.id !== undefined && s.id !== f.id) continue
      if (f.user !== undefined && s.user !== f.user) continue
      if (s.id === me.id) {
        if (f.skipMe) continue
        me.closeAfterReply = true
      } else {
        handle.kill()
      }
      killed++
    }
    if (oldForm) return killed === 0 ? NO_SUCH_CLIENT : OK
    return integer(killed)
  },
}
