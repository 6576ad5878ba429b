// Redis's per-command metadata that COMMAND INFO reports and a CommandSpec does not carry: the
// ACL categories that flags and group cannot imply, command tips, and key specs. Transcribed
// from Redis 7.0's command table (src/commands/*.json) for every family we implement or plan,
// so COMMAND INFO stays exact whoever adds the command module.

import { parseInteger } from '../args.js'
import type { CommandFlag, CommandSpec } from '../spec.js'

/** Redis's order of ACL categories in COMMAND INFO (ACLCommandCategories). */
const CATEGORY_ORDER = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction',
  'scripting',
] as const

/** The category a command group implies (Redis's json files declare it per command). */
const GROUP_CATEGORY: Readonly<Record<string, string>> = {
  string: 'string', generic: 'keyspace', keyspace: 'keyspace', connection: 'connection', hash: 'hash',
  list: 'list', set: 'set', 'sorted-set': 'sortedset', stream: 'stream', pubsub: 'pubsub',
  transactions: 'transaction', scripting: 'scripting', bitmap: 'bitmap', hyperloglog: 'hyperloglog', geo: 'geo',
}

/** Commands whose declared categories differ from what their group implies. */
const DECLARED_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  // The bitmap commands live with the string commands here (they work on strings), but Redis
  // declares them @bitmap only.
  bitcount: ['bitmap'],
  bitfield: ['bitmap'],
  bitfield_ro: ['bitmap'],
  bitop: ['bitmap'],
  bitpos: ['bitmap'],
  command: ['connection'],
  dbsize: ['keyspace'],
  flushall: ['keyspace', 'dangerous'],
  flushdb: ['keyspace', 'dangerous'],
  getbit: ['bitmap'],
  info: ['dangerous'],
  keys: ['keyspace', 'dangerous'],
  lastsave: ['admin', 'dangerous'],
  migrate: ['keyspace', 'dangerous'],
  'pubsub|help': [],
  restore: ['keyspace', 'dangerous'],
  'restore-asking': ['keyspace', 'dangerous'],
  role: ['admin', 'dangerous'],
  setbit: ['bitmap'],
  sort: ['set', 'sortedset', 'list', 'dangerous'],
  sort_ro: ['set', 'sortedset', 'list', 'dangerous'],
  swapdb: ['keyspace', 'dangerous'],
  wait: ['connection'],
}

/** Redis's order of flags in COMMAND INFO; may_replicate is hidden there on purpose. */
const FLAG_ORDER: readonly CommandFlag[] = [
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'fast', 'no_auth', 'no_mandatory_keys', 'no_multi', 'allow_busy',
]

export const visibleFlags = (spec: CommandSpec): string[] => FLAG_ORDER.filter((f) => spec.flags.includes(f))

const containerOf = (name: string): string | undefined => {
  const bar = name.indexOf('|')
  return bar === -1 ? undefined : name.slice(0, bar)
}

/** ACL categories as Redis derives them: implied by flags, plus declared ones (group or table). */
export const aclCategories = (spec: CommandSpec): string[] => {
  const cats = new Set<string>()
  const flags = spec.flags
  if (flags.includes('write')) cats.add('write')
  if (flags.includes('readonly') && spec.group !== ('scripting' as string)) cats.add('read')
  if (flags.includes('admin')) cats.add('admin').add('dangerous')
  if (flags.includes('pubsub')) cats.add('pubsub')
  if (flags.includes('fast')) cats.add('fast')
  if (flags.includes('blocking')) cats.add('blocking')
  if (!cats.has('fast')) cats.add('slow')
  const declared =
    DECLARED_CATEGORIES[spec.name] ??
    DECLARED_CATEGORIES[containerOf(spec.name) ?? ''] ??
    // A container only groups its subcommands; Redis declares no category for it.
    (spec.subcommands !== undefined && spec.execute === undefined ? [] : [GROUP_CATEGORY[spec.group]])
  for (const c of declared) if (c !== undefined) cats.add(c)
  return CATEGORY_ORDER.filter((c) => cats.has(c))
}

export const tips = (spec: CommandSpec): string[] => {
  const t = TIPS[spec.name]
  return t === undefined ? [] : t.split(' ')
}

