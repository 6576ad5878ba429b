// OBJECT REFCOUNT key
import { NULL, integer, type Reply } from '../../protocol/reply.js'
import { parseInteger } from '../args.js'
import type { Value } from '../../storage/keyspace.js'
import type { CommandContext, CommandSpec } from '../spec.js'
import { encodingOf } from './object-encoding.js'
import { readNoTouch } from './lookup.js'

/** Redis shares one object for each integer in [0, 10000) and reports it as immortal. */
const SHARED_INTEGERS = 10_000
const SHARED_REFCOUNT = 2_147_483_647

/** Redis stops sharing integers when an LRU/LFU eviction policy is active (maxmemory set). */
const sharesIntegers = (ctx: CommandContext): boolean => {
  const config = ctx.server.config
  const maxmemory = config.get('maxmemory')
  if (maxmemory === undefined || maxmemory === '0') return true
  const policy = config.get('maxmemory-policy') ?? ''
  return !policy.includes('lru') && !policy.includes('lfu')
}

/** What Redis reports as the value's reference count: immortal for a shared integer, else 1. */
export const refcountOf = (ctx: CommandContext, value: Value): number => {
  if (value.type === 'string' && value.data.length <= 4 && encodingOf(value) === 'int') {
    const n = parseInteger(value.data)!
    if (n >= 0 && n < SHARED_INTEGERS && sharesIntegers(ctx)) return SHARED_REFCOUNT
  }
  return 1
}

export const objectRefcount: CommandSpec = {
  name: 'object|refcount',
  arity: 3,
  flags: ['readonly'],
  keys: { first: 2, last: 2, step: 1 },
  group: 'generic',
  summary: 'Get the number of references to the value of the key',
  since: '2.2.3',
  complexity: 'O(1)',
  syntax: 'key',
  execute(ctx, argv): Reply {
    const entry = readNoTouch(ctx, argv[2]!, false)
    if (entry === undefined) return NULL
    return integer(refcountOf(ctx, entry.value))
  },
}
