// Every server option, by its redis.conf name. This table is the single source for the config
// file, command-line flags, CONFIG GET/SET, and the defaults. An option's `parse` is the only
// validation: it returns the typed value or an error text naming what is wrong.

import { formatEventFlags, INVALID_EVENT_CLASS, parseEventFlags } from '../storage/keyspace-events.js'
import { quoted } from '../protocol/repr.js'

export type OptionValue = number | string | boolean

export interface OptionSpec {
  readonly name: string
  /** Another name for the same option (Redis 7.0 keeps its old names: hash-max-ziplist-entries …). */
  readonly alias?: string
  readonly default: OptionValue
  /** Whether CONFIG SET may change it at runtime. */
  readonly mutable: boolean
  /** Accepted as a command-line flag / config line, possibly with several words (`save 900 1`). */
  parse(words: readonly string[]): OptionValue | { readonly error: string }
  /** How CONFIG GET shows the value. */
  format(value: OptionValue): string
  /**
   * How CONFIG REWRITE states the value in the config file: the words after the name, one line
   * each (`save` takes a line per save point), as Redis writes them (rewrite.ts).
   */
  rewrite(value: OptionValue): string[]
}

/**
 * Redis's rewriteConfigFormatMemory: the largest of gb, mb, kb that divides the value, else bytes
 * (0 stays 0).
 */
