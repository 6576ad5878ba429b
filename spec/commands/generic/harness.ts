// A hand-made command context over real MemoryKeyspaces and a settable clock, so generic
// command specs run without the server. `run` calls a command's execute directly, selecting
// subcommands as dispatch does; arity and other generic checks are dispatch's and not done here.

import type { Reply } from '../../../src/protocol/reply.js'
import { commandTable } from '../../../src/commands/registry.js'
import type { CommandContext, CommandSpec, ConfigStore, ServerContext, Session } from '../../../src/commands/spec.js'
import type { KeyspaceStats, StringValue } from '../../../src/storage/keyspace.js'
import { newKeyspaceStats } from '../../../src/storage/keyspace.js'
import { MemoryKeyspace } from '../../../src/storage/memory-keyspace.js'

export const START = 1_700_000_000_000

export const str = (data: string | Buffer): StringValue => ({
  type: 'string',
  data: typeof data === 'string' ? Buffer.from(data) : data,
})

export interface Harness {
  readonly ctx: CommandContext
  readonly dbs: MemoryKeyspace[]
  /** The selected database (db 0 unless `select` was called). */
  readonly db: MemoryKeyspace
  readonly config: Map<string, string>
  readonly stats: KeyspaceStats
  now: number
  select(index: number): void
  run(...args: (string | Buffer)[]): Reply
}

export const lookup = (args: (string | Buffer)[]): CommandSpec => {
  const name = args[0]!.toString().toLowerCase()
  const spec = commandTable.get(name)
  if (spec === undefined) throw new Error(`no command ${name}`)
  if (spec.subcommands === undefined) return spec
  const subName = `${name}|${args[1]!.toString().toLowerCase()}`
  const sub = spec.subcommands.find((s) => s.name === subName)
  if (sub === undefined) throw new Error(`no subcommand ${subName}`)
  return sub
}

export const harness = (): Harness => {
  const stats = newKeyspaceStats()
  const config = new Map<string, string>([
    ['maxmemory', '0'],
    ['maxmemory-policy', 'noeviction'],
    ['lfu-decay-time', '1'],
  ])
  // Only what generic commands read; the rest of the store is not needed here.
  const configStore = { get: (name: string) => config.get(name) } as unknown as ConfigStore
  const h = {} as Harness & { now: number }
  h.now = START
  const clock = () => h.now
  const dbs = Array.from({ length: 16 }, () => new MemoryKeyspace({ clock, stats }))
  const session = { dbIndex: 0, db: dbs[0]!, tenant: { id: 'default', databases: dbs } } as unknown as Session
  // The server's stats are the counters its keyspaces bump, as in the real server.
  const server = {
    config: configStore,
    databases: dbs,
    stats,
    now: clock,
  } as unknown as ServerContext
  // Command bodies alone: no EXEC runs here.
  const ctx: CommandContext = { session, server, runQueued: () => { throw new Error('no transactions in this harness') }, deliver: () => {}, deliverAfterReply: () => {} }
  Object.assign(h, {
    ctx,
    dbs,
    config,
    stats,
    select(index: number) {
      session.dbIndex = index
      session.db = dbs[index]!
    },
    run(...args: (string | Buffer)[]) {
      const argv = args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a))
      return lookup(args).execute!(ctx, argv)
    },
  })
  Object.defineProperty(h, 'db', { get: () => session.db })
  return h
}

/** The reply as plain data for deep equality: integers as numbers, bulk strings as strings. */
export const plain = (reply: Reply): unknown => {
  switch (reply.kind) {
    case 'integer':
      return reply.value
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
    case 'set':
    case 'push':
      return reply.value.map(plain)
    default:
      return reply
  }
}

/** The keys `db.peek` is called with from now on, in order (for specs of what a command looks up). */
export const countPeeks = (db: MemoryKeyspace): string[] => {
  const looked: string[] = []
  const peek = db.peek.bind(db)
  db.peek = (key: Buffer) => (looked.push(key.toString('latin1')), peek(key))
  return looked
}