/** Where key search starts: an argv index, or after a keyword searched from `startfrom`. */
export type BeginSearch = number | readonly [keyword: string, startfrom: number] | null
/** A key range relative to the start, or a key count read from argv (`keynum`); null: unknown. */
export type FindKeys =
  | readonly [lastkey: number, keystep: number, limit: number]
  | { readonly keynum: readonly [keynumidx: number, firstkey: number, keystep: number] }
  | null
export type KeySpecRow = readonly [flags: string, begin: BeginSearch, find: FindKeys, notes?: string]

/**
 * Key specs: Redis's table when it knows the command, otherwise one spec derived from the legacy
 * key positions and the read/write flag.
 */
export const keySpecs = (spec: CommandSpec): readonly KeySpecRow[] => {
  const known = KEY_SPECS[spec.name]
  if (known !== undefined) return known
  const { first, last, step } = spec.keys
  if (first === 0) return []
  const flags = spec.flags.includes('write') ? 'RW update' : 'RO access'
  return [[flags, first, [last < 0 ? last : last - first, step, 0]]]
}

/** A command or subcommand by its full name (`get`, `config|get`), case-insensitively. */
export const lookupByName = (commands: ReadonlyMap<string, CommandSpec>, fullName: string): CommandSpec | undefined => {
  const lower = fullName.toLowerCase()
  const bar = lower.indexOf('|')
  if (bar === -1) return commands.get(lower)
  return commands.get(lower.slice(0, bar))?.subcommands?.find((s) => s.name === lower)
}

/** The spec a command line runs: the subcommand when the command is a container (as dispatch). */
export const lookupByArgv = (commands: ReadonlyMap<string, CommandSpec>, argv: readonly Buffer[]): CommandSpec | undefined => {
  const base = commands.get(argv[0]!.toString('latin1').toLowerCase())
  if (base?.subcommands === undefined || argv.length < 2) return base
  return lookupByName(commands, `${base.name}|${argv[1]!.toString('latin1')}`)
}

/** Every command and subcommand, each container followed by its subcommands. */
export function* allCommands(commands: ReadonlyMap<string, CommandSpec>): Generator<CommandSpec> {
  for (const spec of commands.values()) {
    yield spec
    if (spec.subcommands !== undefined) yield* spec.subcommands
  }
}

/**
 * Key flags of commands whose key spec says `variable_flags`: what Redis's per-command getkeys
 * function reports for this command line.
 */
const VARIABLE_FLAGS: Readonly<Record<string, (argv: readonly Buffer[]) => string>> = {
  // SET … GET reads the old value; without GET the key is only overwritten.
  set: (argv) => (argv.slice(3).some((a) => a.toString('latin1').toLowerCase() === 'get') ? 'RW access update' : 'OW update'),
  // Read-only while only GETs and OVERFLOWs come first; a SET, INCRBY or anything unparsable
  // makes it a write (Redis's bitfieldGetKeys assumes a write when in doubt).
  bitfield: (argv) => {
    for (let i = 2; i < argv.length; i++) {
      const sub = argv[i]!.toString('latin1').toLowerCase()
      const remaining = argv.length - i - 1
      if (sub === 'get' && remaining >= 2) i += 2
      else if (sub === 'overflow' && remaining >= 1) i += 1
      else return 'RW access update'
    }
    return 'RO access'
  },
}

export interface FoundKey {
  readonly key: Buffer
  /** The key spec's flags, e.g. `RW access update`. */
  readonly flags: string
}

/**
 * The keys of a command line by its key specs, as Redis's getKeysUsingKeySpecs (COMMAND GETKEYS).
 * Positions beyond the arguments are skipped for variadic commands (their own parsing reports the
 * error). Returns null when a key count argument is not a valid count.
 */