export const formatMemory = (bytes: number): string => {
  const units: [number, string][] = [[1024 ** 3, 'gb'], [1024 ** 2, 'mb'], [1024, 'kb']]
  for (const [size, unit] of units) if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`
  return String(bytes)
}

const one = (words: readonly string[]): string | { error: string } =>
  words.length === 1 ? words[0]! : { error: 'wrong number of arguments' }

const MEMORY_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
}

/** Redis's memtoll: `100mb`, `1gb`, `512k`, plain bytes. */
export const parseMemory = (text: string): number | null => {
  const m = /^(-?\d+)([a-z]*)$/i.exec(text)
  if (!m) return null
  const unit = MEMORY_UNITS[m[2]!.toLowerCase()]
  return unit === undefined ? null : Number(m[1]) * unit
}

export interface OutputBufferLimit {
  readonly hard: number
  readonly soft: number
  readonly seconds: number
}

/**
 * `client-output-buffer-limit`: groups of class, hard limit, soft limit and soft seconds (the
 * limits may carry units); a class not named keeps Redis's default. Returns the limits by class,
 * or Redis's error text.
 */
export const parseOutputBufferLimits = (text: string): Map<string, OutputBufferLimit> | string => {
  const words = text.split(/\s+/).filter((w) => w !== '')
  const limits = new Map<string, OutputBufferLimit>([
    ['normal', { hard: 0, soft: 0, seconds: 0 }],
    ['replica', { hard: 268435456, soft: 67108864, seconds: 60 }],
    ['pubsub', { hard: 33554432, soft: 8388608, seconds: 60 }],
  ])
  if (words.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.'
  for (let i = 0; i < words.length; i += 4) {
    const name = words[i]!.toLowerCase()
    const type = name === 'slave' ? 'replica' : name
    const hard = parseMemory(words[i + 1]!)
    const soft = parseMemory(words[i + 2]!)
    const seconds = /^\d+$/.test(words[i + 3]!) ? Number(words[i + 3]) : null
    if (!limits.has(type) || name === 'master') return 'Invalid client class specified in buffer limit configuration.'
    if (hard === null || soft === null || seconds === null || hard < 0 || soft < 0) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'
    }
    limits.set(type, { hard, soft, seconds })
  }
  return limits
}

/** Redis's string2ll: no sign but '-', no leading zeros, no spaces, within 64 bits. */
const INTEGER = /^(?:0|-?[1-9]\d{0,18})$/
const isInt64 = (w: string): boolean => INTEGER.test(w) && BigInt.asIntN(64, BigInt(w)) === BigInt(w)

const integer = (name: string, def: number, min: number, max: number, mutable = true, maxText = String(max)): OptionSpec => ({
  name,
  default: def,
  mutable,
  parse(words) {
    const w = one(words)
    if (typeof w !== 'string') return w
    if (!isInt64(w)) return { error: 'argument couldn\'t be parsed into an integer' }
    const n = Number(w)
    if (n < min || n > max) return { error: `argument must be between ${min} and ${maxText} inclusive` }
    return n
  },
  format: String,
  rewrite: (v) => [String(v)],
})

/**
 * A 64-bit integer option with no upper bound but LLONG_MAX (Redis's numeric configs of type
 * long long); kept as a number, exact up to 2^53.
 */
const long = (name: string, def: number, min: number, mutable = true): OptionSpec =>
  integer(name, def, min, 2 ** 63, mutable, '9223372036854775807')

/**
 * An integer option that accepts [min, max] as Redis does and then keeps the value within
 * [low, high], as Redis's apply function does (hz: 0 becomes 1, 1000 becomes 500).
 */
const clamped = (name: string, def: number, min: number, max: number, low: number, high: number): OptionSpec => {
  const base = integer(name, def, min, max)
  return {
    ...base,
    parse(words) {
      const v = base.parse(words)
      return typeof v === 'number' ? Math.min(high, Math.max(low, v)) : v
    },
  }
}

const memory = (name: string, def: number, min = 0, mutable = true): OptionSpec => ({
  name,
  default: def,
  mutable,
  parse(words) {
    const w = one(words)
    if (typeof w !== 'string') return w
    const n = parseMemory(w)
    // Redis reads memory values unsigned (memtoull): a negative one is no memory value. Its
    // bound check names the upper bound of its memory options too, LONG_MAX.
    if (n === null || n < 0) return { error: 'argument must be a memory value' }
    if (n < min) return { error: `argument must be between ${min} and 9223372036854775807 inclusive` }
    return n
  },
  format: String,
  rewrite: (v) => [formatMemory(v as number)],
})

const text = (name: string, def: string, mutable = true, check?: (v: string) => string | undefined): OptionSpec => ({
  name,
  default: def,
  mutable,
  parse(words) {
    const w = words.join(' ')
    const problem = check?.(w)
    return problem === undefined ? w : { error: problem }
  },
  format: String,
  // Redis's rewriteConfigStringOption: always quoted (sdscatrepr), so spaces and bytes survive.
  rewrite: (v) => [quoted(Buffer.from(v as string, 'latin1'))],
})

const flag = (name: string, def: boolean, mutable = true): OptionSpec => ({
  name,
  default: def,
  mutable,
  parse(words) {
    const w = one(words)
    if (typeof w !== 'string') return w
    const v = w.toLowerCase()
    if (v === 'yes') return true
    if (v === 'no') return false
    return { error: 'argument must be \'yes\' or \'no\'' }
  },
  format: (v) => (v ? 'yes' : 'no'),
  rewrite: (v) => [v ? 'yes' : 'no'],
})

/** `spec` also known by `alias` (CONFIG GET lists both names, as Redis's). */
const aliased = (alias: string, spec: OptionSpec): OptionSpec => ({ ...spec, alias })

const choice = (name: string, def: string, choices: readonly string[], mutable = true): OptionSpec => ({
  name,
  default: def,
  mutable,
  parse(words) {
    const w = one(words)
    if (typeof w !== 'string') return w
    const v = w.toLowerCase()
    return choices.includes(v) ? v : { error: 'argument(s) must be one of the following: ' + choices.join(', ') }
  },
  format: String,
  rewrite: (v) => [String(v)],
})

export const OPTIONS: readonly OptionSpec[] = [
  integer('port', 6379, 0, 65535, false),
  {
    ...text('bind', '127.0.0.1', false, (v) => (v.trim() === '' ? 'bind needs an address' : undefined)),
    // Redis's rewriteConfigBindOption: the addresses as words, unquoted.
    rewrite: (v) => [String(v)],
  },
  text('dir', './data', false, (v) => (v.trim() === '' ? 'dir must not be empty' : undefined)),
  text('requirepass', ''),
  memory('maxmemory', 0),
  // Choices are listed in Redis's order: its error text for a bad value names them that way.
  choice('maxmemory-policy', 'noeviction', [
    'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction',
  ]),
  choice('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  text('logfile', '', false),
  // A keyspace number holds the database in 16 bits (store-keys.ts).
  integer('databases', 16, 1, 65536, false),
  clamped('hz', 10, 0, 2 ** 31 - 1, 1, 500),
  integer('maxclients', 10000, 1, 1_000_000),
  integer('timeout', 0, 0, 2 ** 31 - 1),
  integer('tcp-keepalive', 300, 0, 2 ** 31 - 1),
  integer('tcp-backlog', 511, 0, 2 ** 31 - 1, false),
  memory('proto-max-bulk-len', 512 * 1024 * 1024, 1024 * 1024),
  integer('proto-max-multibulk-len', 1024 * 1024, 1, 2 ** 31 - 1),
  memory('client-query-buffer-limit', 1024 ** 3, 1024 * 1024),
  /** Reading from a client pauses while this many reply bytes wait to be written to it. */
  memory('client-output-pause-bytes', 8 * 1024 * 1024, 64 * 1024),
  /** Redis's per-class output limits, `<class> <hard> <soft> <soft seconds>`; only `pubsub` applies here. */
  {
    ...text('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', true, (v) => {
      const limits = parseOutputBufferLimits(v)
      return typeof limits === 'string' ? limits : undefined
    }),
    // Redis's rewriteConfigClientOutputBufferLimitOption: a line per class, sizes in units.
    rewrite: (v) => {
      const limits = parseOutputBufferLimits(String(v))
      if (typeof limits === 'string') return []
      return [...limits].map(([type, l]) => `${type} ${formatMemory(l.hard)} ${formatMemory(l.soft)} ${l.seconds}`)
    },
  },
  integer('active-expire-effort', 1, 1, 10),
  /** The largest sparse HyperLogLog, header included; a longer one is stored dense (12 KB). */
  memory('hll-sparse-max-bytes', 3000),
  // A hash turns from listpack into hashtable (OBJECT ENCODING) past either limit, and never
  // back. 512 is Redis 7.0's built-in default (its sample redis.conf says 128).
  aliased('hash-max-ziplist-entries', long('hash-max-listpack-entries', 512, 0)),
  aliased('hash-max-ziplist-value', memory('hash-max-listpack-value', 64)),
  // Keyspace notifications (storage/keyspace-events.ts): kept as Redis's NOTIFY_* bits, shown as
  // Redis renders them (AKEn as AKE).
  {
    name: 'notify-keyspace-events',
    default: 0,
    mutable: true,
    parse(words) {
      const w = one(words)
      if (typeof w !== 'string') return w
      return parseEventFlags(w) ?? { error: INVALID_EVENT_CLASS }
    },
    format: (v) => formatEventFlags(v as number),
    rewrite: (v) => [quoted(Buffer.from(formatEventFlags(v as number), 'latin1'))],
  },
  // Accepted for compatibility (redis-benchmark reads `save`); checkpoints are driven by
  // wal-checkpoint-bytes, not by RDB save points.
  {
    ...text('save', ''),
    // Redis's rewriteConfigSaveOption: a line per save point, or `save ""` for none.
    rewrite: (v) => {
      const words = String(v).split(/\s+/).filter((w) => w !== '')
      if (words.length === 0) return ['""']
      const lines: string[] = []
      for (let i = 0; i + 1 < words.length; i += 2) lines.push(`${words[i]} ${words[i + 1]}`)
      return lines
    },
  },
  /** The write-ahead log. `no` keeps data in memory only and leaves the WAL directory alone. */
  flag('appendonly', true, false),
  choice('appendfsync', 'always', ['everysec', 'always', 'no']),
  /** The WAL directory; empty means `<dir>/wal`. */
  text('wal-dir', '', false),
  flag('wal-direct-io', false, false),
  /** `truncate` starts despite a checksum mismatch before the WAL's tail, dropping what follows it. */
  choice('wal-recovery', 'strict', ['strict', 'truncate'], false),
  memory('wal-segment-size', 16 * 1024 * 1024, 1024 * 1024, false),
  /** Largest group-commit batch; more waits for the next commit. */
  memory('wal-batch-max-bytes', 16 * 1024 * 1024, 64 * 1024, false),
  /** Changed records are flushed to the store (and older WAL segments recycled) once the WAL has grown by this much. */
  memory('wal-checkpoint-bytes', 64 * 1024 * 1024, 1024 * 1024),
  /**
   * ...or once replaying its tail would cost as much as writing this many keys (its changed keys
   * plus a quarter of its ops, Checkpointer.replayCost): this, not the bytes, bounds the restart
   * time after a crash, about half a second at the default.
   */
  integer('wal-checkpoint-ops', 250_000, 1000, 2 ** 31 - 1),
  /** The LSM store's SSD tier (segment files); empty means `<dir>/ssd`. */
  text('ssd-dir', '', false),
  /** The HDD tier, where cold segments move; empty means `<dir>/hdd`. May be another filesystem. */
  text('hdd-dir', '', false),
  /** Seconds without a read or write after which a segment (or a whole idle tenant) moves to HDD. */
  integer('tier-cold-after', 3600, 1, 2 ** 31 - 1),
  /** Above this many bytes in the SSD tier the coldest segments move first, cold or not (0: no cap). */
  memory('tier-ssd-max-bytes', 0),
  /** Seconds between tiering passes (access counters decay once per pass). */
  integer('tier-scan-interval', 10, 1, 86400),
  /** An HDD segment is promoted back to SSD once its decaying read count reaches this. */
  integer('tier-promote-heat', 8, 1, 2 ** 31 - 1),
  /** Count reads per segment for tiering (off: nothing is tracked, so nothing is judged hot). */
  flag('tier-tracking', true),
  flag('protected-mode', true),
  /** DEBUG is refused unless this is yes, or local for loopback clients; set only at start, as in Redis. */
  choice('enable-debug-command', 'no', ['no', 'yes', 'local'], false),
  flag('daemonize', false, false),
  text('pidfile', '', false),
  integer('lfu-log-factor', 10, 0, 2 ** 31 - 1),
  integer('lfu-decay-time', 1, 0, 2 ** 31 - 1),
  /** SLOWLOG: commands that run for at least this many µs are logged (-1: none, 0: every one). */
  long('slowlog-log-slower-than', 10000, -1),
  /** SLOWLOG: the entries kept per tenant, newest first. */
  long('slowlog-max-len', 128, 0),
  /** Client tracking: the keys remembered per tenant before the oldest are invalidated (0: no limit). */
  long('tracking-table-max-keys', 1_000_000, 0),
  /** LATENCY: events are never sampled here, so this only answers CONFIG GET/SET. */
  long('latency-monitor-threshold', 0, 0),
]

export const OPTION_BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.flatMap((o) => (o.alias === undefined ? [[o.name, o] as const] : [[o.name, o] as const, [o.alias, o] as const])),
)
