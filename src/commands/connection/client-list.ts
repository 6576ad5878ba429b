// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
import { Errors, error, verbatim, type Reply } from '../../protocol/reply.js'
import { cText, is, parseI64 } from '../args.js'
import type { ClientHandle, CommandSpec, Session } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { clientLine, visibleClients } from './session-info.js'

const INVALID_ID = error('ERR Invalid client ID')

const NORMAL = (session: Session): boolean => session.pubsub === undefined
const PUBSUB = (session: Session): boolean => session.pubsub !== undefined
const NONE = (): boolean => false

/**
 * Redis's client types by name, as a test of a session (undefined: no such type). A connection
 * with subscriptions is `pubsub`, any other `normal`; none is a master or a replica.
 */
export const clientType = (typeName: Buffer): ((session: Session) => boolean) | undefined => {
  switch (typeName.toString('latin1').toLowerCase()) {
    case 'normal':
      return NORMAL
    case 'pubsub':
      return PUBSUB
    case 'master':
    case 'replica':
    case 'slave':
      return NONE
    default:
      return undefined
  }
}

export const unknownType = (typeName: Buffer): Reply =>
  error(`ERR Unknown client type '${cText(typeName)}'`)

export const clientList: CommandSpec = {
  name: 'client|list',
  arity: -2,
  tenantScoped: true,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'connection',
  summary: 'Get the list of client connections',
  since: '2.4.0',
  complexity: 'O(N) where N is the number of client connections',
  syntax: '[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]',
  /** As Redis 7: either one TYPE filter or one ID list (in the order given), not both. */
  execute(ctx, argv): Reply {
    const visible = visibleClients(ctx)
    let selected: ClientHandle[]
    if (argv.length === 4 && is(argv[2]!, 'type')) {
      const type = clientType(argv[3]!)
      if (type === undefined) return unknownType(argv[3]!)
      selected = visible.filter((handle) => type(handle.session))
    } else if (argv.length > 3 && is(argv[2]!, 'id')) {
      selected = []
      for (let i = 3; i < argv.length; i++) {
        const id = parseI64(argv[i]!)
        if (id === null) return INVALID_ID
        const handle = visible.find((h) => h.session.id === Number(id))
        if (handle !== undefined) selected.push(handle)
      }
    } else if (argv.length !== 2) {
      return Errors.syntax
    } else {
      selected = visible
    }
    const now = ctx.server.now()
    let text = ''
    for (const handle of selected) text += clientLine(handle.session, now, handle) + '\n'
    return verbatim(text)
  },
}