export const findKeys = (spec: CommandSpec, argv: readonly Buffer[]): FoundKey[] | null => {
  const argc = argv.length
  // Redis finds keys of `unknown` specs with a per-command function; the known specs (or else
  // the legacy positions) cover the common forms.
  let rows = keySpecs(spec).filter(([, begin, find]) => begin !== null && find !== null)
  if (rows.length === 0 && spec.keys.first !== 0) {
    const { first, last, step } = spec.keys
    rows = [[keySpecs(spec)[0]?.[0] ?? 'RW', first, [last < 0 ? last : last - first, step, 0]]]
  }
  const found: FoundKey[] = []
  for (const [flags, begin, find] of rows) {
    let start: number
    if (typeof begin === 'number') {
      start = begin
    } else {
      const [keyword, startfrom] = begin!
      const from = startfrom >= 0 ? startfrom : argc + startfrom
      const dir = startfrom >= 0 ? 1 : -1
      start = -1
      for (let i = from; i > 0 && i < argc; i += dir) {
        if (argv[i]!.toString('latin1').toLowerCase() === keyword.toLowerCase()) {
          start = i + 1
          break
        }
      }
      if (start === -1) continue
    }
    let first = start
    let last: number
    let step: number
    if (find !== null && 'keynum' in find) {
      const [keynumidx, firstkey, keystep] = find.keynum
      const countArg = argv[start + keynumidx]
      const count = countArg === undefined ? null : parseInteger(countArg)
      if (count === null || count < 0) return null
      first = start + firstkey
      step = keystep
      last = first + (count - 1) * keystep
    } else {
      const [lastkey, keystep, limit] = find!
      step = keystep
      if (lastkey >= 0) last = start + lastkey
      else if (limit === 0) last = argc + lastkey
      else last = start + Math.floor((argc - start) / limit) + lastkey
    }
    for (let i = first; i <= last; i += Math.max(1, step)) {
      if (i >= argc || i < first) {
        if (spec.arity < 0) continue
        return null
      }
      found.push({ key: argv[i]!, flags: flags.endsWith(' variable_flags') ? VARIABLE_FLAGS[spec.name]?.(argv) ?? flags : flags })
    }
  }
  return found
}

