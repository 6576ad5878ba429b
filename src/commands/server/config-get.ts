// CONFIG GET parameter [parameter ...]
import { bulk, map, type Reply } from '../../protocol/reply.js'
import type { CommandSpec } from '../spec.js'
import { NO_KEYS } from '../spec.js'

const GLOB_CHARS = /[*?[]/

export const configGet: CommandSpec = {
  name: 'config|get',
  arity: -3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  group: 'server',
  summary: 'Get the values of configuration parameters',
  since: '2.0.0',
  complexity: 'O(N) when N is the number of configuration parameters provided',
  syntax: 'parameter [parameter ...]',
  /**
   * A map of every option matched by any of the patterns, each once. As in Redis, a pattern
   * without glob characters is a case-insensitive exact name and is echoed as given.
   */
  execute(ctx, argv): Reply {
    const config = ctx.server.config
    const found = new Map<string, readonly [string, string]>()
    for (let i = 2; i < argv.length; i++) {
      const pattern = argv[i]!.toString('latin1')
      if (!GLOB_CHARS.test(pattern)) {
        const key = pattern.toLowerCase()
        const value = found.has(key) ? undefined : config.get(key)
        if (value !== undefined) found.set(key, [pattern, value])
        continue
      }
      for (const [name, value] of config.match(pattern)) {
        if (!found.has(name)) found.set(name, [name, value])
      }
    }
    return map([...found.values()].map(([name, value]) => [bulk(name), bulk(value)] as const))
  },
}
