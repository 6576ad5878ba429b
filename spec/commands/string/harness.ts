// A hand-made command context over a real MemoryKeyspace and a settable clock, so the string
// command specs run without the server. `run` calls a command's execute directly with argv as
// dispatch would pass it; arity is dispatch's check and is not repeated here.

import { hashOf } from '../../../src/storage/hash-value.js'
import type { Reply } from '../../../src/protocol/reply.js'
import type { CommandContext, CommandSpec, ConfigStore, ServerContext, Session } from '../../../src/commands/spec.js'
import type { Entry, KeyspaceStats, Value } from '../../../src/storage/keyspace.js'
import { newKeyspaceStats } from '../../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../../src/storage/memory-keyspace.js'
import { append } from '../../../src/commands/string/append.js'
import { decr } from '../../../src/commands/string/decr.js'
import { decrby } from '../../../src/commands/string/decrby.js'
import { get } from '../../../src/commands/string/get.js'
import { getdel } from '../../../src/commands/string/getdel.js'
import { getex } from '../../../src/commands/string/getex.js'
import { getrange } from '../../../src/commands/string/getrange.js'
import { getset } from '../../../src/commands/string/getset.js'
import { incr } from '../../../src/commands/string/incr.js'
import { incrby } from '../../../src/commands/string/incrby.js'
import { incrbyfloat } from '../../../src/commands/string/incrbyfloat.js'
import { mget } from '../../../src/commands/string/mget.js'
import { mset } from '../../../src/commands/string/mset.js'
import { msetnx } from '../../../src/commands/string/msetnx.js'
import { psetex } from '../../../src/commands/string/psetex.js'
import { set } from '../../../src/commands/string/set.js'
import { setex } from '../../../src/commands/string/setex.js'
import { setnx } from '../../../src/commands/string/setnx.js'
import { setrange } from '../../../src/commands/string/setrange.js'
import { strlen } from '../../../src/commands/string/strlen.js'
import { substr } from '../../../src/commands/string/substr.js'
import { lcs } from '../../../src/commands/string/lcs.js'
import { bitcount } from '../../../src/commands/string/bitcount.js'
import { bitop } from '../../../src/commands/string/bitop.js'
import { bitpos } from '../../../src/commands/string/bitpos.js'
import { getbit } from '../../../src/commands/string/getbit.js'
import { setbit } from '../../../src/commands/string/setbit.js'
import { bitfield } from '../../../src/commands/string/bitfield.js'
import { bitfieldRo } from '../../../src/commands/string/bitfield-ro.js'

export const stringCommands: readonly CommandSpec[] = [
  append, decr, decrby, get, getdel, getex, getrange, getset, incr, incrby, incrbyfloat,
  lcs, mget, mset, msetnx, psetex, set, setex, setnx, setrange, strlen, substr,
  setbit, getbit, bitcount, bitpos, bitop, bitfield, bitfieldRo,
]
const byName = new Map(stringCommands.map((s) => [s.name, s]))

/** A fixed wall-clock start for specs (2023-11-14T22:13:20Z). */
export const START = 1_700_000_000_000

/** A value of a type no string command accepts, for WRONGTYPE paths: a hash. */
export const notAString: Value = hashOf([['field', 'value']])

export interface Harness {
  readonly ctx: CommandContext
  readonly db: MemoryKeyspace
  readonly stats: KeyspaceStats
  readonly config: Map<string, string>
  now: number
  run(...args: (string | Buffer)[]): Reply
  /** The stored entry without touching stats or access time. */
  entry(key: string | Buffer): Entry | undefined
}

export const harness = (): Harness => {
  const config = new Map<string, string>([['proto-max-bulk-len', String(512 * 1024 * 1024)]])
  const configStore = {
    get: (name: string) => config.get(name),
    number: (name: string) => Number(config.get(name)),
    string: (name: string) => config.get(name) ?? '',
  } as unknown as ConfigStore
  const h = { now: START, config } as Harness
  const clock = () => h.now
  const stats = newKeyspaceStats()
  const db = new MemoryKeyspace({ clock, stats })
  const session = { dbIndex: 0, db } as unknown as Session
  const server = { config: configStore, databases: [db], now: clock } as unknown as ServerContext
  // Command bodies alone: no EXEC runs here.
  const ctx: CommandContext = { session, server, runQueued: () => { throw new Error('no transactions in this harness') }, deliver: () => {}, deliverAfterReply: () => {} }
  return Object.assign(h, {
    ctx,
    db,
    stats,
    run(...args: (string | Buffer)[]): Reply {
      const argv = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : a))
      const spec = byName.get(argv[0]!.toString('latin1').toLowerCase())
      if (spec === undefined) throw new Error(`not a string command: ${args[0]}`)
      return spec.execute!(ctx, argv)
    },
    entry: (key: string | Buffer) => db.peek(typeof key === 'string' ? Buffer.from(key, 'latin1') : key),
  })
}

/** The reply as plain data for deep equality: bulk strings as latin1 text, errors as { error }. */
export const plain = (reply: Reply): unknown => {
  switch (reply.kind) {
    case 'integer':
      // Numbers when exact, so specs compare small results with plain literals.
      return typeof reply.value === 'bigint' && Number.isSafeInteger(Number(reply.value)) ? Number(reply.value) : reply.value
    case 'bulk':
      return typeof reply.value === 'string' ? reply.value : reply.value.toString('latin1')
    case 'simple':
      return { simple: reply.value }
    case 'error':
      return { error: reply.value }
    case 'null':
    case 'nullArray':
      return null
    case 'array':
      return reply.value.map(plain)
    default:
      throw new Error(`unexpected reply kind ${reply.kind}`)
  }
}

export const OK = { simple: 'OK' }
export const SYNTAX = { error: 'ERR syntax error' }
export const NOT_INTEGER = { error: 'ERR value is not an integer or out of range' }
export const NOT_FLOAT = { error: 'ERR value is not a valid float' }
export const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }
export const OVERFLOW = { error: 'ERR increment or decrement would overflow' }
export const invalidExpire = (command: string) => ({ error: `ERR invalid expire time in '${command}' command` })