export const KEY_SPECS: Readonly<Record<string, readonly KeySpecRow[]>> = {
  append: [['RW insert', 1, [0, 1, 0]]],
  bitcount: [['RO access', 1, [0, 1, 0]]],
  bitfield: [['RW access update variable_flags', 1, [0, 1, 0], 'This command allows both access and modification of the key']],
  bitfield_ro: [['RO access', 1, [0, 1, 0]]],
  bitop: [['OW update', 2, [0, 1, 0]], ['RO access', 3, [-1, 1, 0]]],
  bitpos: [['RO access', 1, [0, 1, 0]]],
  blmove: [['RW access delete', 1, [0, 1, 0]], ['RW insert', 2, [0, 1, 0]]],
  blmpop: [['RW access delete', 2, { keynum: [0, 1, 1] }]],
  blpop: [['RW access delete', 1, [-2, 1, 0]]],
  brpop: [['RW access delete', 1, [-2, 1, 0]]],
  brpoplpush: [['RW access delete', 1, [0, 1, 0]], ['RW insert', 2, [0, 1, 0]]],
  bzmpop: [['RW access delete', 2, { keynum: [0, 1, 1] }]],
  bzpopmax: [['RW access delete', 1, [-2, 1, 0]]],
  bzpopmin: [['RW access delete', 1, [-2, 1, 0]]],
  copy: [['RO access', 1, [0, 1, 0]], ['OW update', 2, [0, 1, 0]]],
  decr: [['RW access update', 1, [0, 1, 0]]],
  decrby: [['RW access update', 1, [0, 1, 0]]],
  del: [['RM delete', 1, [-1, 1, 0]]],
  dump: [['RO access', 1, [0, 1, 0]]],
  eval: [['RW access update', 2, { keynum: [0, 1, 1] }, 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE']],
  eval_ro: [['RO access', 2, { keynum: [0, 1, 1] }, 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS']],
  evalsha: [['RW access update', 2, { keynum: [0, 1, 1] }]],
  evalsha_ro: [['RO access', 2, { keynum: [0, 1, 1] }]],
  exists: [['RO', 1, [-1, 1, 0]]],
  expire: [['RW update', 1, [0, 1, 0]]],
  expireat: [['RW update', 1, [0, 1, 0]]],
  expiretime: [['RO access', 1, [0, 1, 0]]],
  fcall: [['RW access update', 2, { keynum: [0, 1, 1] }, 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE']],
  fcall_ro: [['RO access', 2, { keynum: [0, 1, 1] }, 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS']],
  geoadd: [['RW update', 1, [0, 1, 0]]],
  geodist: [['RO access', 1, [0, 1, 0]]],
  geohash: [['RO access', 1, [0, 1, 0]]],
  geopos: [['RO access', 1, [0, 1, 0]]],
  georadius: [['RO access', 1, [0, 1, 0]], ['OW update', ['STORE', 6], [0, 1, 0]], ['OW update', ['STOREDIST', 6], [0, 1, 0]]],
  georadius_ro: [['RO access', 1, [0, 1, 0]]],
  georadiusbymember: [['RO access', 1, [0, 1, 0]], ['OW update', ['STORE', 5], [0, 1, 0]], ['OW update', ['STOREDIST', 5], [0, 1, 0]]],
  georadiusbymember_ro: [['RO access', 1, [0, 1, 0]]],
  geosearch: [['RO access', 1, [0, 1, 0]]],
  geosearchstore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, [0, 1, 0]]],
  get: [['RO access', 1, [0, 1, 0]]],
  getbit: [['RO access', 1, [0, 1, 0]]],
  getdel: [['RW access delete', 1, [0, 1, 0]]],
  getex: [['RW access update', 1, [0, 1, 0], 'RW and UPDATE because it changes the TTL']],
  getrange: [['RO access', 1, [0, 1, 0]]],
  getset: [['RW access update', 1, [0, 1, 0]]],
  hdel: [['RW delete', 1, [0, 1, 0]]],
  hexists: [['RO', 1, [0, 1, 0]]],
  hget: [['RO access', 1, [0, 1, 0]]],
  hgetall: [['RO access', 1, [0, 1, 0]]],
  hincrby: [['RW access update', 1, [0, 1, 0]]],
  hincrbyfloat: [['RW access update', 1, [0, 1, 0]]],
  hkeys: [['RO access', 1, [0, 1, 0]]],
  hlen: [['RO', 1, [0, 1, 0]]],
  hmget: [['RO access', 1, [0, 1, 0]]],
  hmset: [['RW update', 1, [0, 1, 0]]],
  hrandfield: [['RO access', 1, [0, 1, 0]]],
  hscan: [['RO access', 1, [0, 1, 0]]],
  hset: [['RW update', 1, [0, 1, 0]]],
  hsetnx: [['RW insert', 1, [0, 1, 0]]],
  hstrlen: [['RO', 1, [0, 1, 0]]],
  hvals: [['RO access', 1, [0, 1, 0]]],
  incr: [['RW access update', 1, [0, 1, 0]]],
  incrby: [['RW access update', 1, [0, 1, 0]]],
  incrbyfloat: [['RW access update', 1, [0, 1, 0]]],
  lcs: [['RO access', 1, [1, 1, 0]]],
  lindex: [['RO access', 1, [0, 1, 0]]],
  linsert: [['RW insert', 1, [0, 1, 0]]],
  llen: [['RO', 1, [0, 1, 0]]],
  lmove: [['RW access delete', 1, [0, 1, 0]], ['RW insert', 2, [0, 1, 0]]],
  lmpop: [['RW access delete', 1, { keynum: [0, 1, 1] }]],
  lpop: [['RW access delete', 1, [0, 1, 0]]],
  lpos: [['RO access', 1, [0, 1, 0]]],
  lpush: [['RW insert', 1, [0, 1, 0]]],
  lpushx: [['RW insert', 1, [0, 1, 0]]],
  lrange: [['RO access', 1, [0, 1, 0]]],
  lrem: [['RW delete', 1, [0, 1, 0]]],
  lset: [['RW update', 1, [0, 1, 0]]],
  ltrim: [['RW delete', 1, [0, 1, 0]]],
  'memory|usage': [['RO', 2, [0, 1, 0]]],
  mget: [['RO access', 1, [-1, 1, 0]]],
  migrate: [['RW access delete', 3, [0, 1, 0]], ['RW access delete incomplete', ['KEYS', -2], [-1, 1, 0]]],
  move: [['RW access update', 1, [0, 1, 0]]],
  mset: [['OW update', 1, [-1, 2, 0]]],
  msetnx: [['OW insert', 1, [-1, 2, 0]]],
  'object|encoding': [['RO', 2, [0, 1, 0]]],
  'object|freq': [['RO', 2, [0, 1, 0]]],
  'object|idletime': [['RO', 2, [0, 1, 0]]],
  'object|refcount': [['RO', 2, [0, 1, 0]]],
  persist: [['RW update', 1, [0, 1, 0]]],
  pexpire: [['RW update', 1, [0, 1, 0]]],
  pexpireat: [['RW update', 1, [0, 1, 0]]],
  pexpiretime: [['RO access', 1, [0, 1, 0]]],
  pfadd: [['RW insert', 1, [0, 1, 0]]],
  pfcount: [['RW access', 1, [-1, 1, 0], 'RW because it may change the internal representation of the key, and propagate to replicas']],
  pfdebug: [['RW access', 2, [0, 1, 0]]],
  pfmerge: [['RW access insert', 1, [0, 1, 0]], ['RO access', 2, [-1, 1, 0]]],
  psetex: [['OW update', 1, [0, 1, 0]]],
  pttl: [['RO access', 1, [0, 1, 0]]],
  rename: [['RW access delete', 1, [0, 1, 0]], ['OW update', 2, [0, 1, 0]]],
  renamenx: [['RW access delete', 1, [0, 1, 0]], ['OW insert', 2, [0, 1, 0]]],
  restore: [['OW update', 1, [0, 1, 0]]],
  'restore-asking': [['OW update', 1, [0, 1, 0]]],
  rpop: [['RW access delete', 1, [0, 1, 0]]],
  rpoplpush: [['RW access delete', 1, [0, 1, 0]], ['RW insert', 2, [0, 1, 0]]],
  rpush: [['RW insert', 1, [0, 1, 0]]],
  rpushx: [['RW insert', 1, [0, 1, 0]]],
  sadd: [['RW insert', 1, [0, 1, 0]]],
  scard: [['RO', 1, [0, 1, 0]]],
  sdiff: [['RO access', 1, [-1, 1, 0]]],
  sdiffstore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, [-1, 1, 0]]],
  set: [['RW access update variable_flags', 1, [0, 1, 0], 'RW and ACCESS due to the optional `GET` argument']],
  setbit: [['RW access update', 1, [0, 1, 0]]],
  setex: [['OW update', 1, [0, 1, 0]]],
  setnx: [['OW insert', 1, [0, 1, 0]]],
  setrange: [['RW update', 1, [0, 1, 0]]],
  sinter: [['RO access', 1, [-1, 1, 0]]],
  sintercard: [['RO access', 1, { keynum: [0, 1, 1] }]],
  sinterstore: [['RW update', 1, [0, 1, 0]], ['RO access', 2, [-1, 1, 0]]],
  sismember: [['RO', 1, [0, 1, 0]]],
  smembers: [['RO access', 1, [0, 1, 0]]],
  smismember: [['RO access', 1, [0, 1, 0]]],
  smove: [['RW access delete', 1, [0, 1, 0]], ['RW insert', 2, [0, 1, 0]]],
  sort: [['RO access', 1, [0, 1, 0]], ['RO access', null, null, 'For the optional BY/GET keyword. It is marked \'unknown\' because the key names derive from the content of the key we sort'], ['OW update', null, null, 'For the optional STORE keyword. It is marked \'unknown\' because the keyword can appear anywhere in the argument array']],
  sort_ro: [['RO access', 1, [0, 1, 0]], ['RO access', null, null, 'For the optional BY/GET keyword. It is marked \'unknown\' because the key names derive from the content of the key we sort']],
  spop: [['RW access delete', 1, [0, 1, 0]]],
  spublish: [['not_key', 1, [0, 1, 0]]],
  srandmember: [['RO access', 1, [0, 1, 0]]],
  srem: [['RW delete', 1, [0, 1, 0]]],
  sscan: [['RO access', 1, [0, 1, 0]]],
  ssubscribe: [['not_key', 1, [-1, 1, 0]]],
  strlen: [['RO', 1, [0, 1, 0]]],
  substr: [['RO access', 1, [0, 1, 0]]],
  sunion: [['RO access', 1, [-1, 1, 0]]],
  sunionstore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, [-1, 1, 0]]],
  sunsubscribe: [['not_key', 1, [-1, 1, 0]]],
  touch: [['RO', 1, [-1, 1, 0]]],
  ttl: [['RO access', 1, [0, 1, 0]]],
  type: [['RO', 1, [0, 1, 0]]],
  unlink: [['RM delete', 1, [-1, 1, 0]]],
  watch: [['RO', 1, [-1, 1, 0]]],
  xack: [['RW update', 1, [0, 1, 0]]],
  xadd: [['RW update', 1, [0, 1, 0], 'UPDATE instead of INSERT because of the optional trimming feature']],
  xautoclaim: [['RW delete', 1, [0, 1, 0]]],
  xclaim: [['RW update', 1, [0, 1, 0]]],
  xdel: [['RW delete', 1, [0, 1, 0]]],
  'xgroup|create': [['RW insert', 2, [0, 1, 0]]],
  'xgroup|createconsumer': [['RW insert', 2, [0, 1, 0]]],
  'xgroup|delconsumer': [['RW delete', 2, [0, 1, 0]]],
  'xgroup|destroy': [['RW delete', 2, [0, 1, 0]]],
  'xgroup|setid': [['RW update', 2, [0, 1, 0]]],
  'xinfo|consumers': [['RO access', 2, [0, 1, 0]]],
  'xinfo|groups': [['RO access', 2, [0, 1, 0]]],
  'xinfo|stream': [['RO access', 2, [0, 1, 0]]],
  xlen: [['RO', 1, [0, 1, 0]]],
  xpending: [['RO access', 1, [0, 1, 0]]],
  xrange: [['RO access', 1, [0, 1, 0]]],
  xread: [['RO access', ['STREAMS', 1], [-1, 1, 2]]],
  xreadgroup: [['RO access', ['STREAMS', 4], [-1, 1, 2]]],
  xrevrange: [['RO access', 1, [0, 1, 0]]],
  xsetid: [['RW update', 1, [0, 1, 0]]],
  xtrim: [['RW delete', 1, [0, 1, 0]]],
  zadd: [['RW update', 1, [0, 1, 0]]],
  zcard: [['RO', 1, [0, 1, 0]]],
  zcount: [['RO access', 1, [0, 1, 0]]],
  zdiff: [['RO access', 1, { keynum: [0, 1, 1] }]],
  zdiffstore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, { keynum: [0, 1, 1] }]],
  zincrby: [['RW access update', 1, [0, 1, 0]]],
  zinter: [['RO access', 1, { keynum: [0, 1, 1] }]],
  zintercard: [['RO access', 1, { keynum: [0, 1, 1] }]],
  zinterstore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, { keynum: [0, 1, 1] }]],
  zlexcount: [['RO access', 1, [0, 1, 0]]],
  zmpop: [['RW access delete', 1, { keynum: [0, 1, 1] }]],
  zmscore: [['RO access', 1, [0, 1, 0]]],
  zpopmax: [['RW access delete', 1, [0, 1, 0]]],
  zpopmin: [['RW access delete', 1, [0, 1, 0]]],
  zrandmember: [['RO access', 1, [0, 1, 0]]],
  zrange: [['RO access', 1, [0, 1, 0]]],
  zrangebylex: [['RO access', 1, [0, 1, 0]]],
  zrangebyscore: [['RO access', 1, [0, 1, 0]]],
  zrangestore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, [0, 1, 0]]],
  zrank: [['RO access', 1, [0, 1, 0]]],
  zrem: [['RW delete', 1, [0, 1, 0]]],
  zremrangebylex: [['RW delete', 1, [0, 1, 0]]],
  zremrangebyrank: [['RW delete', 1, [0, 1, 0]]],
  zremrangebyscore: [['RW delete', 1, [0, 1, 0]]],
  zrevrange: [['RO access', 1, [0, 1, 0]]],
  zrevrangebylex: [['RO access', 1, [0, 1, 0]]],
  zrevrangebyscore: [['RO access', 1, [0, 1, 0]]],
  zrevrank: [['RO access', 1, [0, 1, 0]]],
  zscan: [['RO access', 1, [0, 1, 0]]],
  zscore: [['RO access', 1, [0, 1, 0]]],
  zunion: [['RO access', 1, { keynum: [0, 1, 1] }]],
  zunionstore: [['OW update', 1, [0, 1, 0]], ['RO access', 2, { keynum: [0, 1, 1] }]],
}

