// DEBUG QUICKLIST-PACKED-THRESHOLD size
import { OK, error, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'
import { DEBUG_FLAGS } from './debug-flags.js'

const REFUSED = error('ERR argument must be a memory value bigger than 1 and smaller than 4gb')
const UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n }
/** quicklistisSetPackedThreshold's bound: 4 GB less 1 MB. */
const MAX = (1n << 32n) - (1n << 20n)

/** Redis's memtoull: digits (none is 0) and a unit; undefined where it sets its error flag. */
const memtoull = (text: string): bigint | undefined => {
  const m = /^(\d*)(.*)$/s.exec(text)!
  const unit = UNITS[m[2]!.toLowerCase()]
  if (unit === undefined || m[1]!.length >= 128) return undefined
  const n = m[1] === '' ? 0n : BigInt(m[1]!)
  return n > 0xffffffffffffffffn / unit ? undefined : n * unit
}

export const debugQuicklistPackedThreshold: CommandSpec = {
  name: 'debug|quicklist-packed-threshold',
  arity: 3,
  flags: DEBUG_FLAGS,
  keys: NO_KEYS,
  group: 'server',
  summary: 'Set the size above which list elements are stored as plain nodes',
  since: '7.0.0',
  complexity: 'O(1)',
  syntax: 'size',
  /** Lists are not held here, so only the value is checked, as Redis checks it. */
  execute(_ctx, argv): Reply {
    const size = memtoull(argv[2]!.toString('latin1'))
    return size === undefined || size > MAX ? REFUSED : OK
  },
}
