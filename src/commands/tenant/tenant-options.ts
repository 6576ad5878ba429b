// The options TENANT CREATE and TENANT SET share: MAXKEYS n, MAXBYTES n, DURABILITY mode.
import { Errors, error, type Reply } from '../../protocol/reply.js'
import { is, parseInteger } from '../args.js'
import type { TenantDurability, TenantOptions } from '../spec.js'

/** Mutable while parsing; handed out as TenantOptions. */
type Parsed = { -readonly [K in keyof TenantOptions]: TenantOptions[K] }

/**
 * Parses `argv[from..]`. `allowDefault`: DURABILITY default (back to appendfsync), for SET.
 * Returns the options or an error reply.
 */
export const parseTenantOptions = (argv: Buffer[], from: number, allowDefault: boolean): TenantOptions | Reply => {
  const options: Parsed = {}
  for (let i = from; i < argv.length; i++) {
    const name = argv[i]!
    if (i + 1 >= argv.length) return Errors.syntax
    const value = argv[++i]!
    if (is(name, 'maxkeys') || is(name, 'maxbytes')) {
      const n = parseInteger(value)
      if (n === null || n < 0) return error(`ERR ${name.toString('latin1').toUpperCase()} must be a non-negative integer (0: no limit)`)
      if (is(name, 'maxkeys')) options.maxKeys = n
      else options.maxBytes = n
    } else if (is(name, 'durability')) {
      const mode = value.toString('latin1').toLowerCase()
      if (mode !== 'always' && mode !== 'everysec' && !(allowDefault && mode === 'default')) {
        return error(`ERR DURABILITY must be always or everysec${allowDefault ? ' (or default)' : ''}`)
      }
      options.durability = mode === 'default' ? 'default' : (mode as TenantDurability)
    } else {
      return Errors.syntax
    }
  }
  return options
}

export const isReply = (parsed: TenantOptions | Reply): parsed is Reply => 'kind' in parsed

export const noSuchTenant = (id: Buffer): Reply => error(`ERR no such tenant '${id.toString('latin1')}'`)