export const TIPS: Readonly<Record<string, string>> = {
  'client|info': 'nondeterministic_output',
  'client|list': 'nondeterministic_output',
  command: 'nondeterministic_output_order',
  'command|docs': 'nondeterministic_output_order',
  'command|info': 'nondeterministic_output_order',
  'command|list': 'nondeterministic_output_order',
  'config|set': 'request_policy:all_nodes response_policy:all_succeeded',
  dbsize: 'request_policy:all_shards response_policy:agg_sum',
  del: 'request_policy:multi_shard response_policy:agg_sum',
  dump: 'nondeterministic_output',
  exists: 'request_policy:multi_shard response_policy:agg_sum',
  flushall: 'request_policy:all_shards response_policy:all_succeeded',
  flushdb: 'request_policy:all_shards response_policy:all_succeeded',
  'function|delete': 'request_policy:all_shards response_policy:all_succeeded',
  'function|flush': 'request_policy:all_shards response_policy:all_succeeded',
  'function|kill': 'request_policy:all_shards response_policy:one_succeeded',
  'function|list': 'nondeterministic_output_order',
  'function|load': 'request_policy:all_shards response_policy:all_succeeded',
  'function|restore': 'request_policy:all_shards response_policy:all_succeeded',
  'function|stats': 'nondeterministic_output request_policy:all_shards response_policy:special',
  hgetall: 'nondeterministic_output_order',
  hkeys: 'nondeterministic_output_order',
  hrandfield: 'nondeterministic_output',
  hscan: 'nondeterministic_output',
  hvals: 'nondeterministic_output_order',
  info: 'nondeterministic_output request_policy:all_shards response_policy:special',
  keys: 'request_policy:all_shards nondeterministic_output_order',
  lastsave: 'nondeterministic_output',
  'latency|doctor': 'nondeterministic_output request_policy:all_nodes response_policy:special',
  'latency|graph': 'nondeterministic_output request_policy:all_nodes response_policy:special',
  'latency|histogram': 'nondeterministic_output request_policy:all_nodes response_policy:special',
  'latency|history': 'nondeterministic_output request_policy:all_nodes response_policy:special',
  'latency|latest': 'nondeterministic_output request_policy:all_nodes response_policy:special',
  'latency|reset': 'request_policy:all_nodes response_policy:all_succeeded',
  'memory|doctor': 'nondeterministic_output request_policy:all_shards response_policy:special',
  'memory|malloc-stats': 'nondeterministic_output request_policy:all_shards response_policy:special',
  'memory|purge': 'request_policy:all_shards response_policy:all_succeeded',
  'memory|stats': 'nondeterministic_output request_policy:all_shards response_policy:special',
  mget: 'request_policy:multi_shard',
  migrate: 'nondeterministic_output',
  'module|list': 'nondeterministic_output_order',
  mset: 'request_policy:multi_shard response_policy:all_succeeded',
  msetnx: 'request_policy:multi_shard response_policy:agg_min',
  'object|encoding': 'nondeterministic_output',
  'object|freq': 'nondeterministic_output',
  'object|idletime': 'nondeterministic_output',
  'object|refcount': 'nondeterministic_output',
  ping: 'request_policy:all_shards response_policy:all_succeeded',
  pttl: 'nondeterministic_output',
  randomkey: 'request_policy:all_shards nondeterministic_output',
  scan: 'nondeterministic_output request_policy:special',
  'script|exists': 'request_policy:all_shards response_policy:agg_logical_and',
  'script|flush': 'request_policy:all_nodes response_policy:all_succeeded',
  'script|kill': 'request_policy:all_shards response_policy:one_succeeded',
  'script|load': 'request_policy:all_nodes response_policy:all_succeeded',
  sdiff: 'nondeterministic_output_order',
  sinter: 'nondeterministic_output_order',
  'slowlog|get': 'request_policy:all_nodes nondeterministic_output',
  'slowlog|len': 'request_policy:all_nodes response_policy:agg_sum nondeterministic_output',
  'slowlog|reset': 'request_policy:all_nodes response_policy:all_succeeded',
  smembers: 'nondeterministic_output_order',
  spop: 'nondeterministic_output',
  srandmember: 'nondeterministic_output',
  sscan: 'nondeterministic_output',
  sunion: 'nondeterministic_output_order',
  time: 'nondeterministic_output',
  touch: 'request_policy:multi_shard response_policy:agg_sum',
  ttl: 'nondeterministic_output',
  unlink: 'request_policy:multi_shard response_policy:agg_sum',
  wait: 'request_policy:all_shards response_policy:agg_min',
  xadd: 'nondeterministic_output',
  xautoclaim: 'nondeterministic_output',
  xclaim: 'nondeterministic_output',
  'xinfo|consumers': 'nondeterministic_output',
  xpending: 'nondeterministic_output',
  xtrim: 'nondeterministic_output',
  zrandmember: 'nondeterministic_output',
  zscan: 'nondeterministic_output',
}
