// COMMAND INFO [command-name [command-name ...]]
import { NULL, array, bulk, integer, map, set, simple, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { aclCategories, keySpecs, lookupByName, tips, visibleFlags, type KeySpecRow } from './command-meta.js'

const b = (s: string) => bulk(s)
const numbers = (fields: Record<string, number>): Reply =>
  map(Object.entries(fields).map(([k, v]) => [b(k), integer(v)] as const))
const typed = (type: string, spec: Reply): Reply => map([[b('type'), b(type)], [b('spec'), spec]])
const UNKNOWN = typed('unknown', map([]))

const keySpecReply = ([flags, begin, find, notes]: KeySpecRow): Reply => {
  const beginSearch =
    begin === null
      ? UNKNOWN
      : typeof begin === 'number'
        ? typed('index', numbers({ index: begin }))
        : typed('keyword', map([[b('keyword'), b(begin[0])], [b('startfrom'), integer(begin[1])]]))
  let findKeys = UNKNOWN
  if (find !== null && 'keynum' in find) {
    const [keynumidx, firstkey, keystep] = find.keynum
    findKeys = typed('keynum', numbers({ keynumidx, firstkey, keystep }))
  } else if (find !== null) {
    const [lastkey, keystep, limit] = find
    findKeys = typed('range', numbers({ lastkey, keystep, limit }))
  }
  return map([
    ...(notes === undefined ? [] : [[b('notes'), b(notes)] as const]),
    [b('flags'), set(flags.split(' ').map(simple))],
    [b('begin_search'), beginSearch],
    [b('find_keys'), findKeys],
  ])
}

const cache = new WeakMap<CommandSpec, Reply>()

/**
 * One command's COMMAND INFO entry, Redis 7's ten fields: name, arity, flags, first key, last key,
 * step, ACL categories, tips, key specs, subcommands. Specs never change, so entries are cached.
 */
export const commandInfoEntry = (spec: CommandSpec): Reply => {
  let entry = cache.get(spec)
  if (entry === undefined) {
    const keys = spec.keys ?? NO_KEYS
    entry = array([
      bulk(spec.name),
      integer(spec.arity),
      set(visibleFlags(spec).map(simple)),
      integer(keys.first),
      integer(keys.last),
      integer(keys.step),
      set(aclCategories(spec).map((c) => simple(`@${c}`))),
      set(tips(spec).map(bulk)),
      set(keySpecs(spec).map(keySpecReply)),
      // Redis answers an empty set for a command without subcommands, an array otherwise.
      spec.subcommands === undefined || spec.subcommands.length === 0
        ? set([])
        : array(spec.subcommands.map(commandInfoEntry)),
    ])
    cache.set(spec, entry)
  }
  return entry
}

export const commandInfo: CommandSpec = {
  name: 'command|info',
  arity: -2,
  flags: ['loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get array of specific Redis command details, or all when no argument is given.',
  since: '2.8.13',
  complexity: 'O(N) where N is the number of commands to look up',
  syntax: '[command-name [command-name ...]]',
  /** Unknown names answer a null in their place; no names means every command. */
  execute(ctx, argv): Reply {
    const commands = ctx.server.commands
    if (argv.length === 2) return array([...commands.values()].map(commandInfoEntry))
    const entries: Reply[] = []
    for (let i = 2; i < argv.length; i++) {
      const spec = lookupByName(commands, argv[i]!.toString('latin1'))
      entries.push(spec === undefined ? NULL : commandInfoEntry(spec))
    }
    return array(entries)
  },
}
